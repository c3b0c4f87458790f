// One output or console chunk to DOM, after its hash is verified. HTML and
// SVG never enter the editor's DOM as markup: HTML goes into a sandboxed
// iframe, SVG into an <img> (which runs no script).

import { MAX_FRAME_HEIGHT, frameDocument } from './frame';
import { type Hasher, verifyBundle, verifyChunk } from './integrity';
import { LAYOUT_MIME, parseLayout, renderLayout } from './layout';
import type { ConsoleChunk, MimeBundle } from './protocol';
import { chooseChartMime, renderChart } from './charts';
import { typesetMath } from './math';
import { renderMarkdown } from './render-markdown';
import { type ElementContext, UI_MIME, parseElement, renderElement } from './elements';
import { PROGRESS_MIME, parseProgress, renderProgress } from './progress';

export const MIME_ORDER = [
  'text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif', 'text/markdown', 'application/json', 'text/plain',
] as const;

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

export function chooseMime(bundle: MimeBundle): string | null {
  // A chart's own JSON beats the HTML its library also offers (which would
  // load the library from a CDN: charts.ts).
  const chart = chooseChartMime(bundle);
  if (chart) return chart;
  for (const mime of MIME_ORDER) {
    if (!(mime in bundle)) continue;
    const data = bundle[mime];
    if (mime === 'application/json' || mime === 'text/plain') return mime;
    if (mime.startsWith('image/') && mime !== 'image/svg+xml') {
      if (typeof data === 'string' && BASE64.test(data)) return mime;
      continue;
    }
    if (typeof data === 'string') return mime;
  }
  return null;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function integrityError(what: string, expected: string, actual: string): HTMLElement {
  const e = el('div', 'integrity-error');
  e.dataset.testid = 'integrity-error';
  e.textContent =
    `Integrity error: this ${what} does not match the hash the worker computed ` +
    `(expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…), so it is not shown.`;
  return e;
}

const frames = new Set<HTMLIFrameElement>();
let listening = false;

function listenForFrameHeights(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('message', (ev) => {
    const height = (ev.data as { weirFrameHeight?: unknown } | null)?.weirFrameHeight;
    if (typeof height !== 'number' || !Number.isFinite(height)) return;
    for (const f of frames) {
      if (!f.isConnected) {
        frames.delete(f);
        continue;
      }
      if (f.contentWindow === ev.source) {
        f.style.height = `${Math.max(0, Math.min(height, MAX_FRAME_HEIGHT))}px`;
        return;
      }
    }
  });
}

function toBase64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The element showing one output (or why it cannot be shown). */
export function renderOutput(hasher: Hasher, bundle: MimeBundle, ui: ElementContext | null = null): HTMLElement {
  const wrap = el('div', 'output-item');
  wrap.dataset.testid = 'output-item';
  const verdict = verifyBundle(hasher, bundle);
  if (!verdict.ok) {
    wrap.append(integrityError('output', verdict.expected, verdict.actual));
    return wrap;
  }
  const element = UI_MIME in bundle ? parseElement(bundle[UI_MIME]) : null;
  if (element) {
    wrap.dataset.mime = UI_MIME;
    wrap.append(renderElement(element, ui));
    return wrap;
  }
  const progress = PROGRESS_MIME in bundle ? parseProgress(bundle[PROGRESS_MIME]) : null;
  if (progress) {
    wrap.dataset.mime = PROGRESS_MIME;
    wrap.append(renderProgress(progress));
    return wrap;
  }
  // A layout draws its children (verified with it) through this renderer.
  const layout = parseLayout(bundle[LAYOUT_MIME]);
  if (layout) {
    wrap.dataset.mime = LAYOUT_MIME;
    wrap.append(renderLayout(layout, (child) => renderOutput(hasher, child, ui)));
    return wrap;
  }
  const mime = chooseMime(bundle);
  wrap.dataset.mime = mime ?? '';
  if (!mime) {
    const types = Object.keys(bundle).filter((k) => k !== 'hash');
    wrap.append(el('pre', 'note', types.length ? `(output of type ${types.join(', ')} not shown)` : '(empty output)'));
    return wrap;
  }
  const data = bundle[mime];
  if (mime.startsWith('application/vnd.')) {
    wrap.append(renderChart(mime, data as Record<string, unknown>));
    return wrap;
  }
  switch (mime) {
    case 'text/html': {
      listenForFrameHeights();
      const f = el('iframe', 'output-frame');
      f.setAttribute('sandbox', 'allow-scripts');
      f.setAttribute('referrerpolicy', 'no-referrer');
      f.setAttribute('title', 'cell output');
      f.srcdoc = frameDocument(data as string);
      frames.add(f);
      wrap.append(f);
      break;
    }
    case 'image/svg+xml': {
      const img = el('img', 'output-image');
      img.alt = 'output image';
      img.src = `data:image/svg+xml;base64,${toBase64Utf8(data as string)}`;
      wrap.append(img);
      break;
    }
    case 'image/png':
    case 'image/jpeg':
    case 'image/gif': {
      const img = el('img', 'output-image');
      img.alt = 'output image';
      img.src = `data:${mime};base64,${(data as string).replace(/\s+/g, '')}`;
      wrap.append(img);
      break;
    }
    case 'text/markdown': {
      const md = el('div', 'markdown');
      md.innerHTML = renderMarkdown(data as string);
      void typesetMath(md);
      wrap.append(md);
      break;
    }
    case 'application/json':
      wrap.append(el('pre', 'plain json', JSON.stringify(data, null, 2)));
      break;
    default:
      wrap.append(el('pre', 'plain', typeof data === 'string' ? data : JSON.stringify(data)));
  }
  return wrap;
}

/** A console's chunks as text spans (stderr marked), each verified. */
export function renderConsole(hasher: Hasher, chunks: readonly ConsoleChunk[], testid: string): HTMLElement {
  const pre = el('pre', 'console');
  pre.dataset.testid = testid;
  for (const chunk of chunks) {
    const verdict = verifyChunk(hasher, chunk);
    if (!verdict.ok) {
      pre.append(integrityError('console text', verdict.expected, verdict.actual));
      continue;
    }
    pre.append(el('span', chunk.stream === 'stderr' ? 'stderr' : 'stdout', chunk.text));
  }
  return pre;
}
