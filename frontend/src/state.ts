// The notebook as immutable data, and the one rule that moves it forward:
// `apply(state, message) -> state`, a pure function (as CodeMirror's own
// transactions are). The view only renders a state; the controller only
// feeds messages in. Mirrors `KernelSnapshot::apply` in
// crates/runtime/src/kernel/event.rs, plus what the editor protocol adds
// (versions, hashes, saves, refusals).

import type {
  CellError, CellView, ClientMessage, ConsoleChunk, KernelEvent, MimeBundle, RunMode, RunStatus,
  ServerMessage,
} from './protocol';
import { checkEvent, checkSnapshot } from './validate';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

/** The side panel's tabs (panels.ts). */
export type PanelTab = 'dependencies' | 'variables' | 'graph';

/** A name a cell's last run defined, as the variables panel shows it. */
export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly preview: string;
}

export interface Cell {
  readonly id: number;
  readonly name: string;
  readonly code: string;
  readonly version: number;
  readonly hideCode: boolean;
  readonly disabled: boolean;
  readonly persist: boolean;
  readonly status: RunStatus;
  readonly stale: boolean;
  readonly outputs: readonly MimeBundle[];
  /** Unmerged: each chunk keeps the hash it arrived with. */
  readonly console: readonly ConsoleChunk[];
  readonly error: CellError | null;
  readonly reason: string | null;
  readonly reasonAbout: number | null;
  /** Every cell the reason names (a cycle's cells, a name's other definers). */
  readonly reasonCells: readonly number[];
  /** Its place in the dataflow graph: names, and the ids of the cells it reads from / that read it. */
  readonly defs: readonly string[];
  readonly refs: readonly string[];
  readonly parents: readonly number[];
  readonly children: readonly number[];
  /** The names its last run defined (empty until it runs, and when it starts again). */
  readonly variables: readonly Variable[];
  /** When the shown output came from the store, not a run in this session. */
  readonly restoredAt: string | null;
  readonly durationMs: number | null;
  /** Values set on the elements this cell's last run made (element id → value). */
  readonly uiValues: Readonly<Record<string, unknown>>;
  /** Set when an edit from this tab was refused because another changed the cell first. */
  readonly conflict: { readonly mine: string; readonly theirsVersion: number } | null;
}

export interface Notice {
  readonly kind: 'info' | 'error';
  readonly text: string;
}

export interface NotebookState {
  /** Every event up to this number is folded in (0: none yet). */
  readonly seq: number;
  readonly synced: boolean;
  /** A gap or a `resync` was seen: events are ignored until the next snapshot or seq+1. */
  readonly resyncing: boolean;
  /** A malformed message was seen: only a fresh snapshot (hello without since) recovers. */
  readonly wantSnapshot: boolean;
  readonly mode: RunMode;
  readonly cells: readonly Cell[];
  readonly running: number | null;
  readonly console: readonly ConsoleChunk[];
  readonly dirty: boolean;
  readonly path: string;
  readonly connection: ConnectionStatus;
  readonly fileChanged: boolean;
  readonly workerDied: string | null;
  readonly lastSaved: { readonly hash: string } | null;
  readonly notices: readonly Notice[];
  /** The cell the side panel is about (the last one focused or picked). */
  readonly selected: number | null;
  readonly panel: PanelTab;
}

/** What the controller adds to the server's messages. */
export type LocalAction =
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'dismiss_conflict'; id: number }
  | { type: 'dismiss_file_changed' }
  | { type: 'dismiss_notice'; index: number }
  | { type: 'notice'; notice: Notice }
  | { type: 'select'; id: number | null }
  | { type: 'panel'; tab: PanelTab };

/**
 * A reply with the request it answers attached: the controller keeps each
 * request by its id until the reply, so the reducer sees what was refused.
 */
export type Incoming = ServerMessage & { request?: ClientMessage };

export const initialState = (path = ''): NotebookState => ({
  seq: 0,
  synced: false,
  resyncing: false,
  wantSnapshot: false,
  mode: 'autorun',
  cells: [],
  running: null,
  console: [],
  dirty: false,
  path,
  connection: 'connecting',
  fileChanged: false,
  workerDied: null,
  lastSaved: null,
  notices: [],
  selected: null,
  panel: 'dependencies',
});

const MAX_NOTICES = 5;

