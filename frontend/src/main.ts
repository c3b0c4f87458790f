// Entry: ask the server what to open (`GET /api/session`), or take
// `?notebook=` from the page's own URL (the directory listing links there).

import './style.css';
import { Controller } from './controller';
import { prewarm } from './editor';
import { loadHasher } from './integrity';
import { showListing } from './listing';

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  // Compiled while the session is asked for, not after: it is on the way
  // to the first paint of every notebook.
  const hashing = loadHasher();
  hashing.catch(() => undefined); // a listing never awaits it
  const params = new URLSearchParams(location.search);
  let notebook = params.get('notebook');
  if (!notebook) {
    const res = await fetch('/api/session', { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`GET /api/session: ${res.status} ${res.statusText}`);
    const session = (await res.json()) as { mode: string; notebook?: string; root?: string };
    if (session.mode === 'notebook' && session.notebook) notebook = session.notebook;
    else {
      await showListing(root);
      return;
    }
  }
  const hasher = await hashing;
  const ws = new URL(`/ws?notebook=${encodeURIComponent(notebook)}`, location.href);
  ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const controller = new Controller(notebook, hasher, ws.href);
  root.replaceChildren(controller.view.root);
  controller.start();
  // While the notebook is on its way (a task of its own: a snapshot that
  // is already here is not held up by it).
  setTimeout(prewarm, 0);
  // A hook for browser tests and benchmarks (read-only use: state is immutable).
  (window as unknown as { weir: Controller }).weir = controller;
}

main().catch((err: unknown) => {
  const root = document.getElementById('app');
  const box = document.createElement('pre');
  box.className = 'fatal';
  box.dataset.testid = 'fatal';
  box.textContent = `The editor could not start: ${err instanceof Error ? err.message : String(err)}`;
  root?.replaceChildren(box);
});
