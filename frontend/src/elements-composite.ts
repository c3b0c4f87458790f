// Elements made of others or of data (weir.ui table, form, array,
// dictionary), built like the simple ones in elements.ts: from data, every
// string as text. `render` is elements.ts's renderElement, passed in so the
// two files do not import each other.

import type { ElementContext, ElementData } from './elements';

type Render = (data: ElementData, ctx: ElementContext | null) => HTMLElement;

function child(value: unknown): ElementData | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const d = value as Record<string, unknown>;
  if (typeof d.id !== 'string' || typeof d.kind !== 'string') return null;
  const props = typeof d.props === 'object' && d.props !== null && !Array.isArray(d.props) ? (d.props as Record<string, unknown>) : {};
  return { id: d.id, kind: d.kind, label: typeof d.label === 'string' ? d.label : '', props, value: d.value };
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A table: rows from data, a page at a time; the selected row indices are the value. */
function renderTable(data: ElementData, value: unknown, ctx: ElementContext | null, into: HTMLElement): void {
  const p = data.props;
  const columns = Array.isArray(p.columns) ? p.columns.map(cellText) : [];
  const rows = Array.isArray(p.rows) ? p.rows.filter(Array.isArray) as unknown[][] : [];
  const mode = p.selection === 'single' || p.selection === 'multi' ? p.selection : null;
  const pageSize = typeof p.page_size === 'number' && p.page_size > 0 ? p.page_size : 10;
  const paged = p.pagination === true;
  let selected = new Set<number>(Array.isArray(value) ? value.filter((i): i is number => typeof i === 'number') : []);
  let page = 0;
  const pages = Math.max(1, Math.ceil(rows.length / (paged ? pageSize : Math.max(rows.length, 1))));
  const table = document.createElement('table');
  table.className = 'ui-table-grid';
  const nav = document.createElement('div');
  nav.className = 'ui-table-nav';
  const paint = () => {
    table.replaceChildren();
    const head = table.createTHead().insertRow();
    if (mode) head.append(document.createElement('th'));
    for (const c of columns) {
      const th = document.createElement('th');
      th.textContent = c;
      head.append(th);
    }
    const body = table.createTBody();
    const start = paged ? page * pageSize : 0;
    const end = paged ? Math.min(rows.length, start + pageSize) : rows.length;
    for (let i = start; i < end; i++) {
      const tr = body.insertRow();
      tr.dataset.row = String(i);
      if (selected.has(i)) tr.classList.add('selected');
      if (mode) {
        const td = tr.insertCell();
        const box = document.createElement('input');
        box.type = mode === 'single' ? 'radio' : 'checkbox';
        box.name = `weir-table-${data.id}`;
        box.checked = selected.has(i);
        box.disabled = !ctx;
        box.setAttribute('aria-label', `select row ${i + 1}`);
        box.addEventListener('change', () => {
          if (mode === 'single') selected = new Set(box.checked ? [i] : []);
          else if (box.checked) selected.add(i);
          else selected.delete(i);
          ctx?.send(data.id, [...selected].sort((a, b) => a - b));
          paint();
        });
        td.append(box);
      }
      for (const v of rows[i]) tr.insertCell().textContent = cellText(v);
    }
    nav.replaceChildren();
    if (paged && pages > 1) {
      const prev = document.createElement('button');
      prev.type = 'button';
      prev.textContent = '‹';
      prev.disabled = page === 0;
      prev.addEventListener('click', () => { page--; paint(); });
      const next = document.createElement('button');
      next.type = 'button';
      next.textContent = '›';
      next.disabled = page >= pages - 1;
      next.addEventListener('click', () => { page++; paint(); });
      const where = document.createElement('span');
      where.textContent = `page ${page + 1} of ${pages}`;
      nav.append(prev, where, next);
    }
    const total = typeof p.total_rows === 'number' ? p.total_rows : rows.length;
    if (total > rows.length) {
      const note = document.createElement('span');
      note.className = 'note';
      note.textContent = ` (first ${rows.length} of ${total} rows)`;
      nav.append(note);
    }
  };
  paint();
  into.append(table, nav);
}

export function renderComposite(data: ElementData, value: unknown, ctx: ElementContext | null, into: HTMLElement, render: Render): boolean {
  const p = data.props;
  switch (data.kind) {
    case 'table':
      renderTable(data, value, ctx, into);
      return true;
    case 'form': {
      const inner = child(p.element);
      if (!inner) return false;
      let pending: unknown = inner.value;
      const box = document.createElement('div');
      box.className = p.bordered === false ? 'ui-form' : 'ui-form bordered';
      box.append(render(inner, ctx && {
        send: (_id, v) => { pending = v; },
        values: {},
      }));
      const submit = document.createElement('button');
      submit.type = 'button';
      submit.className = 'ui-button ui-submit';
      submit.dataset.testid = 'ui-submit';
      submit.textContent = typeof p.submit_button_label === 'string' ? p.submit_button_label : 'Submit';
      submit.disabled = !ctx || p.submit_button_disabled === true;
      submit.addEventListener('click', () => ctx?.send(data.id, pending));
      box.append(submit);
      into.append(box);
      return true;
    }
    case 'array':
    case 'dictionary': {
      const kids = (Array.isArray(p.elements) ? p.elements : []).map(child);
      if (kids.some((k) => !k)) return false;
      const keys = data.kind === 'dictionary' && Array.isArray(p.keys) ? p.keys.map(cellText) : kids.map((_, i) => String(i));
      const current: unknown[] = kids.map((k, i) => {
        if (data.kind === 'array' && Array.isArray(value)) return value[i];
        if (data.kind === 'dictionary' && value && typeof value === 'object') return (value as Record<string, unknown>)[keys[i]];
        return k!.value;
      });
      const box = document.createElement('div');
      box.className = `ui-${data.kind}-items`;
      kids.forEach((k, i) => {
        const values: Record<string, unknown> = { [k!.id]: current[i] };
        box.append(render(k!, ctx && {
          send: (_id, v) => {
            current[i] = v;
            const whole = data.kind === 'array' ? current.slice() : Object.fromEntries(keys.map((key, j) => [key, current[j]]));
            ctx.send(data.id, whole);
          },
          values,
        }));
      });
      into.append(box);
      return true;
    }
    default:
      return false;
  }
}
