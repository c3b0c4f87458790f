// weir.ui's timer (refresh) and upload (file) controls, as elements.ts
// builds the others: from data, strings as text.

type Send = ((value: unknown) => void) | null;

/** A timer: choose an interval (or off); each tick sends the next count.
 * It stops by itself once its element has left the page. */
export function renderRefresh(
  data: { props: Readonly<Record<string, unknown>> }, value: unknown, send: Send, label: HTMLElement, root: HTMLElement,
): void {
  const p = data.props;
  const names = Array.isArray(p.options) ? p.options.map(String) : [];
  const seconds = Array.isArray(p.seconds) ? p.seconds.filter((s): s is number => typeof s === 'number' && s >= 0.1) : [];
  let ticks = typeof value === 'number' ? value : 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  const select = document.createElement('select');
  select.disabled = !send;
  const off = document.createElement('option');
  off.value = '';
  off.textContent = 'off';
  select.append(off);
  seconds.forEach((s, i) => {
    const o = document.createElement('option');
    o.value = String(s);
    o.textContent = names[i] ?? `${s}s`;
    select.append(o);
  });
  const count = document.createElement('span');
  count.className = 'ui-value';
  count.textContent = String(ticks);
  const start = (s: number | null) => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (s === null || !send) return;
    timer = setInterval(() => {
      if (!root.isConnected && timer !== null) {
        clearInterval(timer);
        return;
      }
      ticks += 1;
      count.textContent = String(ticks);
      send(ticks);
    }, s * 1000);
  };
  select.addEventListener('change', () => start(select.value ? Number(select.value) : null));
  const initial = typeof p.default_seconds === 'number' ? p.default_seconds : null;
  if (initial !== null) {
    select.value = String(initial);
    // Started once the element is on the page (a tick never fires for a
    // control that was never shown).
    queueMicrotask(() => root.isConnected && start(initial));
  }
  label.append(select, count);
}

/** Largest upload sent in one message (the server takes 4 MiB messages;
 * base64 adds a third). */
export const MAX_UPLOAD_BYTES = 3 * 1024 * 1024 - 4096;

function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** An upload: the chosen files' names and contents (base64) are the value. */
export function renderFile(data: { props: Readonly<Record<string, unknown>> }, value: unknown, send: Send, label: HTMLElement): void {
  const p = data.props;
  const i = document.createElement('input');
  i.type = 'file';
  i.disabled = !send;
  i.multiple = p.multiple === true;
  if (Array.isArray(p.filetypes)) i.accept = p.filetypes.filter((t) => typeof t === 'string').join(',');
  const note = document.createElement('span');
  note.className = 'ui-value';
  const names = Array.isArray(value) ? value.map((f) => (f && typeof f === 'object' ? String((f as { name?: unknown }).name ?? '') : '')) : [];
  note.textContent = names.join(', ');
  i.addEventListener('change', async () => {
    const files = [...(i.files ?? [])];
    const total = files.reduce((n, f) => n + f.size, 0);
    if (total > MAX_UPLOAD_BYTES) {
      note.textContent = `too large: ${total} bytes (at most ${MAX_UPLOAD_BYTES})`;
      return;
    }
    const payload = await Promise.all(files.map(async (f) => ({ name: f.name, contents: base64(new Uint8Array(await f.arrayBuffer())) })));
    note.textContent = files.map((f) => f.name).join(', ');
    send?.(payload);
  });
  label.append(i, note);
}

type Grid<T> = readonly (readonly T[])[];
const grid = <T>(v: unknown, ok: (x: unknown) => x is T): Grid<T> | null =>
  Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every(ok)) ? (v as T[][]) : null;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';

/**
 * `matrix`: a grid of number fields (marimo's `mo.ui.matrix`); the value
 * is the whole grid, sent when a field changes. Per-cell bounds, steps and
 * disabled cells come as grids; `symmetric` mirrors [i][j] into [j][i].
 */
export function renderMatrix(data: { props: Readonly<Record<string, unknown>> }, value: unknown, send: Send, label: HTMLElement): void {
  const p = data.props;
  const values = grid(value, isNum);
  if (!values || values.length === 0) return;
  const current = values.map((r) => [...r]);
  const low = grid(p.min_value, isNum);
  const high = grid(p.max_value, isNum);
  const step = grid(p.step, isNum);
  const off = grid(p.disabled, isBool);
  const rowLabels = Array.isArray(p.row_labels) ? p.row_labels.map(String) : null;
  const colLabels = Array.isArray(p.column_labels) ? p.column_labels.map(String) : null;
  const precision = typeof p.precision === 'number' ? p.precision : 3;
  const show = (x: number) => (p.scientific === true ? x.toExponential(precision) : String(Number(x.toFixed(precision))));
  const table = document.createElement('table');
  table.className = 'ui-matrix';
  table.dataset.testid = 'ui-matrix';
  if (colLabels) {
    const head = table.insertRow();
    if (rowLabels) head.insertCell();
    for (const c of colLabels) head.insertCell().textContent = c;
  }
  const inputs: HTMLInputElement[][] = [];
  current.forEach((row, i) => {
    const tr = table.insertRow();
    if (rowLabels) tr.insertCell().textContent = rowLabels[i] ?? '';
    inputs.push(row.map((x, j) => {
      const input = document.createElement('input');
      input.type = 'number';
      input.value = show(x);
      input.dataset.row = String(i);
      input.dataset.col = String(j);
      if (low) input.min = String(low[i][j]);
      if (high) input.max = String(high[i][j]);
      if (step) input.step = String(step[i][j]);
      input.disabled = !send || off?.[i]?.[j] === true;
      input.addEventListener('change', () => {
        const v = Number(input.value);
        const outside = (low && v < low[i][j]) || (high && v > high[i][j]);
        if (input.value === '' || !Number.isFinite(v) || outside) {
          input.value = show(current[i][j]);
          return;
        }
        current[i][j] = v;
        if (p.symmetric === true && i !== j && current[j]) {
          current[j][i] = v;
          inputs[j][i].value = show(v);
        }
        send?.(current.map((r) => [...r]));
      });
      tr.insertCell().append(input);
      return input;
    }));
  });
  label.append(table);
}
