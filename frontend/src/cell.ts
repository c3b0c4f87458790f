// One cell's DOM: header (name, status, controls), editor (CodeMirror,
// mounted when the cell first nears the viewport so 1,000 cells open fast),
// markdown view, conflict banner, error, console, outputs. `update(cell)`
// redraws only the parts whose data changed (state objects are immutable,
// so identity says what changed).

import type { EditorView } from '@codemirror/view';
import { button as domButton, el } from './dom';
import { createEditor, setDoc } from './editor';
import { type Hasher, verifyBundle } from './integrity';
import { LAYOUT_MIME } from './layout';
import { cleandoc, detectMarkdown, markdownCode, type MarkdownCell } from './markdown';
import { renderConsole, renderOutput } from './output';
import { syncValues } from './elements';
import type { MimeBundle } from './protocol';
import { typesetMath } from './math';
import { renderMarkdown } from './render-markdown';
import type { Cell } from './state';

/** What a cell asks of the controller. */
export interface CellActions {
  run(id: number): void;
  runAndFocusNext(id: number): void;
  insert(id: number, where: 'above' | 'below'): void;
  remove(id: number): void;
  move(id: number, delta: number): void;
  rename(id: number, name: string): void;
  setOption(id: number, option: 'disabled' | 'hide_code' | 'persist', value: boolean): void;
  dismissConflict(id: number): void;
  focusCell(id: number, line?: number): void;
  /** How panels and links name a cell. */
  cellLabel?(id: number): string;
  save(): void;
  draftChanged(): void;
  /** A person set an element's value (`weir.ui`). */
  setUiValue(elementId: string, value: unknown): void;
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'not run yet', queued: 'queued', running: 'running', ok: 'ok', error: 'error', stopped: 'stopped',
  interrupted: 'interrupted', not_run: 'not run', disabled: 'disabled',
};

/** The cell's buttons are glyphs: `dom.button` with `icon`. */
function button(label: string, title: string, testid: string, onClick: () => void): HTMLButtonElement {
  return domButton(label, title, testid, onClick, true);
}

let template: HTMLElement | null = null;

const CONTROLS: [string, string, string][] = [
  ['run', '▶', 'Run (Shift+Enter)'],
  ['move-up', '↑', 'Move up (Ctrl/Cmd+Shift+↑)'],
  ['move-down', '↓', 'Move down (Ctrl/Cmd+Shift+↓)'],
  ['add-above', '+↑', 'Add a cell above'],
  ['add-below', '+↓', 'Add a cell below'],
  ['delete', '✕', 'Delete the cell'],
];

function cellTemplate(): HTMLElement {
  if (template) return template;
  const root = el('section', 'cell', 'cell');
  const header = el('header', 'cell-header');
  const name = el('input', 'name', 'cell-name');
  name.spellcheck = false;
  name.setAttribute('aria-label', 'cell name');
  const edited = el('span', 'edited', 'cell-edited');
  edited.textContent = 'edited';
  edited.title = 'Changed here, not yet sent: Shift+Enter runs it';
  edited.hidden = true;
  const controls = el('span', 'controls');
  for (const [action, label, title] of CONTROLS) {
    const b = el('button', 'icon', action);
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.dataset.action = action;
    controls.append(b);
  }
  const details = el('details', 'options');
  const summary = el('summary', '', 'options');
  summary.textContent = '⋯';
  summary.title = 'Options';
  const menu = el('div', 'menu');
  for (const [option, testid, label] of [
    ['disabled', 'opt-disabled', 'disabled'], ['hide_code', 'opt-hide-code', 'hide code'], ['persist', 'opt-persist', 'persist'],
  ]) {
    const input = el('input', '', testid);
    input.type = 'checkbox';
    input.dataset.option = option;
    const l = el('label');
    l.append(input, ` ${label}`);
    menu.append(l);
  }
  details.append(summary, menu);
  controls.append(details);
  const handle = el('span', 'drag-handle', 'drag-handle');
  handle.textContent = '⠿';
  handle.title = 'Drag to move';
  handle.draggable = true;
  header.append(handle, name, el('span', 'status', 'cell-status'), el('span', 'badges'), edited, controls);
  const hiddenNote = el('button', 'hidden-note', 'show-code');
  hiddenNote.type = 'button';
  hiddenNote.textContent = 'code hidden: show';
  hiddenNote.dataset.action = 'show-code';
  const md = el('div', 'markdown md-cell', 'markdown');
  md.title = 'Double-click to edit';
  const editor = el('div', 'editor', 'editor');
  editor.append(el('pre', 'code-placeholder'));
  root.append(
    header, el('div', 'conflict', 'conflict'), hiddenNote, md, editor, el('div', 'reason', 'reason'),
    el('pre', 'traceback', 'error'), el('div', 'console-box'), el('div', 'outputs', 'output'),
  );
  for (const e of root.querySelectorAll('.conflict, .hidden-note, .md-cell, .reason, .traceback')) (e as HTMLElement).hidden = true;
  template = root;
  return template;
}

