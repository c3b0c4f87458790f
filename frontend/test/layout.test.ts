import { describe, expect, it } from 'vitest';
import { type Plan, parseLayout, planLayout } from '../src/layout';

const kid = (text: string) => ({ 'text/plain': text });

describe('parseLayout', () => {
  it('accepts what the worker sends and refuses anything else', () => {
    expect(parseLayout({ kind: 'hstack', props: {}, children: [kid('a')] })?.children).toHaveLength(1);
    expect(parseLayout({ kind: 'vstack' })).toEqual({ kind: 'vstack', props: {}, children: [] });
    expect(parseLayout(undefined)).toBeNull();
    expect(parseLayout({ kind: 3 })).toBeNull();
    expect(parseLayout({ kind: 'x', children: ['not a bundle'] })).toBeNull();
    expect(parseLayout({ kind: 'x', props: [] })).toBeNull();
  });
});

describe('planLayout', () => {
  it('stacks children as flex items, each child in its own slot', () => {
    const plan = planLayout({
      kind: 'hstack',
      props: { justify: 'start', align: 'center', gap: 1, wrap: true, widths: [1, 2] },
      children: [kid('a'), kid('b')],
    });
    expect(plan.style).toEqual({
      display: 'flex', 'flex-direction': 'row', gap: '1rem', 'justify-content': 'flex-start', 'align-items': 'center', 'flex-wrap': 'wrap',
    });
    expect(plan.children).toEqual([
      { tag: 'div', cls: 'layout-item', children: [{ child: 0 }], style: { flex: '1' } },
      { tag: 'div', cls: 'layout-item', children: [{ child: 1 }], style: { flex: '2' } },
    ]);
    expect(planLayout({ kind: 'vstack', props: {}, children: [] }).style?.['flex-direction']).toBe('column');
  });

  it('tabs show the selected panel only; accordions open what is expanded', () => {
    const tabs = planLayout({ kind: 'tabs', props: { labels: ['A', 'B'], selected: 1 }, children: [kid('a'), kid('b')] });
    expect(tabs.tabs).toBe(true);
    const [bar, first, second] = tabs.children as Plan[];
    expect((bar.children as Plan[]).map((b) => [b.text, b.attrs?.['aria-selected']])).toEqual([['A', 'false'], ['B', 'true']]);
    expect(first.attrs).toHaveProperty('hidden');
    expect(second.attrs).not.toHaveProperty('hidden');
    const acc = planLayout({ kind: 'accordion', props: { labels: ['X', 'Y'], expanded: [1] }, children: [kid('x'), kid('y')] });
    expect((acc.children as Plan[]).map((d) => d.attrs)).toEqual([{}, { open: '' }]);
    expect((acc.children as Plan[])[0].children).toEqual([{ tag: 'summary', text: 'X' }, { child: 0 }]);
  });

  it('callout, stat, download and image carry their props as text, never markup', () => {
    const callout = planLayout({ kind: 'callout', props: { kind: 'warn', title: '<b>t</b>' }, children: [kid('x')] });
    expect(callout.cls).toBe('layout-callout callout-warn');
    expect(callout.children?.[0]).toEqual({ tag: 'strong', text: '<b>t</b>' });
    const stat = planLayout({ kind: 'stat', props: { value: '42', label: 'n', caption: 'up', direction: 'increase' }, children: [] });
    expect((stat.children as Plan[]).map((c) => c.text)).toEqual(['n', '42', '▲ up']);
    const dl = planLayout({ kind: 'download', props: { href: 'data:text/csv;base64,YQ==', filename: 't.csv', label: 'CSV' }, children: [] });
    expect(dl).toMatchObject({ tag: 'a', attrs: { href: 'data:text/csv;base64,YQ==', download: 't.csv' }, text: 'CSV' });
    // No network: a remote image or download is not loaded.
    expect(planLayout({ kind: 'image', props: { src: 'https://example.com/a.png' }, children: [] }).tag).toBe('pre');
    expect(planLayout({ kind: 'download', props: { href: 'https://x/y' }, children: [] }).tag).toBe('span');
    expect(planLayout({ kind: 'image', props: { src: 'data:image/png;base64,AA==', width: '10px' }, children: [] }))
      .toMatchObject({ tag: 'img', style: { width: '10px' } });
  });

  it('markdown with interpolated objects keeps its slots for the children', () => {
    const plan = planLayout({ kind: 'markdown', props: { text: 'pick <span data-weir-slot="0"></span>' }, children: [kid('s')] });
    expect(plan).toMatchObject({ markdown: 'pick <span data-weir-slot="0"></span>', children: [{ child: 0 }] });
  });

  it('an unknown kind still shows its children', () => {
    const plan = planLayout({ kind: 'carousel', props: {}, children: [kid('a')] });
    expect(plan.children).toEqual([{ tag: 'pre', cls: 'note', text: '(layout carousel)' }, { child: 0 }]);
  });
});
