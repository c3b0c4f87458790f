// Layouts: `application/vnd.weir.layout+json` outputs (`weir.hstack`,
// `vstack`, `tabs`, `accordion`, `callout`, `stat`, `image`, `download`,
// `center`/`left`/`right`, and markdown with objects interpolated; the
// format is in docs/python.md, "Layouts"). Rendered natively so children
// stay what they are: each child is a MIME bundle drawn by the output
// renderer (HTML children in their own sandboxed frames, elements live).
//
// `planLayout` is the pure rule (layout → element description, tested
// without a DOM); `renderLayout` builds the DOM from a plan.

import type { MimeBundle } from './protocol';
import { renderMarkdown } from './render-markdown';

export const LAYOUT_MIME = 'application/vnd.weir.layout+json';

export interface Layout {
  kind: string;
  props: Record<string, unknown>;
  children: MimeBundle[];
}

/** Where child `index` goes. */
export interface ChildSlot {
  child: number;
}

/** One element to build: tag, class, attributes, CSS, text, children. */
export interface Plan {
  tag: string;
  cls?: string;
  attrs?: Record<string, string>;
  style?: Record<string, string>;
  text?: string;
  /** Markdown rendered (sanitised) into this element; its
   * `<span data-weir-slot="N">` markers are replaced by child N. */
  markdown?: string;
  /** A tab bar: clicking a button shows the panel of the same index. */
  tabs?: boolean;
  children?: (Plan | ChildSlot)[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A layout value as the worker sends it, or null when it is not one. */
export function parseLayout(value: unknown): Layout | null {
  if (!isObject(value) || typeof value.kind !== 'string') return null;
  const props = value.props ?? {};
  const children = value.children ?? [];
  if (!isObject(props) || !Array.isArray(children) || !children.every(isObject)) return null;
  return { kind: value.kind, props, children: children as MimeBundle[] };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const FLEX: Record<string, string> = { start: 'flex-start', end: 'flex-end' };
const flex = (v: unknown): string | null => {
  const s = str(v);
  return s === null ? null : FLEX[s] ?? s;
};

function slots(n: number): ChildSlot[] {
  return Array.from({ length: n }, (_, i) => ({ child: i }));
}

function stack(layout: Layout, direction: 'row' | 'column'): Plan {
  const p = layout.props;
  const style: Record<string, string> = { display: 'flex', 'flex-direction': direction };
  const gap = typeof p.gap === 'number' ? p.gap : 0.5;
  style.gap = `${gap}rem`;
  const justify = flex(p.justify);
  if (justify) style['justify-content'] = justify;
  const align = flex(p.align);
  if (align) style['align-items'] = align;
  if (p.wrap === true) style['flex-wrap'] = 'wrap';
  const sizes = direction === 'row' ? p.widths : p.heights;
  const children = layout.children.map((_, i): Plan => {
    const item: Plan = { tag: 'div', cls: 'layout-item', children: [{ child: i }] };
    if (sizes === 'equal') item.style = { flex: '1' };
    else if (Array.isArray(sizes) && typeof sizes[i] === 'number') item.style = { flex: String(sizes[i]) };
    return item;
  });
  return { tag: 'div', cls: `layout-${direction === 'row' ? 'hstack' : 'vstack'}`, style, children };
}

function labels(layout: Layout): string[] {
  const raw = Array.isArray(layout.props.labels) ? layout.props.labels : [];
  return layout.children.map((_, i) => str(raw[i]) ?? `${i + 1}`);
}

/** The element description for a layout; unknown kinds show their
 * children one under the other, with the kind named. */
export function planLayout(layout: Layout): Plan {
  const p = layout.props;
  switch (layout.kind) {
    case 'hstack':
      return stack(layout, 'row');
    case 'vstack':
      return stack(layout, 'column');
    case 'center':
    case 'left':
    case 'right':
      return {
        tag: 'div',
        cls: 'layout-justify',
        style: { display: 'flex', 'justify-content': flex(p.justify) ?? 'center' },
        children: slots(layout.children.length),
      };
    case 'tabs': {
      const names = labels(layout);
      const selected = typeof p.selected === 'number' && p.selected < names.length ? p.selected : 0;
      return {
        tag: 'div',
        cls: 'layout-tabs',
        tabs: true,
        children: [
          {
            tag: 'div',
            cls: 'layout-tabbar',
            attrs: { role: 'tablist' },
            children: names.map((name, i) => ({
              tag: 'button',
              attrs: { type: 'button', role: 'tab', 'aria-selected': String(i === selected) },
              text: name,
            })),
          },
          ...layout.children.map((_, i): Plan => ({
            tag: 'div',
            cls: 'layout-tabpanel',
            attrs: i === selected ? { role: 'tabpanel' } : { role: 'tabpanel', hidden: '' },
            children: [{ child: i }],
          })),
        ],
      };
    }
    case 'accordion': {
      const open = new Set(Array.isArray(p.expanded) ? p.expanded : []);
      return {
        tag: 'div',
        cls: 'layout-accordion',
        children: labels(layout).map(
          (name, i): Plan => ({
            tag: 'details',
            attrs: open.has(i) ? { open: '' } : {},
            children: [{ tag: 'summary', text: name }, { child: i }],
          }),
        ),
      };
    }
    case 'callout': {
      const kind = str(p.kind) ?? 'neutral';
      const title = str(p.title);
      return {
        tag: 'div',
        cls: `layout-callout callout-${kind.replace(/[^a-z]/g, '')}`,
        children: [...(title ? [{ tag: 'strong', text: title }] : []), ...slots(layout.children.length)],
      };
    }
    case 'stat': {
      const parts: (Plan | ChildSlot)[] = [];
      const label = str(p.label);
      if (label) parts.push({ tag: 'div', cls: 'stat-label', text: label });
      parts.push({ tag: 'div', cls: 'stat-value', text: str(p.value) ?? '' });
      const caption = str(p.caption);
      if (caption) {
        const arrow = p.direction === 'increase' ? '▲ ' : p.direction === 'decrease' ? '▼ ' : '';
        parts.push({ tag: 'div', cls: `stat-caption ${str(p.direction) ?? ''}`.trim(), text: arrow + caption });
      }
      parts.push(...slots(layout.children.length));
      return { tag: 'div', cls: p.bordered === true ? 'layout-stat bordered' : 'layout-stat', children: parts };
    }
    case 'image': {
      const src = str(p.src) ?? '';
      // The editor loads nothing from the network: only inline images.
      if (!src.startsWith('data:')) {
        return { tag: 'pre', cls: 'note', text: `(image ${src.slice(0, 200)} not loaded: only inline images are shown)` };
      }
      const style: Record<string, string> = {};
      if (str(p.width)) style.width = str(p.width) as string;
      if (str(p.height)) style.height = str(p.height) as string;
      if (p.rounded === true) style['border-radius'] = '8px';
      const img: Plan = { tag: 'img', cls: 'output-image', attrs: { src, alt: str(p.alt) ?? '' }, style };
      const caption = str(p.caption);
      return caption ? { tag: 'figure', children: [img, { tag: 'figcaption', text: caption }] } : img;
    }
    case 'download': {
      const href = str(p.href) ?? '';
      const label = str(p.label) ?? 'Download';
      if (p.disabled === true || !href.startsWith('data:')) return { tag: 'span', cls: 'layout-download disabled', text: label };
      return {
        tag: 'a',
        cls: 'layout-download',
        attrs: { href, download: str(p.filename) ?? 'download' },
        text: label,
      };
    }
    case 'markdown':
      return { tag: 'div', cls: 'markdown layout-markdown', markdown: str(p.text) ?? '', children: slots(layout.children.length) };
    default:
      return {
        tag: 'div',
        cls: 'layout-vstack',
        children: [{ tag: 'pre', cls: 'note', text: `(layout ${layout.kind})` }, ...slots(layout.children.length)],
      };
  }
}

function isSlot(node: Plan | ChildSlot): node is ChildSlot {
  return typeof (node as ChildSlot).child === 'number';
}

function build(plan: Plan, child: (index: number) => HTMLElement): HTMLElement {
  const e = document.createElement(plan.tag);
  if (plan.cls) e.className = plan.cls;
  for (const [k, v] of Object.entries(plan.attrs ?? {})) e.setAttribute(k, v);
  // CSSOM, not a style attribute: allowed under the editor's CSP.
  for (const [k, v] of Object.entries(plan.style ?? {})) e.style.setProperty(k, v);
  if (plan.text !== undefined) e.textContent = plan.text;
  if (plan.markdown !== undefined) {
    e.innerHTML = renderMarkdown(plan.markdown);
    for (const slot of Array.from(e.querySelectorAll<HTMLElement>('span[data-weir-slot]'))) {
      const index = Number(slot.dataset.weirSlot);
      if (Number.isInteger(index) && plan.children?.some((c) => isSlot(c) && c.child === index)) {
        const inline = document.createElement('span');
        inline.className = 'layout-inline';
        inline.append(child(index));
        slot.replaceWith(inline);
      } else slot.remove();
    }
    return e;
  }
  for (const node of plan.children ?? []) e.append(isSlot(node) ? child(node.child) : build(node, child));
  if (plan.tabs) wireTabs(e);
  return e;
}

function wireTabs(root: HTMLElement): void {
  const buttons = Array.from(root.querySelectorAll<HTMLButtonElement>(':scope > .layout-tabbar > button'));
  const panels = Array.from(root.querySelectorAll<HTMLElement>(':scope > .layout-tabpanel'));
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => {
      buttons.forEach((o, j) => o.setAttribute('aria-selected', String(i === j)));
      panels.forEach((panel, j) => {
        panel.hidden = i !== j;
      });
    });
  });
}

/** A layout's DOM; `renderChild` draws one child bundle (the output renderer). */
export function renderLayout(layout: Layout, renderChild: (bundle: MimeBundle) => HTMLElement): HTMLElement {
  const root = build(planLayout(layout), (i) => renderChild(layout.children[i]));
  root.dataset.layout = layout.kind;
  return root;
}
