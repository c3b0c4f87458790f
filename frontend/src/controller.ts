// Ties the pieces together: server messages go through `apply` into a new
// state, the view renders it (once per animation frame), and the person's
// actions become client messages. The only mutable things here are the
// current state, the connection, and a little bookkeeping of requests in
// flight (undo of a delete, the cell to focus once inserted).

import { NotebookView, type AppActions } from './app';
import { Connection } from './connection';
import { FrameLoop } from './frame-loop';
import { pageTransport, type Transport } from './transport';
import { setDefaultSender } from './elements';
import { type Hasher, hashText } from './integrity';
import type { ClientMessage, DeletedCell, RunMode } from './protocol';
import { cellLabel } from './graph';
import { apply, indexOf, initialState, needsHello, type Incoming, type LocalAction, type NotebookState, type PanelTab } from './state';

const AUTOSAVE_KEY = 'weir.autosave';
export const AUTOSAVE_DELAY_MS = 1500;
/** How long after the last message sent the page keeps reading the socket worker's ring every frame while replies or runs are outstanding. */
export const POLL_MS = 2000;

export class Controller implements AppActions {
  state: NotebookState;
  readonly view: NotebookView;
  private readonly conn: Connection;
  /** Each frame drains the socket worker's ring, then paints (frame-loop.ts). */
  private readonly frames = new FrameLoop({
    drain: () => this.transport.pump(),
    paint: () => this.paint(),
    poll: () => this.polling(),
  });
  /** When the last message went to the server (performance.now()). */
  private lastSent = -Infinity;
  readonly transport: Transport;
  private lastDeleted: DeletedCell | null = null;
  private focusWhenInserted: number | null = null;
  private focusPending: number | null = null;
  private focusAfterMove: { id: number; index: number } | null = null;
  private autosaveOn: boolean;
  private autosaveTimer: ReturnType<typeof setTimeout> | null = null;
  /** Version of the state for which a save is in flight (so autosave sends one at a time). */
  private saving = false;

  constructor(
    private readonly notebook: string,
    private readonly hasher: Hasher,
    wsUrl: string,
    transport?: Transport,
  ) {
    this.transport = transport ?? pageTransport();
    this.state = initialState(notebook);
    // Elements nested in other outputs (layouts) send through here too.
    setDefaultSender((elementId, value) => this.setUiValue(elementId, value));
    this.autosaveOn = localStorage.getItem(AUTOSAVE_KEY) !== 'off';
    this.view = new NotebookView(hasher, this, this.autosaveOn);
    this.conn = new Connection({
      url: wsUrl,
      socket: (url) => this.transport.socket(url),
      since: () => (this.state.synced ? this.state.seq : undefined),
      onMessage: (m) => this.receive(m),
      onStatus: (status) => {
        // A save in flight on a socket that closed will get no reply.
        // Which way the socket is held (browser tests read it): `worker`
        // (cross-origin isolated, the shared-memory ring) or `main`.
        document.documentElement.dataset.socket = this.transport.kind;
        if (status !== 'open') this.saving = false;
        else for (const c of this.view.allCells()) c.forgetSent();
        this.dispatch({ type: 'connection', status });
      },
      onGarbage: (text) => this.dispatch({ type: 'notice', notice: { kind: 'error', text: `Unreadable message from the server: ${text}` } }),
    });
  }

