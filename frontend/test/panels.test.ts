import { describe, expect, it } from 'vitest';
import { cellLabel, layout } from '../src/graph';
import { dependencies, variableRows } from '../src/panels';
import type { CellView, KernelEvent, Snapshot } from '../src/protocol';
import { apply, initialState, type Incoming, type NotebookState } from '../src/state';

const view = (id: number, code: string, extra: Partial<CellView> = {}): CellView => ({
  id, name: '_', code, hide_code: false, disabled: false, version: 1, status: 'idle', stale: false,
  outputs: [], console: [], error: null, reason: null, reason_about: null, ...extra,
});

const snapshot = (seq: number, cells: CellView[]): Snapshot => ({
  type: 'snapshot', seq, mode: 'autorun', cells, running: null, console: [], dirty: false, path: 'nb.py',
});

type Body = KernelEvent extends infer E ? (E extends unknown ? Omit<E, 'seq'> : never) : never;
const ev = (seq: number, body: Body): Incoming => ({ type: 'event', event: { seq, ...body } as KernelEvent });
const run = (state: NotebookState, ...msgs: (Incoming | Parameters<typeof apply>[1])[]) => msgs.reduce(apply, state);

// x = 1 (1) → y = x + 1 (2) → z = y (3); w = 5 (4) alone.
const base = apply(initialState(), snapshot(10, [
  view(1, 'x = 1', { defs: ['x'], refs: [], parents: [], children: [2] }),
  view(2, 'y = x + 1', { defs: ['y'], refs: ['x'], parents: [1], children: [3] }),
  view(3, 'z = y', { defs: ['z'], refs: ['y'], parents: [2], children: [] }),
  view(4, 'w = 5', { defs: ['w'], refs: [], parents: [], children: [], variables: [{ name: 'w', type: 'int', preview: '5' }] }),
]));

describe('graph facts and selection in the reducer', () => {
  it('takes each cell\'s defs, refs, parents, children and variables from the snapshot', () => {
    expect(base.cells[1]).toMatchObject({ defs: ['y'], refs: ['x'], parents: [1], children: [3] });
    expect(base.cells[3].variables).toEqual([{ name: 'w', type: 'int', preview: '5' }]);
    // An older server without the fields: empty, not undefined.
    const old = apply(initialState(), snapshot(1, [view(9, 'a')]));
    expect(old.cells[0]).toMatchObject({ defs: [], refs: [], parents: [], children: [], variables: [], reasonCells: [] });
  });

  it('a graph event replaces the facts of the cells it names, and only those', () => {
    const s = run(base, ev(11, { type: 'graph', cells: [
      { id: 4, defs: ['w'], refs: ['z'], parents: [3], children: [] },
      { id: 3, defs: ['z'], refs: ['y'], parents: [2], children: [4] },
    ] }));
    expect(s.cells[3]).toMatchObject({ refs: ['z'], parents: [3] });
    expect(s.cells[2].children).toEqual([4]);
    expect(s.cells[0]).toBe(base.cells[0]);
  });

  it('variables arrive with each cell\'s finished and go when it starts again, is skipped, is deleted or the worker restarts', () => {
    const vars = [{ name: 'x', type: 'int', preview: '1' }];
    const finished = { type: 'finished' as const, id: 1, status: 'ok' as const, duration_ms: 1, outputs: [], error: null };
    const s = run(base, ev(11, { ...finished, variables: vars }));
    expect(s.cells[0].variables).toEqual(vars);
    // A finished without them (a kernel that does not summarise) keeps what the cell had.
    expect(run(s, ev(12, finished)).cells[0].variables).toEqual(vars);
    expect(run(s, ev(12, { type: 'started', id: 1 })).cells[0].variables).toEqual([]);
    expect(run(s, ev(12, { type: 'skipped', id: 1, status: 'not_run', reason: 'r', reason_kind: 'k', about: null })).cells[0].variables).toEqual([]);
    expect(run(s, ev(12, { type: 'worker_restarted' })).cells.every((c) => c.variables.length === 0)).toBe(true);
    expect(variableRows(run(s, ev(12, { type: 'cell_deleted', id: 1 }))).map((r) => r.name)).toEqual(['w']);
  });

  it('select and panel are local actions; deleting the selected cell clears the selection', () => {
    const s = run(base, { type: 'select', id: 2 }, { type: 'panel', tab: 'graph' });
    expect(s.selected).toBe(2);
    expect(s.panel).toBe('graph');
    expect(run(s, { type: 'select', id: 99 }).selected).toBe(2); // no such cell
    expect(run(s, ev(11, { type: 'cell_deleted', id: 2 })).selected).toBeNull();
    expect(apply(s, snapshot(20, [view(2, 'b')])).selected).toBe(2); // kept across a snapshot when the cell is still there
    expect(apply(s, snapshot(20, [view(7, 'b')])).selected).toBeNull();
  });

  it('a skipped event names every cell its reason involves', () => {
    const s = run(base, ev(11, { type: 'skipped', id: 1, status: 'not_run', reason: 'cycle', reason_kind: 'cycle', about: 2, about_all: [2, 3] }));
    expect(s.cells[0]).toMatchObject({ reasonAbout: 2, reasonCells: [2, 3] });
    // An older server: the one `about`.
    const t = run(base, ev(11, { type: 'skipped', id: 1, status: 'not_run', reason: 'r', reason_kind: 'k', about: 3 }));
    expect(t.cells[0].reasonCells).toEqual([3]);
  });
});

