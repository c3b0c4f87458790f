// The Vega-Lite renderer, built on its own (scripts/build-rich.mjs) into
// dist/assets/rich/vega.js as a classic script that defines `WeirVega`.
// The editor loads it only when a page shows a chart; the HTML export
// inlines the same file only into pages that have one.
//
// Two rules hold for every chart:
// - no eval: specs are parsed to an AST (`ast: true`) and run by
//   vega-interpreter, so the pages' CSP needs no 'unsafe-eval';
// - no fetch: the loader refuses every URL (data must be inline, as
//   Altair's default data transformer makes it), and the refusal is shown.

import { View, Warn, parse } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile } from 'vega-lite';

export interface Rendered {
  /** URLs the spec asked for, each refused. */
  refused: string[];
  /** Signals asked for that the compiled spec does not have. */
  unfollowed: string[];
  /** Call when the chart leaves the page. */
  finalize(): void;
}

/** A Vega loader that refuses every URL, noting each in `refused`. */
export function refusingLoader(refused: string[]) {
  const refuse = async (uri: unknown): Promise<never> => {
    const url = String(uri);
    refused.push(url);
    throw new Error(`weir: charts never load from the network; refused ${url}`);
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Signals to follow (an `altair_chart` element's selections). */
export interface RenderOptions {
  signals?: readonly string[];
  onSignal?: (name: string, value: unknown) => void;
}

/** Renders a Vega-Lite spec into `container` as SVG (headless without one). */
export async function render(container: HTMLElement | undefined, spec: unknown, options: RenderOptions = {}): Promise<Rendered> {
  const refused: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const vgSpec = compile(spec as any).spec;
  const runtime = parse(vgSpec, undefined, { ast: true });
  const view = new View(runtime, {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expr: expressionInterpreter as any,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    loader: refusingLoader(refused) as any,
    renderer: container ? 'svg' : 'none',
    container,
    hover: true,
    logLevel: Warn,
  });
  const { signals = [], onSignal } = options;
  const unfollowed: string[] = [];
  for (const name of signals) {
    try {
      view.addSignalListener(name, (n: string, v: unknown) => onSignal?.(n, v));
    } catch {
      unfollowed.push(name);
    }
  }
  await view.runAsync();
  return { refused, unfollowed, finalize: () => view.finalize() };
}