let pointerDown = false;
let pointerWaiters: (() => void)[] = [];

/** Runs `f` now, or when the pointer press under way ends. */
function afterPointer(f: () => void): void {
  if (!pointerDown) {
    f();
    return;
  }
  pointerWaiters.push(f);
}

if (typeof window !== 'undefined') {
  window.addEventListener('pointerdown', () => { pointerDown = true; }, true);
  const up = () => {
    pointerDown = false;
    const waiting = pointerWaiters;
    pointerWaiters = [];
    // After the click event that follows this pointerup.
    setTimeout(() => waiting.forEach((w) => w()), 0);
  };
  window.addEventListener('pointerup', up, true);
  window.addEventListener('pointercancel', up, true);
}

let observer: IntersectionObserver | null = null;
const mounters = new WeakMap<Element, () => void>();

// Editors near the viewport but not in it are mounted a few at a time
// when the page is idle, so the ones on screen come first and the page
// paints without waiting for the rest (each CodeMirror costs milliseconds).
const nearby: Element[] = [];
let draining = false;

const whenIdle: (f: () => void) => void =
  typeof requestIdleCallback === 'function' ? (f) => requestIdleCallback(f, { timeout: 500 }) : (f) => setTimeout(f, 0);

function drainNearby(): void {
  if (draining) return;
  draining = true;
  const step = () => {
    const until = performance.now() + 8;
    while (nearby.length && performance.now() < until) {
      const e = nearby.shift()!;
      const mount = mounters.get(e);
      mounters.delete(e);
      mount?.();
    }
    if (nearby.length) whenIdle(step);
    else draining = false;
  };
  whenIdle(step);
}

function whenNearViewport(e: HTMLElement, mount: () => void): void {
  if (typeof IntersectionObserver === 'undefined') {
    mount();
    return;
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer!.unobserve(entry.target);
        const r = entry.boundingClientRect;
        // `rootBounds` includes the margin: the screen is the window.
        const onScreen = r.bottom > 0 && r.top < innerHeight;
        if (onScreen) {
          const m = mounters.get(entry.target);
          mounters.delete(entry.target);
          m?.();
        } else {
          nearby.push(entry.target);
        }
      }
      if (nearby.length) drainNearby();
    },
    { rootMargin: '600px 0px' },
  );
  mounters.set(e, mount);
  observer.observe(e);
}

export class CellComponent {
  readonly root: HTMLElement;
  private cell: Cell;
  private readonly hasher: Hasher;
  private readonly actions: CellActions;

  // The draft: what the editor holds, and the server code/version it started from.
  private view: EditorView | null = null;
  private baseCode: string;
  private baseVersion: number;
  private pendingDoc: string | null = null;
  /** Markdown cells: edited as their literal's body unless switched to Python. */
  private md: MarkdownCell | null;
  private editing = false;
  private asPython: boolean;
  private showHidden = false;

  private readonly nameInput: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly badges: HTMLElement;
  private readonly editedMark: HTMLElement;
  private readonly conflictBox: HTMLElement;
  private readonly editorBox: HTMLElement;
  private readonly placeholder: HTMLElement;
  private readonly mdView: HTMLElement;
  private readonly hiddenNote: HTMLElement;
  private readonly reasonBox: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly consoleBox: HTMLElement;
  private readonly outputBox: HTMLElement;
  private readonly optDisabled: HTMLInputElement;
  private readonly optHide: HTMLInputElement;
  private readonly optPersist: HTMLInputElement;