export function cellFromView(v: CellView): Cell {
  return {
    id: v.id,
    name: v.name,
    code: v.code,
    version: v.version ?? 0,
    hideCode: v.hide_code,
    disabled: v.disabled,
    persist: v.persist ?? false,
    status: v.status,
    stale: v.stale === true,
    outputs: Array.isArray(v.outputs) ? v.outputs.filter((o) => typeof o === 'object' && o !== null) : [],
    console: Array.isArray(v.console) ? v.console : [],
    error: v.error ?? null,
    reason: v.reason ?? null,
    reasonAbout: v.reason_about ?? null,
    reasonCells: ids(v.reason_cells),
    ...graphFacts(v),
    variables: variables(v.variables),
    restoredAt: v.restored_at ?? null,
    durationMs: null,
    uiValues: typeof v.ui_values === 'object' && v.ui_values !== null ? v.ui_values : {},
    conflict: null,
  };
}

export function apply(state: NotebookState, msg: Incoming | LocalAction): NotebookState {
  switch (msg.type) {
    case 'connection':
      // A closed socket loses the stream's position guarantee: the next hello
      // asks for what came after `seq`, so keep it.
      return { ...state, connection: msg.status, resyncing: msg.status === 'open' ? false : state.resyncing };
    case 'dismiss_conflict':
      return updateCell(state, msg.id, (c) => ({ ...c, conflict: null }));
    case 'dismiss_file_changed':
      return { ...state, fileChanged: false };
    case 'dismiss_notice':
      return { ...state, notices: state.notices.filter((_, i) => i !== msg.index) };
    case 'notice':
      return pushNotice(state, msg.notice);
    case 'select':
      return msg.id === state.selected || (msg.id !== null && indexOf(state, msg.id) < 0) ? state : { ...state, selected: msg.id };
    case 'panel':
      return msg.tab === state.panel ? state : { ...state, panel: msg.tab };
    case 'snapshot': {
      const problem = checkSnapshot(msg as unknown as Record<string, unknown>);
      if (problem) return malformed(state, problem);
      return {
        ...state,
        seq: msg.seq,
        synced: true,
        resyncing: false,
        mode: msg.mode,
        cells: msg.cells.map(cellFromView),
        selected: msg.cells.some((c) => c.id === state.selected) ? state.selected : null,
        running: msg.running ?? null,
        console: Array.isArray(msg.console) ? msg.console : [],
        dirty: msg.dirty === true,
        // The server's own record: a tab that connects after an outside
        // change must see the banner too (a reload's snapshot clears it).
        fileChanged: msg.changed_on_disk === true,
        path: typeof msg.path === 'string' ? msg.path : state.path,
        workerDied: null,
        wantSnapshot: false,
      };
    }
    case 'event':
      return applyEvent(state, msg.event);
    case 'ok':
      return state;
    case 'refused':
      return applyRefused(state, msg);
    case 'error':
      return pushNotice(state, { kind: 'error', text: `The server could not read a message: ${msg.message}` });
    case 'saved':
      return { ...state, dirty: false, fileChanged: false, lastSaved: { hash: msg.hash } };
    case 'file_changed':
      return { ...state, fileChanged: true };
    case 'resync':
      // The server dropped this client's queue (it fell too far behind).
      return { ...state, resyncing: true };
    default:
      return state;
  }
}

/**
 * Whether the controller should send `hello` again: a gap or a resync
 * just began (`since`), or a malformed message needs a fresh snapshot.
 */
export function needsHello(before: NotebookState, after: NotebookState): false | 'since' | 'snapshot' {
  if (after.wantSnapshot && !before.wantSnapshot) return 'snapshot';
  return after.resyncing && !before.resyncing ? 'since' : false;
}

function applyRefused(state: NotebookState, msg: Extract<Incoming, { type: 'refused' }>): NotebookState {
  const req = msg.request;
  if (msg.reason === 'stale_version' && req?.type === 'set_code') {
    const id = msg.id ?? req.id;
    // Another tab changed the cell first: show its code, keep ours aside.
    return updateCell(state, id, (c) => ({
      ...c,
      code: msg.code ?? c.code,
      version: msg.version ?? c.version,
      conflict: { mine: req.code, theirsVersion: msg.version ?? c.version },
    }));
  }
  if (msg.reason === 'changed_on_disk') {
    return { ...state, fileChanged: true };
  }
  return pushNotice(state, { kind: 'error', text: msg.message || `Refused: ${msg.reason}` });
}

