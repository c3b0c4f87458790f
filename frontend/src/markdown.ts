// Markdown cells: a cell whose whole code is one `mo.md(...)` or
// `weir.md(...)` call on a single string literal is shown rendered and
// edited as Markdown (the literal's body), as marimo does.

export interface MarkdownCell {
  /** `mo` or `weir`. */
  module: string;
  /** String prefix letters as written (`r`, `f`, `rf`, ...), lower-cased. */
  prefix: string;
  /** `"""`, `'''`, `"` or `'`. */
  quote: string;
  /** The literal's source text between the quotes, as typed. */
  body: string;
  /** The string's value: escapes decoded unless raw. */
  text: string;
  /** f-strings interpolate: the rendered text must come from the run's output. */
  interpolated: boolean;
}

const HEAD = /^\s*(mo|weir)\s*\.\s*md\s*\(\s*([rRfFuU]{0,2})("""|'''|"|')/;

/** The markdown a cell is made of, or null when it is ordinary code. */
export function detectMarkdown(code: string): MarkdownCell | null {
  const m = HEAD.exec(code);
  if (!m) return null;
  const [, module, rawPrefix, quote] = m;
  const prefix = rawPrefix.toLowerCase();
  if (prefix.length === 2 && !(prefix.includes('r') && (prefix.includes('f') || prefix.includes('b')))) return null;
  if (prefix.includes('u') && prefix.length > 1) return null;
  const start = m[0].length;
  const triple = quote.length === 3;
  let i = start;
  for (;;) {
    if (i >= code.length) return null;
    const ch = code[i];
    if (ch === '\\') {
      i += 2; // an escaped character never ends the literal, raw or not
      continue;
    }
    if (!triple && ch === '\n') return null;
    if (code.startsWith(quote, i)) break;
    i++;
  }
  const body = code.slice(start, i);
  const rest = code.slice(i + quote.length);
  // Only a closing parenthesis, an optional trailing comma and comments may follow.
  if (!/^\s*,?\s*\)\s*(#[^\n]*\s*)*$/.test(rest)) return null;
  const raw = prefix.includes('r');
  return {
    module,
    prefix: rawPrefix,
    quote,
    body,
    text: raw ? body : decodeEscapes(body),
    interpolated: prefix.includes('f'),
  };
}

/** The code for a markdown cell whose body was edited, keeping its literal's form. */
export function markdownCode(md: MarkdownCell, body: string): string | null {
  const candidate = `${md.module}.md(${md.prefix}${md.quote}${body}${md.quote})`;
  const again = detectMarkdown(candidate);
  // A body that would end the literal early (or escape its quote) cannot
  // be written back in this form: the caller edits it as Python instead.
  return again && again.body === body ? candidate : null;
}

const SIMPLE: Record<string, string> = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** Python's escapes in a non-raw string literal. */
export function decodeEscapes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '\\' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const n = s[i + 1];
    if (n in SIMPLE) {
      out += SIMPLE[n];
      i++;
      continue;
    }
    const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hex && /^[0-9a-fA-F]+$/.test(s.slice(i + 2, i + 2 + hex)) && s.slice(i + 2, i + 2 + hex).length === hex) {
      const cp = parseInt(s.slice(i + 2, i + 2 + hex), 16);
      if (cp <= 0x10ffff) {
        out += String.fromCodePoint(cp);
        i += 1 + hex;
        continue;
      }
    }
    const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1));
    if (oct) {
      out += String.fromCodePoint(parseInt(oct[0], 8));
      i += oct[0].length;
      continue;
    }
    out += ch; // unknown escapes stay as written, as in Python
  }
  return out;
}