  constructor(cell: Cell, hasher: Hasher, actions: CellActions) {
    this.cell = cell;
    this.hasher = hasher;
    this.actions = actions;
    this.baseCode = cell.code;
    this.baseVersion = cell.version;
    this.md = detectMarkdown(cell.code);
    this.asPython = this.md === null;
    // One cloned template per cell, and a few listeners on its root: a
    // notebook of 1,000 cells opens without 30,000 createElement calls.
    this.root = cellTemplate().cloneNode(true) as HTMLElement;
    const q = <T extends HTMLElement>(testid: string) => this.root.querySelector(`[data-testid="${testid}"]`) as T;
    this.nameInput = q('cell-name');
    this.status = q('cell-status');
    this.badges = this.root.querySelector('.badges') as HTMLElement;
    this.editedMark = q('cell-edited');
    this.conflictBox = q('conflict');
    this.editorBox = q('editor');
    this.placeholder = this.root.querySelector('.code-placeholder') as HTMLElement;
    this.mdView = q('markdown');
    this.hiddenNote = q('show-code');
    this.reasonBox = q('reason');
    this.errorBox = q('error');
    this.consoleBox = this.root.querySelector('.console-box') as HTMLElement;
    this.outputBox = q('output');
    this.optDisabled = q('opt-disabled');
    this.optHide = q('opt-hide-code');
    this.optPersist = q('opt-persist');
    this.listen();
    whenNearViewport(this.root, () => this.mount());
    this.paint(null);
  }

  get id(): number {
    return this.cell.id;
  }

