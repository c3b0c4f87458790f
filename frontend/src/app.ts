// The notebook page: toolbar, banners, notices, the notebook console, and
// the cells in order. `render(state)` reconciles cell components by id
// (created, updated, moved, destroyed); nothing else changes the DOM.

import { CellComponent, type CellActions } from './cell';
import { button, el } from './dom';
import type { Hasher } from './integrity';
import { renderConsole } from './output';
import { SidePanel, type PanelActions } from './panels';
import type { NotebookState } from './state';

export interface AppActions extends CellActions, PanelActions {
  /** The cell the side panel is about (focus or a click inside it). */
  selectCell(id: number): void;
  moveTo(id: number, index: number): void;
  runStale(): void;
  runAll(): void;
  interrupt(): void;
  restart(): void;
  toggleMode(): void;
  saveNow(): void;
  setAutosave(on: boolean): void;
  reloadFromDisk(): void;
  keepMine(): void;
  dismissNotice(index: number): void;
  undoDelete(): void;
  addAtEnd(): void;
}


export class NotebookView {
  readonly root = el('div', 'app', 'app');
  private readonly cells = new Map<number, CellComponent>();
  private readonly list = el('main', 'cells', 'cells');
  private readonly pathLabel = el('span', 'path', 'path');
  private readonly connection = el('span', 'connection', 'connection');
  private readonly dirty = el('span', 'dirty', 'dirty');
  private readonly modeButton: HTMLButtonElement;
  private readonly autosave = el('input', '', 'autosave');
  private readonly banners = el('div', 'banners');
  private readonly notices = el('div', 'notices', 'notices');
  private readonly nbConsole = el('div', 'nb-console');
  private readonly empty = el('div', 'empty', 'empty');
  private readonly panel: SidePanel;
  private state: NotebookState | null = null;
  private undoAvailable: string | null = null;

  constructor(
    private readonly hasher: Hasher,
    private readonly actions: AppActions,
    autosaveOn: boolean,
  ) {
    const bar = el('header', 'toolbar');
    this.modeButton = button('', 'Switch between running what an edit makes stale (autorun) and only marking it (lazy)', 'mode', () => actions.toggleMode());
    this.autosave.type = 'checkbox';
    this.autosave.checked = autosaveOn;
    this.autosave.addEventListener('change', () => actions.setAutosave(this.autosave.checked));
    const autosaveLabel = el('label', 'autosave');
    autosaveLabel.append(this.autosave, ' autosave');
    bar.append(
      el('strong', 'brand'),
      this.pathLabel,
      this.dirty,
      this.connection,
      el('span', 'spacer'),
      button('Run stale', 'Run every stale cell', 'run-stale', () => actions.runStale()),
      button('Run all', 'Run every cell', 'run-all', () => actions.runAll()),
      button('Interrupt', 'Interrupt the running cell', 'interrupt', () => actions.interrupt()),
      button('Restart', 'Replace the Python worker (all values are lost)', 'restart', () => actions.restart()),
      this.modeButton,
      button('Save', 'Save (Ctrl/Cmd+S)', 'save', () => actions.saveNow()),
      autosaveLabel,
    );
    (bar.firstChild as HTMLElement).textContent = 'weir';
    this.empty.textContent = 'This notebook has no cells.';
    const addEnd = button('+ Add cell', 'Add a cell at the end', 'add-cell-end', () => actions.addAtEnd());
    addEnd.className = 'add-end';
    this.panel = new SidePanel(actions);
    const main = el('div', 'notebook-column');
    main.append(this.banners, this.notices, this.nbConsole, this.empty, this.list, addEnd);
    const body = el('div', 'workspace');
    body.append(main, this.panel.root);
    this.root.append(bar, body);
    this.dragAndDrop();
    const select = (e: Event) => {
      const cell = (e.target as Element).closest?.('[data-testid=cell]') as HTMLElement | null;
      if (cell && this.list.contains(cell)) actions.selectCell(Number(cell.dataset.cellId));
    };
    this.list.addEventListener('focusin', select);
    this.list.addEventListener('mousedown', select);
  }

  /** Drag a cell by its handle; drop it above or below another (the upper or lower half). */
  private dragAndDrop(): void {
    const MIME = 'application/x-weir-cell';
    let dragged: number | null = null;
    const target = (e: DragEvent) => (e.target as Element).closest?.('[data-testid=cell]') as HTMLElement | null;
    const clear = () => this.list.querySelectorAll('.drop-above, .drop-below').forEach((e) => e.classList.remove('drop-above', 'drop-below'));
    this.list.addEventListener('dragstart', (e) => {
      const handle = (e.target as Element).closest?.('[data-testid=drag-handle]');
      const cell = handle?.closest('[data-testid=cell]') as HTMLElement | null;
      if (!cell || !e.dataTransfer) return;
      dragged = Number(cell.dataset.cellId);
      e.dataTransfer.setData(MIME, String(dragged));
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setDragImage(cell, 10, 10);
    });
    this.list.addEventListener('dragover', (e) => {
      const cell = target(e);
      if (dragged === null || !cell) return;
      e.preventDefault();
      const r = cell.getBoundingClientRect();
      const below = e.clientY > r.top + r.height / 2;
      clear();
      cell.classList.add(below ? 'drop-below' : 'drop-above');
    });
    this.list.addEventListener('dragleave', (e) => {
      if (!this.list.contains(e.relatedTarget as Node | null)) clear();
    });
    this.list.addEventListener('dragend', () => {
      dragged = null;
      clear();
    });
    this.list.addEventListener('drop', (e) => {
      const cell = target(e);
      const id = dragged;
      dragged = null;
      clear();
      if (id === null || !cell || !this.state) return;
      e.preventDefault();
      const r = cell.getBoundingClientRect();
      const below = e.clientY > r.top + r.height / 2;
      const index = dropIndex(this.state.cells.map((c) => c.id), id, Number(cell.dataset.cellId), below);
      if (index !== null) this.actions.moveTo(id, index);
    });
  }