function malformed(state: NotebookState, problem: string): NotebookState {
  return pushNotice(
    { ...state, resyncing: true, wantSnapshot: true },
    { kind: 'error', text: `The server sent ${problem}; reloading the notebook's state.` },
  );
}

function applyEvent(state: NotebookState, ev: KernelEvent): NotebookState {
  const problem = checkEvent(ev);
  if (problem) return state.wantSnapshot ? state : malformed(state, problem);
  if (ev.type === 'resync') {
    return { ...state, resyncing: true };
  }
  if (ev.seq <= state.seq) return state; // already folded in (a replay overlapping)
  if (ev.seq !== state.seq + 1 || !state.synced) {
    return { ...state, resyncing: true };
  }
  const next = fold({ ...state, seq: ev.seq, resyncing: false }, ev);
  return next;
}

function fold(state: NotebookState, ev: KernelEvent): NotebookState {
  switch (ev.type) {
    case 'cell_inserted': {
      const cells = state.cells.slice();
      const at = Math.min(Math.max(ev.index, 0), cells.length);
      cells.splice(at, 0, {
        id: ev.cell.id,
        name: ev.cell.name,
        code: ev.cell.code,
        version: ev.cell.version ?? 0,
        hideCode: ev.cell.hide_code,
        disabled: ev.cell.disabled,
        persist: ev.cell.persist ?? false,
        status: 'idle',
        stale: false,
        ...noResult(),
        reasonCells: [],
        defs: [],
        refs: [],
        parents: [],
        children: [],
        conflict: null,
      });
      return { ...state, cells, dirty: true };
    }
    case 'cell_deleted':
      return {
        ...state,
        cells: state.cells.filter((c) => c.id !== ev.id),
        selected: state.selected === ev.id ? null : state.selected,
        dirty: true,
      };
    case 'graph': {
      const facts = new Map<number, GraphFacts>();
      for (const g of Array.isArray(ev.cells) ? ev.cells : []) {
        if (g && typeof g.id === 'number') facts.set(g.id, graphFacts(g));
      }
      return { ...state, cells: state.cells.map((c) => (facts.has(c.id) ? { ...c, ...facts.get(c.id)! } : c)) };
    }
    case 'cell_moved': {
      const i = state.cells.findIndex((c) => c.id === ev.id);
      if (i < 0) return state;
      const cells = state.cells.slice();
      const [cell] = cells.splice(i, 1);
      cells.splice(Math.min(Math.max(ev.index, 0), cells.length), 0, cell);
      return { ...state, cells, dirty: true };
    }
    case 'cell_code':
      return {
        ...updateCell(state, ev.id, (c) => ({
          ...c,
          code: ev.code,
          version: ev.version ?? c.version + 1,
        })),
        dirty: true,
      };
    case 'cell_renamed':
      return { ...updateCell(state, ev.id, (c) => ({ ...c, name: ev.name })), dirty: true };
    case 'cell_options':
      return {
        ...updateCell(state, ev.id, (c) => ({
          ...c,
          hideCode: ev.hide_code,
          disabled: ev.disabled,
          persist: ev.persist ?? c.persist,
        })),
        dirty: true,
      };
    case 'stale': {
      const ids = new Set(ev.ids);
      return { ...state, cells: state.cells.map((c) => (ids.has(c.id) && !c.stale ? { ...c, stale: true } : c)) };
    }
    case 'change_refused':
      return pushNotice(state, { kind: 'error', text: ev.message });
    case 'mode_changed':
      return { ...state, mode: ev.mode };
    case 'queued': {
      const queued = new Set(ids(ev.ids));
      if (queued.size === 0) return state;
      return { ...state, cells: state.cells.map((c) => (queued.has(c.id) ? { ...c, status: 'queued' } : c)) };
    }
    case 'dequeued':
      return updateCell(state, ev.id, (c) => ({ ...c, status: ev.status }));
    case 'started':
      return {
        ...updateCell(state, ev.id, (c) => ({
          ...c,
          status: 'running',
          stale: false,
          ...noResult(),
        })),
        running: ev.id,
      };
    case 'stream': {
      const chunk: ConsoleChunk = { stream: ev.stream, text: ev.text, ...(ev.hash ? { hash: ev.hash } : {}) };
      if (!state.cells.some((c) => c.id === ev.id)) {
        return { ...state, console: [...state.console, chunk] };
      }
      return updateCell(state, ev.id, (c) => ({ ...c, console: [...c.console, chunk] }));
    }
    case 'console': {
      const chunk: ConsoleChunk = { stream: ev.stream, text: ev.text, ...(ev.hash ? { hash: ev.hash } : {}) };
      return { ...state, console: [...state.console, chunk] };
    }
    case 'output':
      return updateCell(state, ev.id, (c) => ({ ...c, outputs: applyOutput(c.outputs, ev.action, ev.at, ev.output) }));
    case 'finished':
      return {
        ...updateCell(state, ev.id, (c) => ({
          ...c,
          status: ev.status,
          stale: false,
          outputs: ev.outputs,
          error: ev.error,
          durationMs: ev.duration_ms,
          ...(ev.variables === undefined ? {} : { variables: variables(ev.variables) }),
        })),
        running: state.running === ev.id ? null : state.running,
      };
    case 'skipped':
      return updateCell(state, ev.id, (c) => ({
        ...c,
        status: ev.status,
        stale: false,
        outputs: [],
        console: [],
        error: null,
        reason: ev.reason,
        reasonAbout: ev.about,
        reasonCells: ids(ev.about_all ?? (ev.about === null ? [] : [ev.about])),
        variables: [],
        restoredAt: null,
        uiValues: {},
      }));
    case 'ui_value':
      return updateCell(state, ev.id, (c) => ({ ...c, uiValues: { ...c.uiValues, [ev.element_id]: ev.value } }));
    case 'ui_value_refused':
      return pushNotice(state, { kind: 'error', text: ev.message });
    case 'worker_restarted':
      return {
        ...state,
        running: null,
        console: [],
        workerDied: null,
        cells: state.cells.map((c) => ({
          ...c,
          status: 'idle',
          ...noResult(),
        })),
      };
    case 'worker_died':
      return { ...state, running: null, workerDied: ev.message };
    case 'idle':
      return state;
    default:
      return state;
  }
}