  private listen(): void {
    const id = () => this.cell.id;
    const actions: Record<string, () => void> = {
      run: () => this.actions.run(id()),
      'move-up': () => this.actions.move(id(), -1),
      'move-down': () => this.actions.move(id(), 1),
      'add-above': () => this.actions.insert(id(), 'above'),
      'add-below': () => this.actions.insert(id(), 'below'),
      delete: () => this.actions.remove(id()),
      'show-code': () => {
        this.showHidden = true;
        this.paintCode();
        this.focus();
      },
    };
    this.root.addEventListener('click', (e) => {
      const b = (e.target as Element).closest?.('[data-action]') as HTMLElement | null;
      if (b && this.root.contains(b)) actions[b.dataset.action!]?.();
    });
    this.root.addEventListener('change', (e) => {
      const t = e.target as HTMLInputElement;
      if (t === this.nameInput) {
        const name = t.value.trim();
        if (name && name !== this.cell.name) this.actions.rename(id(), name);
        else t.value = this.cell.name;
      } else if (t.dataset.option) {
        this.actions.setOption(id(), t.dataset.option as 'disabled' | 'hide_code' | 'persist', t.checked);
      }
    });
    this.nameInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.nameInput.blur();
      if (e.key === 'Escape') {
        this.nameInput.value = this.cell.name;
        this.nameInput.blur();
      }
    });
    this.placeholder.addEventListener('mousedown', (e) => {
      e.preventDefault();
      this.mount();
      this.view?.focus();
    });
    this.mdView.addEventListener('dblclick', () => {
      this.editing = true;
      this.paintCode();
      this.focus();
      // The cursor goes to the end of the text, set by the editor itself:
      // the browser's own caret from focusing a just-shown editor reaches
      // CodeMirror a moment later and could undo a key pressed meanwhile.
      const view = this.view;
      view?.dispatch({ selection: { anchor: view.state.doc.length } });
      // The browser's caret too: an editor just shown is not yet "in view"
      // for CodeMirror (its intersection observer reports at a later
      // frame), so it does not write the DOM selection, and reading the
      // focus caret (at the start) back would move a key typed meanwhile
      // to the start.
      if (view) document.getSelection()?.selectAllChildren(view.contentDOM);
      if (view) document.getSelection()?.collapseToEnd();
    });
    this.editorBox.addEventListener('focusout', (e) => {
      // Leaving a markdown cell's editor shows it rendered again; after the
      // click that left it, so the layout does not jump under the pointer.
      if (!this.md || !this.editing || this.editorBox.contains(e.relatedTarget as Node | null)) return;
      afterPointer(() => {
        if (this.md && this.editing && !this.isEdited() && !this.editorBox.contains(document.activeElement)) {
          this.editing = false;
          this.paintCode();
        }
      });
    });
  }

  /** Whether the editor holds a markdown cell's body rather than its code
   * (not for concatenated literals or f-strings that interpolate: markdown.ts). */
  private get editsBody(): boolean {
    return !this.asPython && !!this.md && !this.md.editAsCode;
  }

  /** The text the editor shows for some code (a markdown cell's body, or the code). */
  private docFor(code: string): string {
    if (this.editsBody) return detectMarkdown(code)?.body ?? code;
    return code;
  }

  private mount(): void {
    if (this.view) return;
    const doc = this.pendingDoc ?? this.docFor(this.cell.code);
    this.pendingDoc = null;
    this.placeholder.remove();
    this.view = createEditor(
      this.editorBox,
      doc,
      !this.editsBody,
      {
        run: () => this.actions.run(this.cell.id),
        runAndNext: () => this.actions.runAndFocusNext(this.cell.id),
        moveUp: () => this.actions.move(this.cell.id, -1),
        moveDown: () => this.actions.move(this.cell.id, 1),
        escape: () => this.view?.contentDOM.blur(),
      },
      () => {
        this.paintEdited();
        this.actions.draftChanged();
      },
    );
  }

  private currentDoc(): string {
    if (this.view) return this.view.state.doc.toString();
    return this.pendingDoc ?? this.docFor(this.baseCode);
  }

  private replaceDoc(doc: string): void {
    if (this.view) setDoc(this.view, doc, !this.editsBody);
    else {
      this.pendingDoc = doc;
      this.placeholder.textContent = doc;
    }
  }

  /** The code the editor's text stands for, or an error when it cannot be written back. */
  draft(): { code: string } | { error: string } {
    const doc = this.currentDoc();
    if (this.editsBody && this.md) {
      // An untouched body is the code as it is: re-wrapping it could
      // differ in layout and send a no-op edit (a new version, "unsaved").
      if (doc === this.docFor(this.baseCode)) return { code: this.baseCode };
      const code = markdownCode(this.md, doc);
      if (code === null) {
        return { error: `This text contains ${this.md.quote}, which would end the string: edit the cell as Python.` };
      }
      return { code };
    }
    return { code: doc };
  }

  isEdited(): boolean {
    const d = this.draft();
    return 'error' in d || d.code !== this.baseCode;
  }

  /**
   * What a run or save sends first: the edited code with the version it is
   * based on; null when there is no edit, or this very edit is already on
   * its way (a second send would be refused as stale by the first).
   */
  edit(): { code: string; baseVersion: number } | { error: string } | null {
    const d = this.draft();
    if ('error' in d) return d;
    if (d.code === this.baseCode) return null;
    if (this.sent && this.sent.code === d.code && this.sent.baseVersion === this.baseVersion) return null;
    this.sent = { code: d.code, baseVersion: this.baseVersion };
    return this.sent;
  }

  private sent: { code: string; baseVersion: number } | null = null;

  /** A new connection: an edit sent on the old one may never have arrived. */
  forgetSent(): void {
    this.sent = null;
  }

  focus(): void {
    this.mount();
    this.root.scrollIntoView({ block: 'nearest' });
    this.view?.focus();
  }

  flash(): void {
    this.root.classList.remove('flash');
    void this.root.offsetWidth;
    this.root.classList.add('flash');
    this.root.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  update(cell: Cell): void {
    if (cell === this.cell) return;
    const prev = this.cell;
    this.cell = cell;
    this.paint(prev);
  }

  destroy(): void {
    this.view?.destroy();
    observer?.unobserve(this.root);
    mounters.delete(this.root);
    this.root.remove();
  }

  private syncDraft(prev: Cell | null): void {
    const cell = this.cell;
    if (prev && cell.conflict && cell.conflict !== prev.conflict) {
      // Our edit was refused: show their code (the reducer already took it).
      this.adoptServerCode();
      return;
    }
    if (cell.code === this.baseCode) {
      this.baseVersion = cell.version;
      return;
    }
    const d = this.draft();
    const mine = 'code' in d ? d.code : null;
    if (mine === cell.code || mine === this.baseCode) {
      // Our own edit coming back, or nothing edited here: follow the server.
      this.adoptServerCode(mine === cell.code);
    }
    // Otherwise an edit here is based on an older version: keep it, and
    // keep its base, so sending it is refused and the conflict shows.
  }

  private adoptServerCode(keepDoc = false): void {
    const cell = this.cell;
    this.baseCode = cell.code;
    this.baseVersion = cell.version;
    const md = detectMarkdown(cell.code);
    const wasBody = this.editsBody;
    if (!md) this.asPython = true;
    else if (!this.md) this.asPython = false;
    this.md = md;
    // The editor's text is kept only if it still means the same code (a
    // cell that just became markdown now shows, and edits, its body).
    if (!keepDoc || wasBody !== this.editsBody) this.replaceDoc(this.docFor(cell.code));
  }

  private paint(prev: Cell | null): void {
    const cell = this.cell;
    this.root.dataset.cellId = String(cell.id);
    if (!prev || prev.code !== cell.code || prev.version !== cell.version || prev.conflict !== cell.conflict) {
      this.syncDraft(prev);
    }
    if (!this.view && !this.pendingDoc) this.placeholder.textContent = this.docFor(this.baseCode);
    if (!prev || prev.name !== cell.name) {
      if (document.activeElement !== this.nameInput) this.nameInput.value = cell.name;
    }
    this.optDisabled.checked = cell.disabled;
    this.optHide.checked = cell.hideCode;
    this.optPersist.checked = cell.persist;
    this.paintStatus();
    this.paintEdited();
    if (!prev || prev.conflict !== cell.conflict) this.paintConflict();
    this.paintCode();
    if (!prev || prev.reason !== cell.reason || prev.reasonAbout !== cell.reasonAbout || prev.reasonCells !== cell.reasonCells) this.paintReason();
    if (!prev || prev.error !== cell.error) this.paintError();
    if (!prev || prev.console !== cell.console) this.paintConsole();
    if (!prev || prev.outputs !== cell.outputs) this.paintOutputs(prev?.outputs ?? []);
    else if (prev.uiValues !== cell.uiValues) syncValues(cell.uiValues);
  }

  private paintStatus(): void {
    const cell = this.cell;
    this.root.dataset.status = cell.status;
    this.root.dataset.stale = String(cell.stale);
    this.root.classList.toggle('is-stale', cell.stale);
    this.root.classList.toggle('is-disabled', cell.disabled);
    this.status.textContent = STATUS_TEXT[cell.status] ?? cell.status;
    this.status.className = `status status-${cell.status}`;
    if (cell.durationMs !== null && (cell.status === 'ok' || cell.status === 'error')) {
      this.status.title = `${cell.durationMs.toFixed(1)} ms`;
    }
    this.badges.replaceChildren();
    if (cell.stale) {
      const b = el('span', 'badge badge-stale', 'badge-stale');
      b.textContent = 'stale';
      b.title = 'Its result may not match its code';
      this.badges.append(b);
    }
    if (cell.restoredAt) {
      const b = el('span', 'badge badge-restored', 'badge-restored');
      b.textContent = `restored · ${formatTime(cell.restoredAt)}`;
      b.title = `Output from the store, produced ${cell.restoredAt}`;
      this.badges.append(b, button('↻', 'Recompute', 'recompute', () => this.actions.run(this.cell.id)));
    }
    if (cell.persist) {
      const b = el('span', 'badge', 'badge-persist');
      b.textContent = 'persist';
      this.badges.append(b);
    }
  }

  private paintEdited(): void {
    this.editedMark.hidden = !this.isEdited();
    this.root.classList.toggle('is-edited', !this.editedMark.hidden);
  }

  private paintConflict(): void {
    const c = this.cell.conflict;
    this.conflictBox.replaceChildren();
    this.conflictBox.hidden = !c;
    if (!c) return;
    const text = el('span');
    text.textContent = 'This cell was changed in another tab; your edit was not applied. It now shows their code.';
    this.conflictBox.append(
      text,
      button('Use mine', 'Put your edit back (on top of their version)', 'conflict-use-mine', () => {
        this.showHidden = true;
        this.asPython = true;
        this.editing = true;
        this.paintCode();
        this.replaceDoc(c.mine);
        this.paintEdited();
        this.actions.dismissConflict(this.cell.id);
      }),
      button('Keep theirs', 'Drop your edit', 'conflict-keep-theirs', () => this.actions.dismissConflict(this.cell.id)),
    );
  }

  private paintCode(): void {
    const cell = this.cell;
    const hidden = cell.hideCode && !this.showHidden;
    const mdShown = !!this.md && !this.asPython && !this.editing && !this.isEdited();
    this.hiddenNote.hidden = !hidden || mdShown;
    this.editorBox.hidden = hidden || mdShown;
    this.mdView.hidden = !mdShown;
    this.root.classList.toggle('is-markdown', !!this.md);
    if (mdShown && this.md) {
      const text = cleandoc(this.markdownText(this.md));
      if (this.mdView.dataset.source !== text) {
        this.mdView.dataset.source = text;
        this.mdView.innerHTML = renderMarkdown(text);
        void typesetMath(this.mdView);
      }
    }
  }

  /** An f-string's text comes from the run's verified output; a plain literal's from the code. */
  private markdownText(md: MarkdownCell): string {
    if (!md.interpolated) return md.text;
    const out = this.cell.outputs.find((o) => typeof o['text/markdown'] === 'string' && verifyBundle(this.hasher, o).ok);
    // Markdown with live objects in it is drawn as its layout, below.
    if (out && LAYOUT_MIME in out) return '';
    return out ? (out['text/markdown'] as string) : md.text;
  }

  private paintReason(): void {
    const cell = this.cell;
    this.reasonBox.replaceChildren();
    this.reasonBox.hidden = !cell.reason;
    if (!cell.reason) return;
    this.reasonBox.append(cell.reason);
    if (cell.reasonCells.length > 1) {
      // A graph error involving several cells links every one of them.
      this.reasonBox.append(' → go to');
      cell.reasonCells.forEach((about, i) => {
        const link = el('a', 'cell-link', 'reason-link');
        link.href = `#cell-${about}`;
        link.textContent = ` ${this.actions.cellLabel?.(about) ?? `cell #${about}`}`;
        link.addEventListener('click', (e) => {
          e.preventDefault();
          this.actions.focusCell(about);
        });
        this.reasonBox.append(...(i ? [','] : []), link);
      });
    } else if (cell.reasonAbout !== null) {
      const about = cell.reasonAbout;
      const link = el('a', 'cell-link', 'reason-link');
      link.href = `#cell-${about}`;
      link.textContent = ' → go to that cell';
      link.addEventListener('click', (e) => {
        e.preventDefault();
        this.actions.focusCell(about);
      });
      this.reasonBox.append(link);
    }
  }

  private paintError(): void {
    const e = this.cell.error;
    this.errorBox.hidden = !e;
    this.errorBox.textContent = e ? e.traceback || `${e.type}: ${e.message}` : '';
    if (!e) return;
    // Frames in notebook cells (worker ids `c<id>`) link to that cell's line.
    const seen = new Set<string>();
    for (const f of e.frames ?? []) {
      const m = /^c(\d+)$/.exec(f.cell_id ?? '');
      if (!m || typeof f.lineno !== 'number') continue;
      const id = Number(m[1]);
      const key = `${id}:${f.lineno}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const line = f.lineno;
      const a = el('a', 'cell-link error-line', 'error-line');
      a.href = `#cell-${id}`;
      a.textContent = id === this.cell.id ? `→ line ${line}` : `→ cell ${id}, line ${line}`;
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        this.actions.focusCell(id, line);
      });
      this.errorBox.append('\n', a);
    }
  }

  /** Puts the cursor at the start of a line (1-based, clamped) and focuses the editor. */
  goToLine(line: number): void {
    this.showHidden = true;
    if (this.md && !this.asPython) {
      this.editing = true;
    }
    this.paintCode();
    this.mount();
    const view = this.view;
    if (!view) return;
    const n = Math.min(Math.max(1, line), view.state.doc.lines);
    const pos = view.state.doc.line(n).from;
    view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    view.focus();
  }

  private paintConsole(): void {
    const chunks = this.cell.console;
    this.consoleBox.replaceChildren();
    if (chunks.length) this.consoleBox.append(renderConsole(this.hasher, chunks, 'console'));
  }

  private paintOutputs(prev: readonly MimeBundle[]): void {
    const outputs = this.cell.outputs;
    // Appends keep the elements (and frames) already painted.
    const kept = prev.length <= outputs.length && prev.every((o, i) => o === outputs[i]) ? prev.length : 0;
    while (this.outputBox.children.length > kept) this.outputBox.lastChild!.remove();
    for (let i = kept; i < outputs.length; i++) {
      // A markdown cell shows its own text instead of repeating it.
      const o = outputs[i];
      if (this.md && typeof o['text/markdown'] === 'string' && !(LAYOUT_MIME in o) && outputs.length === 1 && verifyBundle(this.hasher, o).ok) {
        this.outputBox.append(el('span', 'md-output-shown'));
        if (this.md.interpolated) this.paintCode();
        continue;
      }
      this.outputBox.append(renderOutput(this.hasher, outputs[i], {
        send: (elementId, value) => this.actions.setUiValue(elementId, value),
        values: this.cell.uiValues,
      }));
    }
  }
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
