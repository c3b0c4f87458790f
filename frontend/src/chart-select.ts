// Selections on an `altair_chart` element (weir.ui / mo.ui.altair_chart),
// by marimo 0.25.2's rule, so a notebook's selections behave and are named
// as under marimo: when the chart has no selection param of its own, a
// point selection (click) and an interval selection (drag) are added for
// `chart_selection`, and a legend selection per legend field for
// `legend_selection`; marks are dimmed outside the selection. A person's
// selection is each param's Vega signal value, sent as the element's value
// `{param: {field: values}}` (python/weir/ui/_chart.py turns it into rows).
//
// Pure functions over spec data, no DOM: unit tested in test/chart-select.test.ts.

type Json = Record<string, unknown>;
export type ChartSelection = boolean | 'point' | 'interval';
export type LegendSelection = boolean | string[];

export const PAN_ZOOM = 'pan_zoom';
const BIN_COLORING = 'bin_coloring';
const LEGEND_CHANNELS = new Set(['color', 'fill', 'fillOpacity', 'opacity', 'shape', 'size']);
const KNOWN_MARKS = new Set(['arc', 'area', 'bar', 'image', 'line', 'point', 'rect', 'rule', 'text', 'tick', 'trail', 'circle', 'square', 'geoshape']);
// Composite marks: no selection added (marimo: "Not supported").
const COMPOSITE_MARKS = new Set(['boxplot', 'errorband', 'errorbar']);
// Ctrl-drag pans and ctrl-wheel zooms; a plain drag or click selects.
const KEY = 'ctrlKey';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const params = (spec: Json): Json[] => (Array.isArray(spec.params) ? spec.params.filter(isObj) : []);

function markType(mark: unknown): string | null {
  const t = typeof mark === 'string' ? mark : isObj(mark) && typeof mark.type === 'string' ? mark.type : null;
  return t && !COMPOSITE_MARKS.has(t) ? t : null;
}

function suffixed(base: string, layer: number | undefined): string {
  return layer === undefined ? base : `${base}_${layer}`;
}

function barDirection(spec: Json): 'horizontal' | 'vertical' | undefined {
  const enc = isObj(spec.encoding) ? spec.encoding : {};
  const x = isObj(enc.x) ? enc.x : null;
  const y = isObj(enc.y) ? enc.y : null;
  if (x && x.type === 'nominal') return 'vertical';
  if ((y && y.type === 'nominal') || (x && 'aggregate' in x)) return 'horizontal';
  if (y && 'aggregate' in y) return 'vertical';
  return undefined;
}

/** The channels an added selection projects onto, by mark (marimo's). */
export function selectionEncodings(spec: Json): string[] | undefined {
  switch (markType(spec.mark)) {
    case 'image':
    case 'trail':
      return undefined;
    case 'area':
    case 'arc':
      return ['color'];
    case 'bar': {
      const d = barDirection(spec);
      return d === 'horizontal' ? ['y'] : d === 'vertical' ? ['x'] : undefined;
    }
    default:
      return ['x', 'y'];
  }
}

function intervalParam(spec: Json, layer: number | undefined): Json {
  const on = `[mousedown[!event.${KEY}], mouseup] > mousemove[!event.${KEY}]`;
  return {
    name: suffixed('select_interval', layer),
    select: {
      type: 'interval',
      encodings: selectionEncodings(spec),
      mark: { fill: '#669EFF', fillOpacity: 0.07, stroke: '#669EFF', strokeOpacity: 0.4 },
      on,
      translate: on,
    },
  };
}

function pointParam(spec: Json, layer: number | undefined): Json {
  return { name: suffixed('select_point', layer), select: { type: 'point', encodings: selectionEncodings(spec), on: `click[!event.${KEY}]` } };
}

function legendParam(field: string): Json {
  return { name: `legend_selection_${field}`, select: { type: 'point', fields: [field] }, bind: 'legend' };
}

function panZoomParam(): Json {
  return {
    name: PAN_ZOOM,
    bind: 'scales',
    select: {
      type: 'interval',
      on: `[mousedown[event.${KEY}], window:mouseup] > window:mousemove!`,
      translate: `[mousedown[event.${KEY}], window:mouseup] > window:mousemove!`,
      zoom: `wheel![event.${KEY}]`,
    },
  };
}

