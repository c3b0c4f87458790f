// Interactive charts in outputs: Vega-Lite (what Altair emits) and Plotly.
// Their libraries are big, so they are not in the main bundle: each is a
// classic script in /assets/rich/ (scripts/build-rich.mjs) that this file
// adds to the page the first time an output needs it. Both render into the
// editor's own DOM (SVG or canvas), never from markup the notebook wrote:
// the spec is data, parsed by the library; Vega runs its expressions in
// an interpreter (no eval) and is given a loader that refuses every URL.

/** Vega-Lite, any major version (Altair 5 says v5, Altair 6 says v6). */
export const VEGA_LITE_MIME = /^application\/vnd\.vegalite\.v\d+\+json$/;
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export type ChartKind = 'vega-lite' | 'plotly';

/** The chart kind a MIME type is rendered as, if it is one. */
export function chartKind(mime: string): ChartKind | null {
  if (VEGA_LITE_MIME.test(mime)) return 'vega-lite';
  if (mime === PLOTLY_MIME) return 'plotly';
  return null;
}

/** The first chart MIME type in a bundle whose data is a JSON object. */
export function chooseChartMime(bundle: Record<string, unknown>): string | null {
  for (const [mime, data] of Object.entries(bundle)) {
    if (chartKind(mime) && data !== null && typeof data === 'object' && !Array.isArray(data)) return mime;
  }
  return null;
}

export const RICH_BASE = '/assets/rich/';

const loading = new Map<string, Promise<void>>();

/** Adds `/assets/rich/<file>` to the page once; resolves when it ran. */
export function loadRichScript(file: string): Promise<void> {
  let p = loading.get(file);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = RICH_BASE + file;
      s.async = true;
      s.onload = () => resolve();
      s.onerror = () => {
        loading.delete(file);
        reject(new Error(`could not load ${RICH_BASE + file} from the weir server`));
      };
      document.head.append(s);
    });
    loading.set(file, p);
  }
  return p;
}

/** Signals a chart element follows (elements-chart.ts). */
export interface SignalOptions {
  signals: readonly string[];
  onSignal: (name: string, value: unknown) => void;
}

interface VegaGlobal {
  render(el: HTMLElement, spec: unknown, options?: SignalOptions): Promise<{ refused: string[]; finalize(): void }>;
}
interface PlotlyGlobal {
  newPlot(el: HTMLElement, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
}

// Drawn charts and how to release them (Vega views and responsive Plotly
// figures keep listeners): swept when the next chart is made, as output.ts
// sweeps its frames, so no hook in the cell code is needed.
const drawn = new Map<HTMLElement, () => void>();

function sweep(): void {
  for (const [wrap, release] of drawn) {
    if (wrap.isConnected) continue;
    drawn.delete(wrap);
    try {
      release();
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function note(cls: string, text: string): HTMLElement {
  const e = document.createElement('div');
  e.className = cls;
  e.dataset.testid = cls;
  e.textContent = text;
  return e;
}

/** Why a spec that asked for URLs shows less than it should. */
export function refusedMessage(urls: readonly string[]): string {
  const shown = urls.slice(0, 3).join(', ') + (urls.length > 3 ? `, and ${urls.length - 3} more` : '');
  return (
    `This chart asks to load ${shown}; Weir never loads anything from the network, ` +
    'so data must be inline in the spec (Altair does this with its default data transformer).'
  );
}

async function draw(kind: ChartKind, box: HTMLElement, data: Record<string, unknown>, wrap: HTMLElement, signals?: SignalOptions): Promise<void> {
  if (kind === 'vega-lite') {
    await loadRichScript('vega.js');
    const vega = (window as unknown as { WeirVega: VegaGlobal }).WeirVega;
    const { refused, finalize } = await vega.render(box, data, signals);
    drawn.set(wrap, finalize);
    if (refused.length) wrap.prepend(note('chart-refused', refusedMessage(refused)));
  } else {
    await loadRichScript('plotly.js');
    const plotly = (window as unknown as { Plotly: PlotlyGlobal }).Plotly;
    const layout = { ...((data.layout as object | undefined) ?? {}) };
    await plotly.newPlot(box, data.data ?? [], layout, {
      responsive: true,
      displaylogo: false,
      // The only features that would reach the network: off.
      showLink: false,
      showSendToCloud: false,
      showEditInChartStudio: false,
      typesetMath: false,
    });
    drawn.set(wrap, () => plotly.purge(box));
  }
  wrap.dataset.rendered = 'true';
}

/** The element for one chart output; the chart draws once its library is
 * loaded. `signals`: Vega-Lite signals to follow (a selectable chart). */
export function renderChart(mime: string, data: Record<string, unknown>, signals?: SignalOptions): HTMLElement {
  sweep();
  const kind = chartKind(mime) as ChartKind;
  const wrap = document.createElement('div');
  wrap.className = `chart chart-${kind}`;
  wrap.dataset.testid = 'chart';
  wrap.dataset.chart = kind;
  const box = document.createElement('div');
  box.className = 'chart-box';
  wrap.append(box);
  draw(kind, box, data, wrap, signals).catch((err: unknown) => {
    wrap.dataset.rendered = 'error';
    wrap.append(note('chart-error', `Could not draw this ${kind} chart: ${err instanceof Error ? err.message : String(err)}`));
  });
  return wrap;
}