/** What a cell shows of a run, emptied: when it starts, is inserted, or
 * its worker is replaced. */
function noResult(): Pick<Cell, 'outputs' | 'console' | 'error' | 'reason' | 'reasonAbout' | 'reasonCells' | 'variables' | 'restoredAt' | 'durationMs' | 'uiValues'> {
  return {
    outputs: [], console: [], error: null, reason: null, reasonAbout: null, reasonCells: [], variables: [],
    restoredAt: null, durationMs: null, uiValues: {},
  };
}

type GraphFacts = Pick<Cell, 'defs' | 'refs' | 'parents' | 'children'>;

/** A cell's graph facts as the server sends them (in a snapshot's cell or a `graph` event), checked. */
function graphFacts(v: { defs?: unknown; refs?: unknown; parents?: unknown; children?: unknown }): GraphFacts {
  return { defs: strings(v.defs), refs: strings(v.refs), parents: ids(v.parents), children: ids(v.children) };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function ids(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

function variables(v: unknown): Variable[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((x) => x && typeof x === 'object' && typeof x.name === 'string')
    .map((x) => ({ name: x.name, type: typeof x.type === 'string' ? x.type : '', preview: typeof x.preview === 'string' ? x.preview : '' }));
}

/**
 * One output action on a cell's outputs: the kernel's rule
 * (`weir_runtime::message::apply_output`). `replace_at` past the end
 * appends; `remove_at` past the end does nothing.
 */
export function applyOutput(outputs: readonly MimeBundle[], action: string, at: number | undefined, output: MimeBundle | null): readonly MimeBundle[] {
  const inRange = typeof at === 'number' && Number.isInteger(at) && at >= 0 && at < outputs.length;
  if (action === 'remove_at') return inRange ? outputs.filter((_, i) => i !== at) : outputs;
  if (output && action === 'append') return [...outputs, output];
  if (output && action === 'replace') return [output];
  if (output && action === 'replace_at') return inRange ? outputs.map((o, i) => (i === at ? output : o)) : [...outputs, output];
  return [];
}

function updateCell(state: NotebookState, id: number, f: (c: Cell) => Cell): NotebookState {
  const i = state.cells.findIndex((c) => c.id === id);
  if (i < 0) return state;
  const cells = state.cells.slice();
  cells[i] = f(cells[i]);
  return { ...state, cells };
}

function pushNotice(state: NotebookState, notice: Notice): NotebookState {
  return { ...state, notices: [...state.notices, notice].slice(-MAX_NOTICES) };
}

/** The cell's position, or -1. */
export function indexOf(state: NotebookState, id: number): number {
  return state.cells.findIndex((c) => c.id === id);
}