/** Fields shown in a legend (color, shape, size, ...). */
export function legendFields(spec: Json): string[] {
  const enc = isObj(spec.encoding) ? spec.encoding : {};
  const out: string[] = [];
  for (const [channel, def] of Object.entries(enc)) {
    if (!LEGEND_CHANNELS.has(channel) || !isObj(def)) continue;
    if (typeof def.field === 'string') out.push(def.field);
    else if (isObj(def.condition) && typeof def.condition.field === 'string' && def.condition.field) out.push(def.condition.field);
  }
  return out;
}

function binnedFields(spec: Json): string[] {
  const enc = isObj(spec.encoding) ? spec.encoding : {};
  return Object.values(enc).flatMap((d) => (isObj(d) && d.bin && typeof d.field === 'string' ? [d.field] : []));
}

function withLegend(spec: Json, legend: LegendSelection): Json {
  if (legend === false) return spec;
  let fields = legendFields(spec);
  if (Array.isArray(legend)) fields = fields.filter((f) => legend.includes(f));
  return { ...spec, params: [...params(spec), ...fields.map(legendParam)] };
}

function bestSelections(mark: string): Array<'point' | 'interval'> {
  switch (mark) {
    case 'arc':
    case 'area':
      return ['point'];
    case 'line':
      return [];
    default:
      return ['point', 'interval'];
  }
}

function withChartSelection(spec: Json, selection: ChartSelection, layer: number | undefined): Json {
  if (selection === false) return spec;
  const mark = markType(spec.mark);
  if (!mark || mark === 'geoshape') return spec;
  const binned = binnedFields(spec);
  const kinds = selection === true ? (binned.length > 0 ? ['point' as const] : bestSelections(mark)) : [selection];
  if (kinds.length === 0) return spec;
  const added = kinds.map((k) => (k === 'interval' ? intervalParam(spec, layer) : pointParam(spec, layer)));
  if (binned.length > 0 && kinds.includes('point')) {
    added.push({ name: suffixed(BIN_COLORING, layer), select: { type: 'point', on: `click[!event.${KEY}]` } });
  }
  return { ...spec, params: [...params(spec), ...added] };
}

function opacityMark(mark: unknown): number {
  return isObj(mark) && typeof mark.opacity === 'number' ? mark.opacity : 1;
}

function clickable(mark: unknown): unknown {
  const t = typeof mark === 'string' ? mark : isObj(mark) ? mark.type : null;
  if (typeof t !== 'string' || !KNOWN_MARKS.has(t)) return mark;
  return typeof mark === 'string' ? { type: mark, cursor: 'pointer', tooltip: true } : { ...(mark as Json), cursor: 'pointer', tooltip: true };
}

/** Marks outside the selection dimmed to a fifth of their opacity. */
function withDimming(spec: Json, names: string[]): Json {
  if (names.length === 0 || !markType(spec.mark)) return spec;
  const bins = names.filter((n) => n.startsWith(BIN_COLORING));
  const test = { and: (bins.length > 0 ? bins : names).map((param) => ({ param })) };
  const opacity = opacityMark(spec.mark);
  const encoding = { ...(isObj(spec.encoding) ? spec.encoding : {}), opacity: { condition: { test, value: opacity }, value: opacity / 5 } };
  return { ...spec, mark: clickable(spec.mark), encoding };
}

function interactive(spec: Json): Json {
  return withDimming(spec, params(spec).map((p) => String(p.name)));
}

function withPanZoom(spec: Json): Json {
  if (markType(spec.mark) === 'geoshape') return spec;
  const ps = params(spec);
  return ps.some((p) => p.bind === 'scales') ? spec : { ...spec, params: [...ps, panZoomParam()] };
}

function signature(p: Json): string {
  const s = p.select;
  if (!isObj(s)) return JSON.stringify(typeof s === 'string' ? { type: s, bind: p.bind } : p);
  const sorted = (v: unknown) => (Array.isArray(v) ? [...v].map(String).sort() : undefined);
  return JSON.stringify({ type: s.type, encodings: sorted(s.encodings), fields: sorted(s.fields), bind: p.bind });
}

/** In a concat, a param every unit view has alike moves to the top (Vega
 * would otherwise see one signal name defined twice). */
