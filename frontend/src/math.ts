// LaTeX in Markdown: `$...$` and `\(...\)` inline, `$$...$$` and `\[...\]`
// display, as marimo accepts. A marked extension keeps the TeX away from
// Markdown's own rules (so `$a_1 * b_1$` is not emphasis) and writes it
// as escaped text in `<span class="weir-math">`, which survives
// sanitising; `typesetMath` then hands each span to KaTeX, loaded from
// /assets/rich/ only when a page has math. KaTeX builds its markup itself
// (`trust: false`: no \href, \includegraphics or \html* commands).

import type { MarkedExtension, Tokens } from 'marked';
import { RICH_BASE, loadRichScript } from './charts';

interface MathToken extends Tokens.Generic {
  text: string;
  display: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function mathHtml(text: string, display: boolean, tag: 'span' | 'div'): string {
  return `<${tag} class="weir-math" data-display="${display}">${escapeHtml(text)}</${tag}>`;
}

// Pandoc's rule for `$`: no space just inside either dollar, and no digit
// right after the closing one, so "$5 and $10" stays text.
const INLINE: readonly [RegExp, boolean][] = [
  [/^\$\$([^$]+?)\$\$/, true],
  [/^\\\[([\s\S]+?)\\\]/, true],
  [/^\\\(([\s\S]+?)\\\)/, false],
  [/^\$(?![\s$])((?:\\[\s\S]|[^\\$])+?)(?<!\s)\$(?!\d)/, false],
];

const BLOCK: readonly RegExp[] = [/^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/, /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n+|$)/];

export function mathExtension(): MarkedExtension {
  return {
    extensions: [
      {
        name: 'weirMathBlock',
        level: 'block',
        tokenizer(src: string): MathToken | undefined {
          for (const re of BLOCK) {
            const m = re.exec(src);
            if (m) return { type: 'weirMathBlock', raw: m[0], text: m[1].trim(), display: true };
          }
          return undefined;
        },
        renderer(token) {
          return `${mathHtml((token as MathToken).text, true, 'div')}\n`;
        },
      },
      {
        name: 'weirMath',
        level: 'inline',
        start(src: string) {
          const i = src.search(/\$|\\[([]/);
          return i < 0 ? undefined : i;
        },
        tokenizer(src: string): MathToken | undefined {
          for (const [re, display] of INLINE) {
            const m = re.exec(src);
            if (m) return { type: 'weirMath', raw: m[0], text: m[1].trim(), display };
          }
          return undefined;
        },
        renderer(token) {
          const t = token as MathToken;
          return mathHtml(t.text, t.display, 'span');
        },
      },
    ],
  };
}

interface KatexGlobal {
  render(tex: string, el: HTMLElement, options: Record<string, unknown>): void;
}

let cssAdded = false;

function addKatexCss(): void {
  if (cssAdded) return;
  cssAdded = true;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = `${RICH_BASE}katex.css`;
  document.head.append(link);
}

/** Typesets every math span under `root` (no-op, and no load, when there is none). */
export async function typesetMath(root: ParentNode): Promise<void> {
  const spans = [...root.querySelectorAll<HTMLElement>('.weir-math:not([data-typeset])')];
  if (!spans.length) return;
  addKatexCss();
  try {
    await loadRichScript('katex.js');
  } catch {
    // The TeX stays as its source text, marked so the page can tell.
    for (const el of spans) el.dataset.typeset = 'error';
    return;
  }
  const katex = (window as unknown as { katex: KatexGlobal }).katex;
  for (const el of spans) {
    const tex = el.textContent ?? '';
    katex.render(tex, el, {
      displayMode: el.dataset.display === 'true',
      throwOnError: false,
      trust: false,
      strict: 'ignore',
      maxExpand: 1000,
    });
    el.dataset.typeset = 'true';
  }
}
