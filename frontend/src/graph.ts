// The dataflow graph view: cells as nodes, an edge from each definer to
// each reader, laid out in layers (a cell one layer below the deepest cell
// it reads from) and drawn as plain SVG. `layout` is pure and tested; the
// view only draws what it returns.

import type { Cell } from './state';

export interface GraphNode {
  readonly id: number;
  readonly label: string;
  readonly layer: number;
  /** Position within the layer, in notebook order. */
  readonly slot: number;
  readonly x: number;
  readonly y: number;
}

export interface GraphEdge {
  readonly from: number;
  readonly to: number;
  /** The edge goes back up (it closes a cycle). */
  readonly back: boolean;
}

export interface GraphLayout {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly width: number;
  readonly height: number;
}

export const NODE_W = 120;
export const NODE_H = 28;
const GAP_X = 24;
const GAP_Y = 40;
const PAD = 8;

/** How a cell is named in panels and the graph: its position, and its name or what it defines. */
export function cellLabel(cells: readonly Cell[], id: number): string {
  const i = cells.findIndex((c) => c.id === id);
  if (i < 0) return `cell #${id}`;
  const c = cells[i];
  const what = c.name && c.name !== '_' ? c.name : c.defs.slice(0, 2).join(', ') + (c.defs.length > 2 ? ', …' : '');
  return what ? `${i + 1}: ${what}` : `cell ${i + 1}`;
}

/**
 * Layers by longest path from the cells that read from no cell. Cycles
 * are broken where notebook order goes backwards (an edge to an earlier
 * cell inside a cycle does not raise its target's layer), so every cell
 * gets a layer in O(cells + edges).
 */
export function layout(cells: readonly Cell[]): GraphLayout {
  const index = new Map(cells.map((c, i) => [c.id, i]));
  const edges: GraphEdge[] = [];
  for (const c of cells) {
    for (const child of c.children) {
      if (!index.has(child)) continue;
      edges.push({ from: c.id, to: child, back: false });
    }
  }
  // Kahn's algorithm; what is left is in cycles, taken in notebook order.
  const indegree = new Map(cells.map((c) => [c.id, 0]));
  for (const e of edges) indegree.set(e.to, indegree.get(e.to)! + 1);
  const layer = new Map<number, number>();
  const done = new Set<number>();
  const ready = cells.filter((c) => indegree.get(c.id) === 0).map((c) => c.id);
  const byId = new Map(cells.map((c) => [c.id, c]));
  const visit = (id: number) => {
    done.add(id);
    const here = layer.get(id) ?? 0;
    for (const child of byId.get(id)!.children) {
      if (!index.has(child) || done.has(child)) continue;
      layer.set(child, Math.max(layer.get(child) ?? 0, here + 1));
      const left = indegree.get(child)! - 1;
      indegree.set(child, left);
      if (left === 0) ready.push(child);
    }
  };
  for (let next = 0; done.size < cells.length; ) {
    if (next < ready.length) {
      const id = ready[next++];
      if (!done.has(id)) visit(id);
      continue;
    }
    // A cycle: start from its first cell in notebook order.
    const stuck = cells.find((c) => !done.has(c.id))!;
    ready.push(stuck.id);
  }
  const marked = edges.map((e) => ({ ...e, back: (layer.get(e.to) ?? 0) <= (layer.get(e.from) ?? 0) }));
  const slots = new Map<number, number>();
  const nodes: GraphNode[] = cells.map((c) => {
    const l = layer.get(c.id) ?? 0;
    const slot = slots.get(l) ?? 0;
    slots.set(l, slot + 1);
    return {
      id: c.id,
      label: cellLabel(cells, c.id),
      layer: l,
      slot,
      x: PAD + slot * (NODE_W + GAP_X),
      y: PAD + l * (NODE_H + GAP_Y),
    };
  });
  const widest = Math.max(0, ...slots.values());
  const layers = slots.size;
  return {
    nodes,
    edges: marked,
    width: PAD * 2 + Math.max(1, widest) * (NODE_W + GAP_X) - GAP_X,
    height: PAD * 2 + Math.max(1, layers) * (NODE_H + GAP_Y) - GAP_Y,
  };
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Draws a layout; clicking a node calls `pick` with its cell id. */
export function renderGraph(g: GraphLayout, selected: number | null, pick: (id: number) => void): SVGSVGElement {
  const root = svg('svg', { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, class: 'graph-svg' });
  root.dataset.testid = 'graph-svg';
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'weir-arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'graph-arrow' }));
  defs.append(marker);
  root.append(defs);
  const at = new Map(g.nodes.map((n) => [n.id, n]));
  for (const e of g.edges) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = e.back ? b.y + NODE_H : b.y;
    const bend = e.back ? Math.max(a.y, b.y) + NODE_H + 24 : (y1 + y2) / 2;
    const path = svg('path', {
      d: e.back ? `M${x1},${y1} C${x1},${bend} ${x2},${bend} ${x2},${y2}` : `M${x1},${y1} C${x1},${bend} ${x2},${bend} ${x2},${y2}`,
      class: e.back ? 'graph-edge back' : 'graph-edge',
      'marker-end': 'url(#weir-arrow)',
    });
    path.dataset.testid = 'graph-edge';
    path.dataset.from = String(e.from);
    path.dataset.to = String(e.to);
    root.append(path);
  }
  for (const n of g.nodes) {
    const group = svg('g', { class: n.id === selected ? 'graph-node selected' : 'graph-node', transform: `translate(${n.x},${n.y})` });
    group.dataset.testid = 'graph-node';
    group.dataset.cellId = String(n.id);
    const title = svg('title', {});
    title.textContent = n.label;
    const text = svg('text', { x: 8, y: NODE_H / 2 + 4 });
    text.textContent = n.label.length > 16 ? `${n.label.slice(0, 15)}…` : n.label;
    group.append(title, svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }), text);
    group.addEventListener('click', () => pick(n.id));
    root.append(group);
  }
  return root;
}