  start(): void {
    this.view.render(this.state);
    this.conn.connect();
    window.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        this.saveNow();
      }
    });
    window.addEventListener('beforeunload', (e) => {
      if ([...this.view.allCells()].some((c) => c.isEdited())) {
        e.preventDefault();
        e.returnValue = '';
      }
    });
  }

  dispatch(msg: Incoming | LocalAction): void {
    const before = this.state;
    this.state = apply(before, msg);
    const hello = needsHello(before, this.state);
    if (hello) this.conn.hello(hello === 'snapshot');
    if (this.state !== before) this.schedule();
  }

  private receive(msg: Incoming): void {
    if (msg.type === 'ok' && msg.request) this.onOk(msg);
    if (msg.type === 'saved' || (msg.type === 'refused' && msg.request?.type === 'save') || (msg.type === 'error' && msg.request?.type === 'save')) {
      this.saving = false;
    }
    this.dispatch(msg);
    if (this.state.dirty) this.scheduleAutosave();
  }

  private onOk(msg: Extract<Incoming, { type: 'ok' }>): void {
    const req = msg.request!;
    if (req.type === 'delete') {
      const d = msg.deleted ?? (typeof msg.code === 'string' ? (msg as unknown as DeletedCell) : null);
      this.lastDeleted = d;
      this.view.offerUndo(d ? `“${d.name}”` : null);
    } else if (req.type === 'insert' && typeof msg.id === 'number') {
      if (this.restoreOptions && this.restoreOptions.index === req.index) {
        const o = this.restoreOptions.options;
        this.restoreOptions = null;
        if (o.disabled || o.hide_code || o.persist) this.send({ type: 'set_options', id: msg.id, ...o });
      }
      if (this.focusWhenInserted === req.index) {
        this.focusWhenInserted = null;
        // The cell_inserted event may come before or after this reply:
        // the cell takes the keyboard at the first paint that has it.
        this.focusPending = msg.id;
        this.schedule();
      }
    }
  }

  private restoreOptions: { index: number; options: NonNullable<DeletedCell['options']> } | null = null;

  private schedule(): void {
    this.frames.schedule();
  }

  /** Whether to read the ring on the next frame even if nothing changed. */
  private polling(): boolean {
    if (this.transport.kind !== 'worker') return false;
    if (performance.now() - this.lastSent > POLL_MS) return false;
    const s = this.state;
    return this.conn.awaiting() || s.running !== null || s.cells.some((c) => c.status === 'queued' || c.status === 'running');
  }

  /** Paints now (tests and benchmarks measure this). */
  flush(): void {
    this.frames.flush();
  }

  private paint(): void {
    try {
      this.view.render(this.state);
      const moved = this.focusAfterMove;
      if (moved && indexOf(this.state, moved.id) === moved.index) {
        this.focusAfterMove = null;
        this.view.cell(moved.id)?.focus();
      }
      if (this.focusPending !== null) {
        const c = this.view.cell(this.focusPending);
        if (c) {
          this.focusPending = null;
          c.focus();
        }
      }
    } catch (err) {
      // A bug in one cell's painting must not freeze the whole page.
      console.error(err);
      if (!this.state.notices.some((n) => n.text.startsWith('The page could not draw'))) {
        this.dispatch({ type: 'notice', notice: { kind: 'error', text: `The page could not draw the notebook: ${err instanceof Error ? err.message : String(err)}` } });
      }
    }
  }

  setUiValue(elementId: string, value: unknown): void {
    this.send({ type: 'set_ui_value', element_id: elementId, value });
  }

  private send(msg: ClientMessage): number {
    const req = this.conn.send(msg);
    // Replies come through the socket worker's ring: read it every frame
    // until they are in (the page's ordinary tasks, the worker's pokes
    // among them, wait for the next frame after a key press).
    this.lastSent = performance.now();
    if (this.polling()) this.frames.wake();
    return req;
  }

  /** Sends a cell's edit, if it has one: `false` when it cannot be sent,
   * else whether an edit went. */
  private sendEdit(id: number): 'sent' | 'none' | false {
    const c = this.view.cell(id);
    const edit = c?.edit();
    if (!edit) return 'none';
    if ('error' in edit) {
      this.dispatch({ type: 'notice', notice: { kind: 'error', text: edit.error } });
      return false;
    }
    this.send({ type: 'set_code', id, code: edit.code, base_version: edit.baseVersion, code_hash: hashText(this.hasher, edit.code) });
    return 'sent';
  }

  /** Sends a cell's edit, if it has one; false when it cannot be sent. */
  private flushEdit(id: number): boolean {
    return this.sendEdit(id) !== false;
  }

  // ---- actions (AppActions) ----

  run(id: number): void {
    const edit = this.sendEdit(id);
    if (edit === false) return;
    // In autorun the kernel runs an edited cell and its dependents as soon
    // as the edit lands: a `run` after it could run them all twice.
    if (edit === 'sent' && this.state.mode === 'autorun') return;
    this.send({ type: 'run', ids: [id] });
  }

  runAndFocusNext(id: number): void {
    this.run(id);
    const i = indexOf(this.state, id);
    const next = this.state.cells[i + 1];
    if (next) this.view.cell(next.id)?.focus();
    else this.insert(id, 'below');
  }

  insert(id: number, where: 'above' | 'below'): void {
    const i = indexOf(this.state, id);
    const index = i < 0 ? this.state.cells.length : where === 'above' ? i : i + 1;
    this.focusWhenInserted = index;
    this.send({ type: 'insert', index, code: '' });
  }

  addAtEnd(): void {
    this.focusWhenInserted = this.state.cells.length;
    this.send({ type: 'insert', index: this.state.cells.length, code: '' });
  }

  remove(id: number): void {
    this.send({ type: 'delete', id });
  }

  undoDelete(): void {
    const d = this.lastDeleted;
    if (!d) return;
    this.lastDeleted = null;
    this.view.offerUndo(null);
    const index = Math.min(d.index, this.state.cells.length);
    if (d.options) this.restoreOptions = { index, options: d.options };
    this.send({ type: 'insert', index, code: d.code, name: d.name });
  }

  move(id: number, delta: number): void {
    const i = indexOf(this.state, id);
    const to = i + delta;
    if (i < 0 || to < 0 || to >= this.state.cells.length) return;
    this.send({ type: 'move', id, index: to });
    // Keep the keyboard in the cell once it has moved (moving its DOM node blurs it).
    this.focusAfterMove = { id, index: to };
  }

  moveTo(id: number, index: number): void {
    this.send({ type: 'move', id, index });
  }

  rename(id: number, name: string): void {
    this.send({ type: 'rename', id, name });
  }

  setOption(id: number, option: 'disabled' | 'hide_code' | 'persist', value: boolean): void {
    this.send({ type: 'set_options', id, [option]: value });
  }

  dismissConflict(id: number): void {
    this.dispatch({ type: 'dismiss_conflict', id });
  }

  selectCell(id: number): void {
    this.dispatch({ type: 'select', id });
  }

  goToCell(id: number): void {
    this.selectCell(id);
    this.focusCell(id);
  }

  showPanel(tab: PanelTab): void {
    this.dispatch({ type: 'panel', tab });
  }

  cellLabel(id: number): string {
    return cellLabel(this.state.cells, id);
  }

  focusCell(id: number, line?: number): void {
    const c = this.view.cell(id);
    if (!c) return;
    c.flash();
    if (line !== undefined) c.goToLine(line);
  }

  save(): void {
    this.saveNow();
  }

  draftChanged(): void {}

  runStale(): void {
    this.send({ type: 'run_stale' });
  }

  runAll(): void {
    for (const c of this.view.allCells()) if (!this.flushEdit(c.id)) return;
    this.send({ type: 'run_all' });
  }

  interrupt(): void {
    this.send({ type: 'interrupt' });
  }

  restart(): void {
    this.send({ type: 'restart' });
  }

  toggleMode(): void {
    const mode: RunMode = this.state.mode === 'autorun' ? 'lazy' : 'autorun';
    this.send({ type: 'set_mode', mode });
  }

  /** Ctrl/Cmd+S: every edited cell's code first (in autorun that runs them, as any edit does), then save. */
  saveNow(): void {
    for (const c of this.view.allCells()) if (!this.flushEdit(c.id)) return;
    this.saving = true;
    this.send({ type: 'save' });
  }

  setAutosave(on: boolean): void {
    this.autosaveOn = on;
    localStorage.setItem(AUTOSAVE_KEY, on ? 'on' : 'off');
    if (on && this.state.dirty) this.scheduleAutosave();
  }

  /** Autosave writes what the kernel holds (never unsent drafts, which would run them in autorun). */
  private scheduleAutosave(): void {
    if (!this.autosaveOn || this.autosaveTimer !== null) return;
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = null;
      const s = this.state;
      if (!this.autosaveOn || !s.dirty || s.fileChanged || s.connection !== 'open' || this.saving) return;
      this.saving = true;
      this.send({ type: 'save' });
    }, AUTOSAVE_DELAY_MS);
  }

  reloadFromDisk(): void {
    this.dispatch({ type: 'dismiss_file_changed' });
    this.send({ type: 'reload' });
  }

  keepMine(): void {
    this.dispatch({ type: 'dismiss_file_changed' });
    this.saving = true;
    this.send({ type: 'save', force: true });
  }

  dismissNotice(index: number): void {
    this.dispatch({ type: 'dismiss_notice', index });
  }

  get notebookPath(): string {
    return this.notebook;
  }
}
