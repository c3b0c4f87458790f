// The `altair_chart` element (weir.ui / mo.ui.altair_chart): the chart,
// drawn by the same offline Vega as chart outputs (charts.ts), with
// marimo's selection params added (chart-select.ts). Each selection param's
// signal, settled for SELECTION_SETTLE_MS (a drag moves it on every mouse
// move), is merged into the value `{param: {field: values}}` and sent.

import { makeSelectable, selectionSignals, signalValue, type ChartSelection, type LegendSelection } from './chart-select';
import { VEGA_LITE_MIME, renderChart } from './charts';

export const SELECTION_SETTLE_MS = 100;

type Send = ((value: unknown) => void) | null;

function chartOption(v: unknown): ChartSelection {
  return v === 'point' || v === 'interval' || typeof v === 'boolean' ? v : true;
}

function legendOption(v: unknown): LegendSelection {
  if (Array.isArray(v)) return v.filter((f): f is string => typeof f === 'string');
  return typeof v === 'boolean' ? v : true;
}

/** Whether two values select the same: a param with nothing in it is
 * the same as no param (a click on the background empties the point
 * selection that was already empty, which need not re-run the readers). */
export function sameSelection(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => {
    const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    const kept = Object.entries(o).filter(([, s]) => !(typeof s === 'object' && s !== null && Object.keys(s).length === 0));
    return JSON.stringify(kept.sort(([x], [y]) => (x < y ? -1 : 1)));
  };
  return norm(a) === norm(b);
}

/** The value after `name`'s signal moved to `signal`: the other params kept. */
export function mergeSelection(value: unknown, name: string, signal: unknown): Record<string, unknown> {
  const current = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return { ...current, [name]: signalValue(signal) };
}

export function renderAltairChart(
  data: { props: Readonly<Record<string, unknown>> }, value: unknown, send: Send, root: HTMLElement,
): void {
  const p = data.props;
  const spec = p.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    const note = document.createElement('span');
    note.className = 'ui-unknown';
    note.textContent = '(altair_chart element without a chart spec)';
    root.append(note);
    return;
  }
  const mime = typeof p.mime === 'string' && VEGA_LITE_MIME.test(p.mime) ? p.mime : 'application/vnd.vegalite.v6+json';
  const selectable = makeSelectable(spec as Record<string, unknown>, {
    chartSelection: chartOption(p.chart_selection),
    legendSelection: legendOption(p.legend_selection),
  });
  if (!send) {
    // Read-only: the chart draws and its selections highlight, nothing is sent.
    root.append(renderChart(mime, selectable));
    return;
  }
  let current: unknown = value;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const onSignal = (name: string, signal: unknown) => {
    const settled = timers.get(name);
    if (settled !== undefined) clearTimeout(settled);
    timers.set(name, setTimeout(() => {
      timers.delete(name);
      const next = mergeSelection(current, name, signal);
      const changed = !sameSelection(current, next);
      current = next;
      if (changed) send(current);
    }, SELECTION_SETTLE_MS));
  };
  root.append(renderChart(mime, selectable, { signals: selectionSignals(selectable), onSignal }));
}
