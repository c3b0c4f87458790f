// marimo's selection rule for `altair_chart` elements (src/chart-select.ts)
// and the value a signal makes (src/elements-chart.ts).
import { describe, expect, it } from 'vitest';
import { makeSelectable, selectionSignals, signalValue } from '../src/chart-select';
import { mergeSelection, sameSelection } from '../src/elements-chart';

const scatter = {
  data: { name: 'd' },
  mark: { type: 'point' },
  encoding: { x: { field: 'hp', type: 'quantitative' }, y: { field: 'mpg', type: 'quantitative' }, color: { field: 'origin', type: 'nominal' } },
};

type P = { name: string; bind?: unknown; select: { type: string; encodings?: string[]; fields?: string[] } };
const names = (spec: Record<string, unknown>) => ((spec.params as P[]) ?? []).map((p) => p.name);

describe('makeSelectable', () => {
  it('adds legend, point, interval and pan/zoom params to a scatter, as marimo does', () => {
    const s = makeSelectable(scatter);
    expect(names(s)).toEqual(['legend_selection_origin', 'select_point', 'select_interval', 'pan_zoom']);
    const ps = s.params as P[];
    expect(ps[0]).toMatchObject({ bind: 'legend', select: { type: 'point', fields: ['origin'] } });
    expect(ps[1].select).toMatchObject({ type: 'point', encodings: ['x', 'y'] });
    expect(ps[2].select).toMatchObject({ type: 'interval', encodings: ['x', 'y'] });
    expect(ps[3]).toMatchObject({ bind: 'scales' });
    // Marks outside the selection are dimmed; the mark is clickable.
    const enc = s.encoding as Record<string, { condition: { test: { and: unknown[] } }; value: number }>;
    expect(enc.opacity.value).toBeCloseTo(0.2);
    expect(enc.opacity.condition.test.and).toHaveLength(3);
    expect(s.mark).toMatchObject({ type: 'point', cursor: 'pointer' });
    expect(selectionSignals(s)).toEqual(['legend_selection_origin', 'select_point', 'select_interval']);
  });

  it('follows chart_selection and legend_selection', () => {
    expect(names(makeSelectable(scatter, { chartSelection: 'interval', legendSelection: false }))).toEqual(['select_interval', 'pan_zoom']);
    expect(names(makeSelectable(scatter, { chartSelection: false, legendSelection: ['nope'] }))).toEqual(['pan_zoom']);
    expect(makeSelectable(scatter, { chartSelection: false, legendSelection: false })).toBe(scatter);
  });

  it("uses a chart's own selection as it is and adds none", () => {
    const own = { ...scatter, params: [{ name: 'pick', select: { type: 'point', fields: ['origin'] } }] };
    const s = makeSelectable(own);
    expect(names(s)).toEqual(['pick', 'legend_selection_origin', 'pan_zoom']);
    expect(selectionSignals(s)).toEqual(['pick', 'legend_selection_origin']);
  });

  it('picks selections by mark: a bar by its direction, a line none, a binned chart a point', () => {
    const bar = { mark: 'bar', encoding: { x: { field: 'fruit', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } };
    const b = makeSelectable(bar, { legendSelection: false });
    expect((b.params as P[]).find((p) => p.name === 'select_interval')!.select.encodings).toEqual(['x']);
    const line = { mark: 'line', encoding: { x: { field: 'a', type: 'quantitative' } } };
    expect(names(makeSelectable(line, { legendSelection: false }))).toEqual(['pan_zoom']);
    const hist = { mark: 'bar', encoding: { x: { field: 'a', bin: true }, y: { aggregate: 'count' } } };
    expect(names(makeSelectable(hist))).toEqual(['select_point', 'bin_coloring', 'pan_zoom']);
    expect(selectionSignals(makeSelectable(hist))).toEqual(['select_point']);
  });

  it('names layers by index and hoists params shared by concatenated views', () => {
    const layered = makeSelectable({ layer: [scatter, { ...scatter, mark: 'rule' }] });
    expect(selectionSignals(layered)).toEqual(['legend_selection_origin', 'select_point_0', 'select_interval_0', 'select_point_1', 'select_interval_1']);
    const concat = makeSelectable({ hconcat: [scatter, scatter] });
    expect(names(concat)).toEqual(['legend_selection_origin', 'select_point', 'select_interval', 'pan_zoom']);
    expect((concat.hconcat as Record<string, unknown>[]).every((v) => !('params' in v))).toBe(true);
  });
});

describe('signal values', () => {
  it('turn sets into lists and dates into epoch milliseconds', () => {
    const d = new Date(Date.UTC(2024, 0, 2));
    expect(signalValue({ day: [d, d], c: new Set(['a']), vlPoint: { or: [{ c: 'a' }] } })).toEqual({
      day: [d.getTime(), d.getTime()], c: ['a'], vlPoint: { or: [{ c: 'a' }] },
    });
    expect(signalValue(null)).toEqual({});
  });

  it('merge into the value, other params kept', () => {
    const v = mergeSelection({ select_point: { hp: [1] } }, 'select_interval', { hp: [1, 2] });
    expect(v).toEqual({ select_point: { hp: [1] }, select_interval: { hp: [1, 2] } });
    expect(mergeSelection(undefined, 'select_interval', {})).toEqual({ select_interval: {} });
  });

  it('an emptied param that was already empty is no change (nothing is sent)', () => {
    expect(sameSelection({}, { select_point: {} })).toBe(true);
    expect(sameSelection({ a: { x: [1] }, b: {} }, { b: {}, a: { x: [1] } })).toBe(true);
    expect(sameSelection({ a: { x: [1] } }, { a: {} })).toBe(false);
    expect(sameSelection(undefined, { a: { x: [1, 2] } })).toBe(false);
  });
});

describe('the selectable spec in the bundled Vega', () => {
  it('compiles and runs headless, every followed signal found', async () => {
    const { render } = await import('../rich/vega');
    const data = { values: [{ hp: 100, mpg: 30, origin: 'Japan' }, { hp: 130, mpg: 18, origin: 'USA' }] };
    const { data: _d, ...unit } = scatter;
    for (const spec of [unit, { layer: [unit, unit] }, { hconcat: [unit, unit] }]) {
      const s = makeSelectable({ ...spec, data });
      const { unfollowed, finalize } = await render(undefined, s, { signals: selectionSignals(s), onSignal: () => {} });
      finalize();
      expect(selectionSignals(s).length).toBeGreaterThan(0);
      expect(unfollowed).toEqual([]);
    }
    const { unfollowed } = await render(undefined, { ...unit, data }, { signals: ['select_point'] });
    expect(unfollowed).toEqual(['select_point']);
  });
});
