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
