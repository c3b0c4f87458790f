import { describe, expect, it } from 'vitest';
import { decodeEscapes, detectMarkdown, markdownCode } from '../src/markdown';

describe('detectMarkdown', () => {
  it('finds mo.md and weir.md on one literal', () => {
    expect(detectMarkdown('mo.md(r"""\n# Title\n""")')).toMatchObject({ module: 'mo', text: '\n# Title\n', interpolated: false });
    expect(detectMarkdown("weir.md('*hi*')")).toMatchObject({ module: 'weir', text: '*hi*' });
    expect(detectMarkdown('  mo.md(\n    """\n    a\n    """\n)\n')).toMatchObject({ body: '\n    a\n    ' });
    expect(detectMarkdown('mo.md("x",)  # note')).toMatchObject({ text: 'x' });
  });

  it('decodes escapes unless raw', () => {
    expect(detectMarkdown('mo.md("a\\tb")')?.text).toBe('a\tb');
    expect(detectMarkdown('mo.md(r"a\\tb")')?.text).toBe('a\\tb');
    expect(detectMarkdown('mo.md("say \\"hi\\"")')?.text).toBe('say "hi"');
  });

  it('marks f-strings as interpolated', () => {
    expect(detectMarkdown('mo.md(f"x = {x}")')?.interpolated).toBe(true);
    expect(detectMarkdown('mo.md(rf"""{x}""")')?.interpolated).toBe(true);
  });

  it('rejects anything that is not only the call', () => {
    for (const code of [
      'x = 1\nmo.md("a")',
      'mo.md("a")\nx = 1',
      'mo.md("a" + b)',
      'mo.md("a", "b")',
      'mo.md(text)',
      'mo.md("a").center()',
      'pd.md("a")',
      'mo.md("unterminated)',
      'mo.md("a\nb")',
      'mo.md(b"bytes")',
    ]) {
      expect(detectMarkdown(code), code).toBeNull();
    }
  });

  it('writes an edited body back in the same literal form, or refuses', () => {
    const md = detectMarkdown('mo.md(r"""\n# A\n""")')!;
    expect(markdownCode(md, '\n# B\n')).toBe('mo.md(r"""\n# B\n""")');
    expect(markdownCode(md, 'ends """ early')).toBeNull();
  });
});

describe('decodeEscapes', () => {
  it('handles hex, unicode, octal and line continuations', () => {
    expect(decodeEscapes('\\x41\\u00e9\\U0001F600\\101a\\\nb\\q')).toBe('Aé😀Aab\\q');
  });
});

describe('what marimo notebooks write', () => {
  it('raw triple-quoted literals are edited as their body', () => {
    const md = detectMarkdown('mo.md(r"""\n# Fit: $\\alpha$\n""")')!;
    expect(md).toMatchObject({ text: '\n# Fit: $\\alpha$\n', interpolated: false, editAsCode: false });
    expect(markdownCode(md, '\n# B\n')).toBe('mo.md(r"""\n# B\n""")');
  });

  it('implicitly concatenated literals render joined, and are edited as code', () => {
    const code = 'mo.md(\n    "# Title\\n"\n    r"\\raw "  # a comment\n    \'tail\'\n)';
    const md = detectMarkdown(code)!;
    expect(md).toMatchObject({ text: '# Title\n\\raw tail', interpolated: false, editAsCode: true });
    expect(markdownCode(md, 'anything')).toBeNull();
    expect(detectMarkdown('weir.md("a" "b")')?.text).toBe('ab');
    expect(detectMarkdown('mo.md("""a"""\n"b",)')?.text).toBe('ab');
  });

  it('an f-string that interpolates renders the output and is edited as code; one that does not is plain text', () => {
    const f = detectMarkdown('mo.md(f"Total: **{total}**")')!;
    expect(f).toMatchObject({ interpolated: true, editAsCode: true });
    expect(markdownCode(f, 'x')).toBeNull();
    expect(detectMarkdown('mo.md(\n    f"{n} rows\\n"\n    "static"\n)')).toMatchObject({ interpolated: true, editAsCode: true });
    const braces = detectMarkdown('mo.md(f"# {{not a field}}")')!;
    expect(braces).toMatchObject({ text: '# {not a field}', interpolated: false, editAsCode: false });
    expect(detectMarkdown('mo.md(rf"""\\{{x}}""")')).toMatchObject({ text: '\\{x}', interpolated: false });
  });

  it('still rejects what is not only literals', () => {
    for (const code of ['mo.md("a" + "b")', 'mo.md("a" b)', 'mo.md("a" "b)', 'mo.md("a" b"c")', 'mo.md("a"\n.strip())', 'mo.md()']) {
      expect(detectMarkdown(code), code).toBeNull();
    }
  });
});

describe('cleandoc (marimo md)', () => {
  it('drops the common indentation of an indented triple-quoted body, as inspect.cleandoc', async () => {
    const { cleandoc } = await import('../src/markdown');
    expect(cleandoc('\n        # Title\n\n        text\n          more\n        ')).toBe('# Title\n\ntext\n  more');
    expect(cleandoc('first\n    second\n      third')).toBe('first\nsecond\n  third');
    expect(cleandoc(cleandoc('a\n  b'))).toBe(cleandoc('a\n  b'));
  });
});
