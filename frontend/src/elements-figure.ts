// `matplotlib` elements (`weir.ui.matplotlib`, marimo's `mo.ui.matplotlib`):
// the figure as the PNG the worker drew, with a box (drag) or lasso
// (shift-drag) selection drawn over it. The selection is sent once the
// pointer is released, in data coordinates: the worker sent where the axes
// sit in the image (pixels from its top left) and their limits; axes are
// linear (the worker refuses others). A click without a drag clears it.

type Send = ((value: unknown) => void) | null;

const SVG = 'http://www.w3.org/2000/svg';
const nums = (v: unknown, n: number): number[] | null =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : null;

export interface FigureGeometry {
  width: number;
  height: number;
  /** [left, top, right, bottom] of the axes in image pixels. */
  axes: number[];
  x: number[];
  y: number[];
}

/** Image pixels to data coordinates (y grows upward in data, downward in pixels). */
export function toData(g: FigureGeometry, px: number, py: number): [number, number] {
  const [left, top, right, bottom] = g.axes;
  const x = g.x[0] + ((px - left) / (right - left)) * (g.x[1] - g.x[0]);
  const y = g.y[1] - ((py - top) / (bottom - top)) * (g.y[1] - g.y[0]);
  return [x, y];
}

/** The value for a box between two image points. */
export function boxValue(g: FigureGeometry, a: [number, number], b: [number, number]): unknown {
  const [x0, y0] = toData(g, a[0], a[1]);
  const [x1, y1] = toData(g, b[0], b[1]);
  return {
    mode: 'box',
    has_selection: true,
    selection: { x_min: Math.min(x0, x1), x_max: Math.max(x0, x1), y_min: Math.min(y0, y1), y_max: Math.max(y0, y1) },
  };
}

export function renderMatplotlib(data: { props: Readonly<Record<string, unknown>> }, send: Send, root: HTMLElement): void {
  const p = data.props;
  const width = typeof p.width === 'number' ? p.width : 0;
  const height = typeof p.height === 'number' ? p.height : 0;
  const axes = nums(p.axes, 4);
  const x = nums(p.x_bounds, 2);
  const y = nums(p.y_bounds, 2);
  if (typeof p.png !== 'string' || !/^[A-Za-z0-9+/=]+$/.test(p.png) || !axes || !x || !y || width <= 0 || height <= 0) return;
  const g: FigureGeometry = { width, height, axes, x, y };
  const modes = Array.isArray(p.modes) ? p.modes : ['box', 'lasso'];
  const color = typeof p.selection_color === 'string' ? p.selection_color : '#3b82f6';
  const box = document.createElement('div');
  box.className = 'ui-figure';
  box.dataset.testid = 'ui-figure';
  box.style.maxWidth = `${width}px`;
  const img = document.createElement('img');
  img.src = `data:image/png;base64,${p.png}`;
  img.alt = 'figure';
  img.draggable = false;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const shape = document.createElementNS(SVG, 'polygon');
  shape.setAttribute('fill', color);
  shape.setAttribute('fill-opacity', String(typeof p.selection_opacity === 'number' ? p.selection_opacity : 0.15));
  shape.setAttribute('stroke', color);
  shape.setAttribute('stroke-width', String(typeof p.stroke_width === 'number' ? p.stroke_width : 2));
  svg.append(shape);
  box.append(img, svg);
  root.append(box);
  if (!send) return;
  const at = (ev: PointerEvent): [number, number] => {
    const r = box.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * width, ((ev.clientY - r.top) / r.height) * height];
  };
  const draw = (points: [number, number][]) => shape.setAttribute('points', points.map(([a, b]) => `${a},${b}`).join(' '));
  let start: [number, number] | null = null;
  let path: [number, number][] = [];
  let lasso = false;
  box.addEventListener('pointerdown', (ev) => {
    ev.preventDefault();
    box.setPointerCapture(ev.pointerId);
    start = at(ev);
    path = [start];
    lasso = (ev.shiftKey && modes.includes('lasso')) || !modes.includes('box');
  });
  box.addEventListener('pointermove', (ev) => {
    if (!start) return;
    const here = at(ev);
    if (lasso) path.push(here);
    draw(lasso ? path : [start, [here[0], start[1]], here, [start[0], here[1]]]);
  });
  box.addEventListener('pointerup', (ev) => {
    if (!start) return;
    const end = at(ev);
    const moved = Math.hypot(end[0] - start[0], end[1] - start[1]) > 3;
    if (!moved) {
      draw([]);
      send({});
    } else if (lasso) {
      path.push(end);
      send({ mode: 'lasso', has_selection: true, selection: { vertices: path.map(([a, b]) => toData(g, a, b)) } });
    } else {
      send(boxValue(g, start, end));
    }
    start = null;
  });
}