function hoistShared(spec: Json, key: 'vconcat' | 'hconcat'): Json {
  const views = (spec[key] as unknown[]).filter(isObj);
  const units = views.filter((v) => 'mark' in v && params(v).length > 0);
  if (units.length === 0 || units.length !== views.filter((v) => 'mark' in v).length) return spec;
  const counts = new Map<string, { n: number; param: Json }>();
  for (const u of units) {
    for (const sig of new Set(params(u).map(signature))) {
      const param = params(u).find((p) => signature(p) === sig)!;
      const entry = counts.get(sig) ?? { n: 0, param };
      entry.n += 1;
      counts.set(sig, entry);
    }
  }
  const shared = [...counts.values()].filter((e) => e.n === units.length).map((e) => e.param);
  if (shared.length === 0) return spec;
  const names = new Set(shared.map((p) => String(p.name)));
  const views2 = (spec[key] as unknown[]).map((v) => {
    if (!isObj(v) || !('mark' in v)) return v;
    const rest = params(v).filter((p) => !names.has(String(p.name)));
    const { params: _dropped, ...bare } = v;
    const kept = rest.length > 0 ? { ...bare, params: rest } : bare;
    return withDimming(kept, [...names]);
  });
  return { ...spec, [key]: views2, params: [...params(spec), ...shared] };
}

/** The spec with marimo's selection params added (see the top of this file). */
export function makeSelectable(spec: Json, opts: { chartSelection?: ChartSelection; legendSelection?: LegendSelection } = {}): Json {
  let chart: ChartSelection = opts.chartSelection ?? true;
  let legend: LegendSelection = opts.legendSelection ?? true;
  if (!chart && !legend) return spec;
  const own = params(spec);
  if (own.some((p) => p.bind === 'legend')) legend = false;
  const hasOwn = own.some((p) => !p.bind);
  if (hasOwn) chart = false;
  const concat = 'vconcat' in spec || 'hconcat' in spec;
  if (hasOwn && concat) return spec;
  for (const key of ['vconcat', 'hconcat'] as const) {
    if (Array.isArray(spec[key])) {
      const views = (spec[key] as unknown[]).map((v) => (isObj(v) && 'mark' in v ? makeSelectable(v, { chartSelection: chart, legendSelection: legend }) : v));
      return hoistShared({ ...spec, [key]: views }, key);
    }
  }
  if (Array.isArray(spec.layer)) {
    let fields: string[] = [];
    if (legend !== false && own.length === 0) {
      fields = [...new Set(spec.layer.filter(isObj).flatMap((l) => ('mark' in l ? legendFields(l) : [])))];
      if (Array.isArray(legend)) fields = fields.filter((f) => (legend as string[]).includes(f));
    }
    const layer = spec.layer.map((l, i) => {
      if (!isObj(l) || !('mark' in l)) return l;
      let out: Json = l;
      if (i === 0 && fields.length > 0) out = { ...out, params: [...params(out), ...fields.map(legendParam)] };
      out = interactive(withChartSelection(out, chart, i));
      return i === 0 ? withPanZoom(out) : out;
    });
    return { ...spec, layer };
  }
  if (!markType(spec.mark)) return spec;
  return withPanZoom(interactive(withChartSelection(withLegend(spec, legend), chart, undefined)));
}

/** The selection params whose signals make the value: the spec's own (or,
 * when it has none, its views'), without pan/zoom and bin colouring. */
export function selectionSignals(spec: Json): string[] {
  const named = (s: Json): string[] => {
    const ps = params(s).filter((p) => p.select !== undefined && typeof p.name === 'string');
    if (ps.length > 0) return ps.map((p) => p.name as string);
    for (const key of ['layer', 'vconcat', 'hconcat']) {
      if (Array.isArray(s[key])) return (s[key] as unknown[]).filter(isObj).flatMap(named);
    }
    return [];
  };
  return [...new Set(named(spec))].filter((n) => !n.startsWith(PAN_ZOOM) && !n.startsWith(BIN_COLORING));
}

/** A signal value as JSON: sets become lists, dates in lists epoch milliseconds. */
export function signalValue(value: unknown): Json {
  if (!isObj(value)) return {};
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof Set) out[k] = [...v];
    else if (Array.isArray(v)) out[k] = v.map((x) => (x instanceof Date && !Number.isNaN(x.getTime()) ? x.getTime() : x));
    else out[k] = v;
  }
  return out;
}