describe('dependencies panel', () => {
  it('lists what the selected cell reads from and what reads it, with the names on each edge', () => {
    expect(dependencies(base)).toBeNull();
    const d = dependencies(apply(base, { type: 'select', id: 2 }))!;
    expect(d.label).toBe('2: y');
    expect(d.readsFrom).toEqual([{ id: 1, label: '1: x', names: ['x'] }]);
    expect(d.readBy).toEqual([{ id: 3, label: '3: z', names: ['y'] }]);
  });
});

describe('variables panel', () => {
  it('lists every name by name, with its type, preview and defining cell', () => {
    const s = run(base, ev(11, { type: 'finished', id: 2, status: 'ok', duration_ms: 1, outputs: [], error: null, variables: [{ name: 'y', type: 'int', preview: '2' }] }));
    expect(variableRows(s)).toEqual([
      { name: 'w', type: 'int', preview: '5', cell: 4, cellLabel: '4: w' },
      { name: 'y', type: 'int', preview: '2', cell: 2, cellLabel: '2: y' },
    ]);
  });
});

describe('graph layout', () => {
  it('puts each cell one layer below the deepest cell it reads from, with an edge per definer → reader', () => {
    const g = layout(base.cells);
    const layer = Object.fromEntries(g.nodes.map((n) => [n.id, n.layer]));
    expect(layer).toEqual({ 1: 0, 2: 1, 3: 2, 4: 0 });
    expect(g.edges.map((e) => [e.from, e.to, e.back])).toEqual([[1, 2, false], [2, 3, false]]);
    const n1 = g.nodes.find((n) => n.id === 1)!;
    const n4 = g.nodes.find((n) => n.id === 4)!;
    expect(n4.y).toBe(n1.y);
    expect(n4.x).toBeGreaterThan(n1.x);
    expect(g.width).toBeGreaterThan(0);
  });

  it('lays out a cycle without looping, marking the edge that closes it', () => {
    const s = apply(initialState(), snapshot(1, [
      view(1, 'a = b', { defs: ['a'], refs: ['b'], parents: [2], children: [2] }),
      view(2, 'b = a', { defs: ['b'], refs: ['a'], parents: [1], children: [1] }),
    ]));
    const g = layout(s.cells);
    expect(g.nodes.map((n) => n.layer)).toEqual([0, 1]);
    expect(g.edges.map((e) => [e.from, e.to, e.back])).toEqual([[1, 2, false], [2, 1, true]]);
  });

  it('names a cell by position and name, or what it defines', () => {
    expect(cellLabel(base.cells, 3)).toBe('3: z');
    const named = apply(initialState(), snapshot(1, [view(5, 'pass', { name: 'load' })]));
    expect(cellLabel(named.cells, 5)).toBe('1: load');
    const bare = apply(initialState(), snapshot(1, [view(5, 'print(1)')]));
    expect(cellLabel(bare.cells, 5)).toBe('cell 1');
  });
});

describe('panel repaint', () => {
  it('is needed when graph facts, names or variables change, not for console text or outputs', async () => {
    const { panelFactsChanged } = await import('../src/panels');
    const printed = run(base, ev(11, { type: 'stream', id: 1, stream: 'stdout', text: 'hi' }));
    expect(panelFactsChanged(base.cells, printed.cells)).toBe(false);
    const vars = run(base, ev(11, { type: 'finished', id: 1, status: 'ok', duration_ms: 1, outputs: [], error: null, variables: [{ name: 'x', type: 'int', preview: '1' }] }));
    expect(panelFactsChanged(base.cells, vars.cells)).toBe(true);
    const renamed = run(base, ev(11, { type: 'cell_renamed', id: 2, name: 'load' }));
    expect(panelFactsChanged(base.cells, renamed.cells)).toBe(true);
    const moved = run(base, ev(11, { type: 'cell_moved', id: 1, index: 2 }));
    expect(panelFactsChanged(base.cells, moved.cells)).toBe(true);
  });
});
