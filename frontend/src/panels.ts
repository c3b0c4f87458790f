// The side panel: the selected cell's dependencies (the cells it reads
// from and the cells that read it, with the names on each edge), the
// notebook's variables (name, type, preview, defining cell) and the
// dataflow graph. What it shows is derived from the state by the pure
// functions below; every cell it names is a link that selects the cell
// and scrolls to it.

import { button, el } from './dom';
import { cellLabel, layout, renderGraph } from './graph';
import type { Cell, NotebookState, PanelTab } from './state';

export interface PanelActions {
  /** Select a cell and bring it into view. */
  goToCell(id: number): void;
  showPanel(tab: PanelTab): void;
}

export interface Link {
  readonly id: number;
  readonly label: string;
  /** The names the edge carries (defined by the parent, read by the child). */
  readonly names: readonly string[];
}

export interface Dependencies {
  readonly id: number;
  readonly label: string;
  readonly readsFrom: readonly Link[];
  readonly readBy: readonly Link[];
}

/** The selected cell's dependencies, or null when none is selected. */
export function dependencies(state: NotebookState): Dependencies | null {
  const cells = state.cells;
  const cell = cells.find((c) => c.id === state.selected);
  if (!cell) return null;
  const byId = new Map(cells.map((c) => [c.id, c]));
  const link = (other: Cell | undefined, definer: Cell | undefined, reader: Cell | undefined): Link | null => {
    if (!other || !definer || !reader) return null;
    const reads = new Set(reader.refs);
    return { id: other.id, label: cellLabel(cells, other.id), names: definer.defs.filter((n) => reads.has(n)) };
  };
  const readsFrom = cell.parents.map((p) => link(byId.get(p), byId.get(p), cell)).filter((l): l is Link => l !== null);
  const readBy = cell.children.map((c) => link(byId.get(c), cell, byId.get(c))).filter((l): l is Link => l !== null);
  return { id: cell.id, label: cellLabel(cells, cell.id), readsFrom, readBy };
}

export interface VariableRow {
  readonly name: string;
  readonly type: string;
  readonly preview: string;
  readonly cell: number;
  readonly cellLabel: string;
}

/** Every name a cell's last run defined, sorted by name (then by cell, for a name two cells define). */
export function variableRows(state: NotebookState): VariableRow[] {
  const rows: VariableRow[] = [];
  for (const c of state.cells) {
    for (const v of c.variables) {
      rows.push({ name: v.name, type: v.type, preview: v.preview, cell: c.id, cellLabel: cellLabel(state.cells, c.id) });
    }
  }
  const order = new Map(state.cells.map((c, i) => [c.id, i]));
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : order.get(a.cell)! - order.get(b.cell)!));
}

/** Whether anything the panel shows differs (the reducer keeps unchanged fields identical). */
export function panelFactsChanged(a: readonly Cell[], b: readonly Cell[]): boolean {
  if (a === b) return false;
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x.id !== y.id || x.name !== y.name || x.defs !== y.defs || x.refs !== y.refs || x.parents !== y.parents
      || x.children !== y.children || x.variables !== y.variables) return true;
  }
  return false;
}

const TABS: [PanelTab, string][] = [
  ['dependencies', 'Dependencies'],
  ['variables', 'Variables'],
  ['graph', 'Graph'],
];

export class SidePanel {
  readonly root = el('aside', 'side-panel', 'side-panel');
  private readonly tabs = el('nav', 'panel-tabs');
  private readonly body = el('div', 'panel-body');
  private state: NotebookState | null = null;

  constructor(private readonly actions: PanelActions) {
    for (const [tab, label] of TABS) {
      const b = button(label, `Show ${label.toLowerCase()}`, `panel-tab-${tab}`, () => actions.showPanel(tab));
      b.dataset.tab = tab;
      this.tabs.append(b);
    }
    this.root.append(this.tabs, this.body);
  }

  render(state: NotebookState): void {
    const prev = this.state;
    this.state = state;
    // Outputs and console text change the cells many times a second while
    // a cell prints; the panel repaints only when what it shows changed.
    if (prev && prev.selected === state.selected && prev.panel === state.panel && !panelFactsChanged(prev.cells, state.cells)) return;
    for (const b of this.tabs.children) (b as HTMLElement).classList.toggle('active', (b as HTMLElement).dataset.tab === state.panel);
    this.root.dataset.panel = state.panel;
    this.body.replaceChildren(state.panel === 'dependencies' ? this.dependencies(state) : state.panel === 'variables' ? this.variables(state) : this.graph(state));
  }

  private link(id: number, label: string, testid: string): HTMLAnchorElement {
    const a = el('a', 'cell-link', testid);
    a.href = `#cell-${id}`;
    a.textContent = label;
    a.dataset.cellId = String(id);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      this.actions.goToCell(id);
    });
    return a;
  }

  private dependencies(state: NotebookState): HTMLElement {
    const box = el('div', 'deps', 'deps-panel');
    const deps = dependencies(state);
    if (!deps) {
      const p = el('p', 'muted');
      p.textContent = 'Select a cell to see what it reads from and what reads it.';
      box.append(p);
      return box;
    }
    const title = el('h3', 'panel-title', 'deps-cell');
    title.textContent = deps.label;
    box.append(title);
    const section = (heading: string, links: readonly Link[], testid: string) => {
      const h = el('h4');
      h.textContent = heading;
      const list = el('ul', 'dep-list', testid);
      if (!links.length) {
        const li = el('li', 'muted');
        li.textContent = 'none';
        list.append(li);
      }
      for (const l of links) {
        const li = el('li');
        li.append(this.link(l.id, l.label, 'dep-link'));
        if (l.names.length) {
          const names = el('code', 'dep-names');
          names.textContent = l.names.join(', ');
          li.append(' ', names);
        }
        list.append(li);
      }
      box.append(h, list);
    };
    section('Reads from', deps.readsFrom, 'reads-from');
    section('Read by', deps.readBy, 'read-by');
    return box;
  }

  private variables(state: NotebookState): HTMLElement {
    const rows = variableRows(state);
    const box = el('div', 'vars', 'variables-panel');
    if (!rows.length) {
      const p = el('p', 'muted');
      p.textContent = 'No variables yet: they appear when cells run.';
      box.append(p);
      return box;
    }
    const table = el('table', 'var-table');
    const head = el('tr');
    for (const h of ['Name', 'Type', 'Value', 'Cell']) {
      const th = el('th');
      th.textContent = h;
      head.append(th);
    }
    table.append(head);
    for (const r of rows) {
      const tr = el('tr', '', 'variable');
      tr.dataset.name = r.name;
      const name = el('td', 'var-name');
      name.textContent = r.name;
      const type = el('td', 'var-type', 'variable-type');
      type.textContent = r.type;
      const preview = el('td', 'var-preview');
      preview.textContent = r.preview;
      preview.title = r.preview;
      const cell = el('td', 'var-cell');
      cell.append(this.link(r.cell, r.cellLabel, 'variable-cell'));
      tr.append(name, type, preview, cell);
      table.append(tr);
    }
    box.append(table);
    return box;
  }

  private graph(state: NotebookState): HTMLElement {
    const box = el('div', 'graph', 'graph-panel');
    if (!state.cells.length) return box;
    box.append(renderGraph(layout(state.cells), state.selected, (id) => this.actions.goToCell(id)));
    return box;
  }
}
