// Markdown cells: a cell whose whole code is one `mo.md(...)` or
// `weir.md(...)` call on a string is shown rendered, as marimo does. The
// string may be any literal (`r"""..."""`, `f"..."`) or several literals
// implicitly concatenated (`"# Title\n" "text"`, one per line inside the
// parentheses). A single literal without interpolation is edited as
// Markdown (the literal's body); concatenations and f-strings that
// interpolate are edited as the Python they are, and an interpolating
// f-string renders the run's output, since only the run knows its values.

export interface MarkdownCell {
  /** `mo` or `weir`. */
  module: string;
  /** String prefix letters of the first literal as written (`r`, `f`, `rf`, ...). */
  prefix: string;
  /** The first literal's quote: `"""`, `'''`, `"` or `'`. */
  quote: string;
  /** The literal's source text between the quotes, as typed (a single literal's; see `editAsCode`). */
  body: string;
  /** The string's value: escapes decoded unless raw, literals joined. */
  text: string;
  /** An f-string with a replacement field: the rendered text must come from the run's output. */
  interpolated: boolean;
  /** Edited as Python, not as the body: several literals, or interpolation. */
  editAsCode: boolean;
}

interface Literal {
  prefix: string;
  quote: string;
  body: string;
  end: number;
}

const CALL = /^\s*(mo|weir)\s*\.\s*md\s*\(/;
const LITERAL = /([rRfFuU]{0,2})("""|'''|"|')/y;
// Between literals inside the parentheses: whitespace, newlines, comments.
const GAP = /(?:\s|#[^\n]*)*/y;

/** The markdown a cell is made of, or null when it is ordinary code. */
export function detectMarkdown(code: string): MarkdownCell | null {
  const m = CALL.exec(code);
  if (!m) return null;
  const module = m[1];
  const parts: Literal[] = [];
  let i = m[0].length;
  for (;;) {
    GAP.lastIndex = i;
    GAP.exec(code);
    i = GAP.lastIndex;
    LITERAL.lastIndex = i;
    const lit = LITERAL.exec(code);
    if (!lit) break;
    const part = scanLiteral(code, i + lit[0].length, lit[1], lit[2]);
    if (!part) return null;
    parts.push(part);
    i = part.end;
  }
  // Only a closing parenthesis, an optional trailing comma and comments may follow.
  if (!parts.length || !/^\s*,?\s*\)\s*(#[^\n]*\s*)*$/.test(code.slice(i))) return null;
  const interpolated = parts.some((p) => isF(p.prefix) && interpolates(p.body));
  const first = parts[0];
  return {
    module,
    prefix: first.prefix,
    quote: first.quote,
    body: first.body,
    text: parts.map(value).join(''),
    interpolated,
    editAsCode: parts.length > 1 || interpolated,
  };
}

/** One literal from after its opening quote, or null when it is not one (bad prefix, unterminated). */
function scanLiteral(code: string, start: number, rawPrefix: string, quote: string): Literal | null {
  const prefix = rawPrefix.toLowerCase();
  if (prefix.length === 2 && !(prefix.includes('r') && prefix.includes('f'))) return null;
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
  return { prefix: rawPrefix, quote, body: code.slice(start, i), end: i + quote.length };
}

const isF = (prefix: string) => /f/i.test(prefix);

/** Whether an f-string body has a replacement field (`{{` and `}}` are literal braces). */
function interpolates(body: string): boolean {
  return body.replace(/\{\{|\}\}/g, '').includes('{');
}

/** A literal's value as far as it is known without running it. */
function value(p: Literal): string {
  const raw = /r/i.test(p.prefix);
  let text = raw ? p.body : decodeEscapes(p.body);
  if (isF(p.prefix) && !interpolates(p.body)) text = text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  return text;
}

/** The code for a markdown cell whose body was edited, keeping its literal's form. */
export function markdownCode(md: MarkdownCell, body: string): string | null {
  if (md.editAsCode) return null;
  const candidate = `${md.module}.md(${md.prefix}${md.quote}${body}${md.quote})`;
  const again = detectMarkdown(candidate);
  // A body that would end the literal early (or escape its quote) cannot
  // be written back in this form: the caller edits it as Python instead.
  return again && !again.editAsCode && again.body === body ? candidate : null;
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

/**
 * Python's `inspect.cleandoc`, which marimo's `md` (and `weir.md`) apply
 * to their text: tabs expanded, the first line's leading whitespace and
 * the other lines' common indentation removed, blank lines at both ends
 * dropped. So a markdown cell's body, indented inside its cell, shows as
 * the run would show it, not as a code block.
 */
export function cleandoc(text: string): string {
  const lines = text.replace(/\t/g, '        ').split('\n');
  let margin = Infinity;
  for (const line of lines.slice(1)) {
    const content = line.trimStart().length;
    if (content) margin = Math.min(margin, line.length - content);
  }
  lines[0] = lines[0].trimStart();
  if (margin !== Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i].slice(margin);
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  return lines.join('\n');
}