  /** Offers to undo the last delete (until the next one). */
  offerUndo(label: string | null): void {
    this.undoAvailable = label;
    if (this.state) this.paintNotices(this.state);
  }

  cell(id: number): CellComponent | undefined {
    return this.cells.get(id);
  }

  allCells(): Iterable<CellComponent> {
    return this.cells.values();
  }

  render(state: NotebookState): void {
    const prev = this.state;
    this.state = state;
    if (!prev || prev.path !== state.path) {
      this.pathLabel.textContent = state.path;
      document.title = state.path ? `${state.path} · weir` : 'weir';
    }
    this.connection.textContent = state.connection === 'open' ? (state.resyncing ? 'syncing…' : 'connected') : state.connection === 'connecting' ? 'connecting…' : 'disconnected: reconnecting';
    this.connection.dataset.state = state.connection;
    this.dirty.textContent = state.dirty ? 'unsaved changes' : 'saved';
    this.dirty.dataset.dirty = String(state.dirty);
    this.modeButton.textContent = state.mode === 'autorun' ? 'Mode: autorun' : 'Mode: lazy';
    this.modeButton.dataset.mode = state.mode;
    this.root.dataset.running = String(state.running ?? '');
    if (!prev || prev.fileChanged !== state.fileChanged || prev.workerDied !== state.workerDied) this.paintBanners(state);
    if (!prev || prev.notices !== state.notices) this.paintNotices(state);
    if (!prev || prev.console !== state.console) {
      this.nbConsole.replaceChildren();
      if (state.console.length) this.nbConsole.append(renderConsole(this.hasher, state.console, 'notebook-console'));
    }
    this.empty.hidden = !state.synced || state.cells.length > 0;
    if (!prev || prev.cells !== state.cells) this.paintCells(state);
    if (!prev || prev.selected !== state.selected || prev.cells !== state.cells) {
      for (const [id, c] of this.cells) c.root.classList.toggle('is-selected', id === state.selected);
    }
    this.panel.render(state);
  }

  private paintCells(state: NotebookState): void {
    const seen = new Set<number>();
    let cursor: Element | null = this.list.firstElementChild;
    // The first paint of a notebook goes into the page in one insertion,
    // not one per cell (1,000 cells: one style and layout pass, not many).
    const batch = cursor === null ? document.createDocumentFragment() : null;
    for (const cell of state.cells) {
      seen.add(cell.id);
      let c = this.cells.get(cell.id);
      if (!c) {
        c = new CellComponent(cell, this.hasher, this.actions);
        this.cells.set(cell.id, c);
      } else {
        c.update(cell);
      }
      if (batch) batch.append(c.root);
      else if (c.root === cursor) cursor = cursor.nextElementSibling;
      else this.list.insertBefore(c.root, cursor);
    }
    if (batch) this.list.append(batch);
    for (const [id, c] of this.cells) {
      if (!seen.has(id)) {
        c.destroy();
        this.cells.delete(id);
      }
    }
  }

  private paintBanners(state: NotebookState): void {
    this.banners.replaceChildren();
    if (state.fileChanged) {
      const b = el('div', 'banner warn', 'file-changed-banner');
      b.append(
        'The file changed on disk since it was loaded. ',
        button('Reload from disk', 'Discard the editor\'s version and load the file', 'reload', () => this.actions.reloadFromDisk()),
        button('Keep mine', 'Overwrite the file with the editor\'s version', 'keep-mine', () => this.actions.keepMine()),
      );
      this.banners.append(b);
    }
    if (state.workerDied) {
      const b = el('div', 'banner error', 'worker-died');
      b.append(`The Python worker died: ${state.workerDied} `, button('Restart', 'Start a fresh worker', 'restart-worker', () => this.actions.restart()));
      this.banners.append(b);
    }
  }

  private paintNotices(state: NotebookState): void {
    this.notices.replaceChildren();
    if (this.undoAvailable) {
      const n = el('div', 'notice info', 'notice');
      n.append(`Deleted ${this.undoAvailable}. `, button('Undo', 'Put the cell back', 'undo-delete', () => this.actions.undoDelete()));
      this.notices.append(n);
    }
    state.notices.forEach((notice, i) => {
      const n = el('div', `notice ${notice.kind}`, 'notice');
      n.append(notice.text, ' ', button('×', 'Dismiss', 'dismiss-notice', () => this.actions.dismissNotice(i)));
      this.notices.append(n);
    });
  }
}

/**
 * Where a dragged cell lands, as the `move` message's index (its position
 * after it is taken out), or null when the drop leaves it where it is.
 */
export function dropIndex(order: readonly number[], dragged: number, onto: number, below: boolean): number | null {
  const from = order.indexOf(dragged);
  const at = order.indexOf(onto);
  if (from < 0 || at < 0) return null;
  let to = below ? at + 1 : at;
  if (from < to) to -= 1;
  return to === from ? null : to;
}
