import { Marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { chartKind, chooseChartMime, refusedMessage } from '../src/charts';
import { mathExtension } from '../src/math';
import { chooseMime } from '../src/output';

describe('chart dispatch', () => {
  const html = '<div>loads vega from a CDN</div>';
  it('prefers Vega-Lite of any version and Plotly over their HTML', () => {
    expect(chooseMime({ 'text/html': html, 'application/vnd.vegalite.v6+json': { mark: 'bar' }, 'text/plain': 'c' })).toBe(
      'application/vnd.vegalite.v6+json',
    );
    expect(chooseMime({ 'application/vnd.vegalite.v5+json': { mark: 'bar' } })).toBe('application/vnd.vegalite.v5+json');
    expect(chooseMime({ 'text/html': html, 'application/vnd.plotly.v1+json': { data: [] } })).toBe('application/vnd.plotly.v1+json');
  });
  it('passes over a chart type whose data is not an object', () => {
    expect(chooseMime({ 'application/vnd.vegalite.v6+json': 'nope', 'text/plain': 'c' })).toBe('text/plain');
    expect(chooseChartMime({ 'application/vnd.plotly.v1+json': [1] })).toBeNull();
  });
  it('knows only the chart types', () => {
    expect(chartKind('application/vnd.vegalite.v4+json')).toBe('vega-lite');
    expect(chartKind('application/vnd.vega.v5+json')).toBeNull();
    expect(chartKind('application/vnd.vegalite.vx+json')).toBeNull();
    expect(chartKind('application/vnd.plotly.v1+json')).toBe('plotly');
    expect(chartKind('text/html')).toBeNull();
  });
  it('names refused URLs', () => {
    expect(refusedMessage(['https://x/a.csv'])).toContain('https://x/a.csv');
    expect(refusedMessage(['a', 'b', 'c', 'd', 'e'])).toContain('and 2 more');
  });
});

describe('math in markdown', () => {
  const md = new Marked(mathExtension());
  const html = (s: string) => md.parse(s, { async: false }) as string;
  it('marks inline and display math', () => {
    expect(html('a $x^2$ b')).toContain('<span class="weir-math" data-display="false">x^2</span>');
    expect(html('a \\(y\\) b')).toContain('<span class="weir-math" data-display="false">y</span>');
    expect(html('$$\n\\int_0^1 f\n$$\n')).toContain('<div class="weir-math" data-display="true">\\int_0^1 f</div>');
    expect(html('\\[\na < b\n\\]\n')).toContain('<div class="weir-math" data-display="true">a &lt; b</div>');
    expect(html('so $$e=mc^2$$ here')).toContain('<span class="weir-math" data-display="true">e=mc^2</span>');
  });
  it('keeps Markdown out of the TeX', () => {
    expect(html('$a_1 * b_1 * c$')).toContain('>a_1 * b_1 * c</span>');
    expect(html('$a_1 * b_1 * c$')).not.toContain('<em>');
  });
  it('leaves prices alone', () => {
    const out = html('costs $5 and $10 today');
    expect(out).not.toContain('weir-math');
    expect(html('a $ b $ c')).not.toContain('weir-math');
  });
});
