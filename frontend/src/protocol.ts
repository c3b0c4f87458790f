// The wire contract with `weir edit` (docs/editor-protocol.md). Types only:
// the server's JSON is taken as it comes and checked where it is used.

export type RunStatus =
  | 'idle' | 'queued' | 'running' | 'ok' | 'error' | 'stopped'
  | 'interrupted' | 'not_run' | 'disabled';

export type RunMode = 'autorun' | 'lazy';
export type StreamName = 'stdout' | 'stderr';

/** `{"mimetype": data, ..., "hash"?: hex BLAKE2b-256}` (docs/editor-protocol.md, "Integrity"). */
export type MimeBundle = Record<string, unknown>;

export interface ConsoleChunk {
  stream: StreamName;
  text: string;
  hash?: string;
}

export interface TracebackFrame {
  filename: string;
  lineno: number | null;
  function: string;
  cell_id: string | null;
  line?: string;
}

export interface CellError {
  type: string;
  message: string;
  traceback: string;
  frames?: TracebackFrame[];
}

export interface CellMeta {
  id: number;
  name: string;
  code: string;
  hide_code: boolean;
  disabled: boolean;
  persist?: boolean;
  version?: number;
}

export interface CellView extends CellMeta {
  status: RunStatus;
  stale: boolean;
  outputs: MimeBundle[];
  console: ConsoleChunk[];
  error: CellError | null;
  reason: string | null;
  reason_about: number | null;
  /** Every cell the reason names (docs/editor-protocol.md). */
  reason_cells?: number[];
  restored_at?: string | null;
  /** Its place in the dataflow graph. */
  defs?: string[];
  refs?: string[];
  parents?: number[];
  children?: number[];
  /** The names its last run defined. */
  variables?: VariableSummary[];
  /** Values set on this cell's elements (element id → value). */
  ui_values?: Record<string, unknown>;
}

export interface VariableSummary {
  name: string;
  type: string;
  preview: string;
}

export interface CellGraph {
  id: number;
  defs: string[];
  refs: string[];
  parents: number[];
  children: number[];
}

export type KernelEvent = { seq: number } & (
  | { type: 'cell_inserted'; index: number; cell: CellMeta }
  | { type: 'cell_deleted'; id: number }
  | { type: 'cell_moved'; id: number; index: number }
  | { type: 'cell_code'; id: number; code: string; version?: number }
  | { type: 'cell_renamed'; id: number; name: string }
  | { type: 'cell_options'; id: number; hide_code: boolean; disabled: boolean; persist?: boolean }
  | { type: 'stale'; ids: number[] }
  | { type: 'graph'; cells: CellGraph[] }
  | { type: 'change_refused'; message: string }
  | { type: 'mode_changed'; mode: RunMode }
  | { type: 'queued'; ids: number[] }
  | { type: 'dequeued'; id: number; status: RunStatus }
  | { type: 'started'; id: number }
  | { type: 'stream'; id: number; stream: StreamName; text: string; hash?: string }
  | { type: 'console'; stream: StreamName; text: string; hash?: string }
  | { type: 'output'; id: number; action: 'append' | 'replace' | 'clear' | 'replace_at' | 'remove_at'; output: MimeBundle | null; at?: number }
  | {
      type: 'finished'; id: number; status: RunStatus; duration_ms: number;
      outputs: MimeBundle[]; error: CellError | null;
      /** The names this run defined, summarised (an editor's kernel; absent for an interrupted cell). */
      variables?: VariableSummary[];
    }
  | { type: 'skipped'; id: number; status: RunStatus; reason: string; reason_kind: string; about: number | null; about_all?: number[] }
  | { type: 'ui_value'; id: number; element_id: string; value: unknown }
  | { type: 'ui_value_refused'; element_id: string; message: string }
  | { type: 'worker_restarted' }
  | { type: 'worker_died'; message: string }
  | { type: 'idle' }
  | { type: 'resync' }
);

export interface Snapshot {
  type: 'snapshot';
  seq: number;
  mode: RunMode;
  cells: CellView[];
  running: number | null;
  console: ConsoleChunk[];
  dirty: boolean;
  changed_on_disk?: boolean;
  path: string;
}

export interface DeletedCell {
  code: string;
  name: string;
  index: number;
  options?: { disabled?: boolean; hide_code?: boolean; persist?: boolean };
}

export type ServerMessage =
  | Snapshot
  | { type: 'event'; event: KernelEvent }
  | ({ type: 'ok'; req?: number; id?: number; version?: number; deleted?: DeletedCell } & Partial<DeletedCell>)
  | { type: 'refused'; req?: number; reason: string; message: string; id?: number; code?: string; version?: number }
  | { type: 'error'; req?: number; message: string }
  | { type: 'saved'; path: string; hash: string }
  | { type: 'file_changed' }
  | { type: 'resync' };

export type ClientMessage =
  | { type: 'hello'; since?: number }
  | { type: 'set_code'; id: number; code: string; base_version: number; code_hash: string }
  | { type: 'insert'; index: number; code: string; name?: string }
  | { type: 'delete'; id: number }
  | { type: 'move'; id: number; index: number }
  | { type: 'rename'; id: number; name: string }
  | { type: 'set_options'; id: number; disabled?: boolean; hide_code?: boolean; persist?: boolean }
  | { type: 'run'; ids: number[] }
  | { type: 'run_stale' }
  | { type: 'run_all' }
  | { type: 'interrupt' }
  | { type: 'restart' }
  | { type: 'set_mode'; mode: RunMode }
  | { type: 'save'; force?: boolean }
  | { type: 'reload' }
  | { type: 'set_ui_value'; element_id: string; value: unknown };

export type WithReq<T> = T & { req?: number };
