// A stand-in for `weir edit` that speaks docs/editor-protocol.md well
// enough to drive the built page in a browser without Rust or Python: a
// toy kernel that "runs" a few recognisable kinds of code. For the
// front end's browser test only; the real server is crates/server.
//
// Usage: node mock/server.mjs [PORT]  (prints `listening http://127.0.0.1:PORT/`)
// Test hooks (POST): /mock/file_changed, /mock/external_edit?id=N&code=...,
// /mock/drop (closes every socket), /mock/gap (sends an event with a
// skipped number); GET /mock/log (client messages received, as JSON).

import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBLAKE2b } from 'hash-wasm';
import { WebSocketServer } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const port = Number(process.argv[2] ?? 0);

const b2 = await createBLAKE2b(256);
const enc = new TextEncoder();
const hex = (bytes) => {
  b2.init();
  b2.update(bytes);
  return b2.digest('hex');
};
// The contract's rule, written out again independently of src/integrity.ts:
// BLAKE2b-256 of the canonical JSON (keys in UTF-16 order, JSON.stringify's
// strings and numbers) of the bundle without its `hash`.
const canon = (v) =>
  v === null || typeof v !== 'object' ? JSON.stringify(v)
    : Array.isArray(v) ? `[${v.map(canon).join(',')}]`
      : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
function hashBundle(bundle) {
  const { hash: _, ...rest } = bundle;
  return hex(enc.encode(canon(rest)));
}
const withHash = (bundle) => ({ ...bundle, hash: hashBundle(bundle) });
const textHash = (text) => hex(enc.encode(text));

// ---- the toy kernel ----
let seq = 0;
let mode = 'autorun';
let nextId = 3;
let dirty = false;
const events = [];
const cells = [
  { id: 1, name: '_', code: 'x = 1', hide_code: false, disabled: false, persist: false, version: 1, status: 'ok', stale: false, outputs: [], console: [], error: null, reason: null, reason_about: null, restored_at: null },
  { id: 2, name: 'intro', code: 'mo.md(r"""\n# Hello from markdown\n\nSome *text*.\n""")', hide_code: false, disabled: false, persist: false, version: 1, status: 'idle', stale: false, outputs: [], console: [], error: null, reason: null, reason_about: null, restored_at: null },
];
// MOCK_CELLS=N adds N plain cells (for timing how fast a big notebook opens).
for (let i = 0; i < Number(process.env.MOCK_CELLS ?? 0); i++) {
  cells.push({ id: nextId++, name: `c${i}`, code: `v${i} = ${i}\nprint(v${i})`, hide_code: false, disabled: false, persist: false, version: 1, status: 'ok', stale: false, outputs: [withHash({ 'text/plain': String(i) })], console: [], error: null, reason: null, reason_about: null, restored_at: null });
}
const sockets = new Set();
const log = [];

const find = (id) => cells.find((c) => c.id === id);
function publish(body) {
  const event = { seq: ++seq, ...body };
  events.push(event);
  for (const ws of sockets) if (ws.ready) ws.send(JSON.stringify({ type: 'event', event }));
}
const snapshot = () => ({ type: 'snapshot', seq, mode, cells, running: null, console: [], dirty, changed_on_disk: fileChanged, path: 'demo.py' });

function execute(cell) {
  publish({ type: 'started', id: cell.id });
  Object.assign(cell, { status: 'running', outputs: [], console: [], error: null, reason: null, stale: false });
  const code = cell.code.trim();
  const last = code.split('\n').pop().trim();
  let outputs = [];
  let error = null;
  let status = 'ok';
  const printed = /^print\((['"])(.*)\1\)$/.exec(last);
  if (printed) {
    const text = `${printed[2]}\n`;
    publish({ type: 'stream', id: cell.id, stream: 'stdout', text, hash: textHash(text) });
    cell.console.push({ stream: 'stdout', text, hash: textHash(text) });
  } else if (/^[\d\s+\-*/().]+$/.test(last)) {
    outputs = [withHash({ 'text/plain': String(Function(`return (${last})`)()) })];
  } else if (last.startsWith('html:')) {
    outputs = [withHash({ 'text/html': last.slice(5), 'text/plain': '<html>' })];
  } else if (last.startsWith('bundle:')) {
    // A whole MIME bundle as JSON (layouts: application/vnd.weir.layout+json).
    outputs = [withHash(JSON.parse(last.slice(7)))];
  } else if (last === 'corrupt') {
    const good = withHash({ 'text/plain': 'the real value' });
    outputs = [{ ...good, 'text/plain': 'a tampered value' }];
  } else if (last === 'raise' || code.endsWith('\nraise')) {
    status = 'error';
    error = { type: 'ZeroDivisionError', message: 'division by zero', traceback: 'Traceback (most recent call last):\n  Cell _, line 2, in <module>\nZeroDivisionError: division by zero', frames: [{ filename: `cell ${cell.id}`, lineno: 2, function: '<module>', cell_id: `c${cell.id}`, line: '1 / 0' }] };
  } else if (last === 'skip') {
    // As the kernel reports a cell whose ancestor raised: a reason and the cell it is about.
    publish({ type: 'skipped', id: cell.id, status: 'not_run', reason: 'An ancestor raised ZeroDivisionError', reason_kind: 'ancestor_raised', about: cells[0].id });
    Object.assign(cell, { status: 'not_run', reason: 'An ancestor raised ZeroDivisionError', reason_about: cells[0].id });
    return;
  } else if (/^mo\.md\(f/.test(code) && code.includes('{live}')) {
    // As the worker renders markdown with an element interpolated.
    outputs = [withHash({
      'application/vnd.weir.layout+json': { kind: 'markdown', props: { text: 'pick <span data-weir-slot="0"></span>' }, children: [{ 'text/plain': 'LIVE-CHILD' }] },
      'text/markdown': 'pick LIVE-CHILD',
    })];
  } else if (/^mo\.md\(/.test(code)) {
    outputs = [];
  } else if (!/=/.test(last) && last) {
    outputs = [withHash({ 'text/plain': `ran: ${last}` })];
  }
  publish({ type: 'finished', id: cell.id, status, duration_ms: 0.5, outputs, error });
  Object.assign(cell, { status, outputs, error });
}

function runCells(ids) {
  if (ids.length) publish({ type: 'queued', ids });
  for (const id of ids) {
    const c = find(id);
    if (c) execute(c);
  }
  publish({ type: 'idle' });
}

function handle(ws, msg) {
  const reply = (body) => ws.send(JSON.stringify({ req: msg.req, ...body }));
  const c = typeof msg.id === 'number' ? find(msg.id) : undefined;
  switch (msg.type) {
    case 'hello': {
      ws.ready = true;
      if (typeof msg.since === 'number' && msg.since <= seq && events.some((e) => e.seq === msg.since + 1 || msg.since === seq)) {
        reply({ type: 'ok', resumed: true, seq });
        for (const event of events.filter((e) => e.seq > msg.since)) ws.send(JSON.stringify({ type: 'event', event }));
      } else {
        ws.send(JSON.stringify(snapshot()));
      }
      return;
    }
    case 'set_code': {
      if (!c) return reply({ type: 'refused', reason: 'unknown_cell', message: `no cell ${msg.id}` });
      if (msg.base_version !== c.version) {
        return reply({ type: 'refused', reason: 'stale_version', message: 'The cell changed since your edit began.', id: c.id, code: c.code, version: c.version });
      }
      if (msg.code_hash !== textHash(msg.code)) return reply({ type: 'refused', reason: 'hash_mismatch', message: 'code_hash does not match the code' });
      c.code = msg.code;
      c.version += 1;
      dirty = true;
      publish({ type: 'cell_code', id: c.id, code: c.code, version: c.version });
      reply({ type: 'ok', id: c.id, version: c.version });
      c.stale = true;
      publish({ type: 'stale', ids: [c.id] });
      // As the kernel: in autorun an edit runs the cell (and its dependents) at once.
      if (mode === 'autorun') runCells([c.id]);
      return;
    }
    case 'run':
      reply({ type: 'ok' });
      return runCells(msg.ids);
    case 'run_stale':
      reply({ type: 'ok' });
      return runCells(cells.filter((x) => x.stale).map((x) => x.id));
    case 'run_all':
      reply({ type: 'ok' });
      return runCells(cells.map((x) => x.id));
    case 'insert': {
      const cell = { id: nextId++, name: msg.name ?? '_', code: msg.code, hide_code: false, disabled: false, persist: false, version: 1, status: 'idle', stale: false, outputs: [], console: [], error: null, reason: null, reason_about: null, restored_at: null };
      const index = Math.min(msg.index, cells.length);
      cells.splice(index, 0, cell);
      dirty = true;
      publish({ type: 'cell_inserted', index, cell: { id: cell.id, name: cell.name, code: cell.code, hide_code: false, disabled: false, persist: false, version: 1 } });
      return reply({ type: 'ok', id: cell.id });
    }
    case 'delete': {
      if (!c) return reply({ type: 'refused', reason: 'unknown_cell', message: `no cell ${msg.id}` });
      const index = cells.indexOf(c);
      cells.splice(index, 1);
      dirty = true;
      publish({ type: 'cell_deleted', id: c.id });
      return reply({ type: 'ok', code: c.code, name: c.name, index, options: { disabled: c.disabled, hide_code: c.hide_code, persist: c.persist } });
    }
    case 'move': {
      if (!c) return reply({ type: 'refused', reason: 'unknown_cell', message: `no cell ${msg.id}` });
      cells.splice(cells.indexOf(c), 1);
      cells.splice(Math.min(msg.index, cells.length), 0, c);
      dirty = true;
      publish({ type: 'cell_moved', id: c.id, index: msg.index });
      return reply({ type: 'ok' });
    }
    case 'rename':
      if (!c) return reply({ type: 'refused', reason: 'unknown_cell', message: `no cell ${msg.id}` });
      c.name = msg.name;
      dirty = true;
      publish({ type: 'cell_renamed', id: c.id, name: c.name });
      return reply({ type: 'ok' });
    case 'set_options':
      if (!c) return reply({ type: 'refused', reason: 'unknown_cell', message: `no cell ${msg.id}` });
      for (const k of ['disabled', 'hide_code', 'persist']) if (typeof msg[k] === 'boolean') c[k] = msg[k];
      dirty = true;
      publish({ type: 'cell_options', id: c.id, hide_code: c.hide_code, disabled: c.disabled, persist: c.persist });
      return reply({ type: 'ok' });
    case 'set_mode':
      mode = msg.mode;
      publish({ type: 'mode_changed', mode });
      return reply({ type: 'ok' });
    case 'save':
      if (fileChanged && !msg.force) return reply({ type: 'refused', reason: 'changed_on_disk', message: 'demo.py changed on disk since it was loaded' });
      fileChanged = false;
      dirty = false;
      {
        // As the server: the saver gets `saved` with its `req`, every other client `saved` without.
        const saved = { type: 'saved', path: 'demo.py', hash: textHash(cells.map((x) => x.code).join('\n')) };
        for (const s of sockets) if (s !== ws) s.send(JSON.stringify(saved));
        savedForced = savedForced || !!msg.force;
        return reply(saved);
      }
    case 'interrupt':
    case 'reload':
      return reply({ type: 'ok' });
    case 'restart':
      publish({ type: 'worker_restarted' });
      return reply({ type: 'ok' });
    default:
      return reply({ type: 'error', message: `unknown message type ${JSON.stringify(msg.type)}` });
  }
}

let fileChanged = false;
let savedForced = false;

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const cspHashes = JSON.parse(readFileSync(join(dist, 'csp.json'), 'utf8')).script_src_hashes.join(' ');
const CSP = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${cspHashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'`;

// MOCK_ISOLATED=1: the headers `weir edit` sends for cross-origin isolation
// (the page then holds its socket in the worker); without, the fallback.
const ISOLATION = process.env.MOCK_ISOLATED === '1'
  ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'credentialless', 'cross-origin-resource-policy': 'same-origin' }
  : {};

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP, 'cache-control': 'no-store', ...ISOLATION });
    res.end(body);
  };
  if (req.method === 'POST' && url.pathname.startsWith('/mock/')) {
    const what = url.pathname.slice(6);
    if (what === 'file_changed') {
      fileChanged = true;
      for (const s of sockets) s.send(JSON.stringify({ type: 'file_changed', path: 'demo.py' }));
    } else if (what === 'external_edit') {
      const c = find(Number(url.searchParams.get('id')));
      c.code = url.searchParams.get('code');
      c.version += 1;
      publish({ type: 'cell_code', id: c.id, code: c.code, version: c.version });
    } else if (what === 'drop') {
      for (const s of sockets) s.terminate();
    } else if (what === 'gap') {
      seq += 1; // a number no client will see
      publish({ type: 'idle' });
    } else if (what === 'restore') {
      // As if the notebook were opened afresh with this cell's last output from the store.
      const c = find(Number(url.searchParams.get('id')));
      Object.assign(c, { persist: true, status: 'ok', outputs: [withHash({ 'text/plain': 'from the store' })], restored_at: '2026-01-02T03:04:05Z' });
    } else if (what === 'quiet_event') {
      // An event while every socket is down: a reconnect must fetch it with `since`.
      publish({ type: 'cell_renamed', id: Number(url.searchParams.get('id')), name: url.searchParams.get('name') });
      find(Number(url.searchParams.get('id'))).name = url.searchParams.get('name');
    }
    return send(200, 'application/json', JSON.stringify({ ok: true, savedForced }));
  }
  if (url.pathname === '/mock/log') return send(200, 'application/json', JSON.stringify(log));
  if (url.pathname === '/api/session') {
    // MOCK_MODE=directory: `weir edit DIR`, the page lists notebooks to pick.
    const session = process.env.MOCK_MODE === 'directory' ? { mode: 'directory', root: '/nb' } : { mode: 'notebook', notebook: 'demo.py' };
    return send(200, 'application/json', JSON.stringify(session));
  }
  if (url.pathname === '/api/notebooks' && req.method === 'GET') {
    return send(200, 'application/json', JSON.stringify({ root: '/nb', notebooks: [{ path: 'demo.py', size: 120 }] }));
  }
  if (url.pathname === '/api/notebooks' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      log.push({ type: 'http_create', body: JSON.parse(body) });
      send(200, 'application/json', JSON.stringify({ path: JSON.parse(body).path }));
    });
    return;
  }
  const rel = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^[/\\]+/, '');
  const file = join(dist, rel);
  if (!file.startsWith(dist) || !existsSync(file)) return send(404, 'text/plain', 'not found');
  send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/ws' || url.searchParams.get('notebook') !== 'demo.py') return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return ws.send(JSON.stringify({ type: 'error', message: 'not JSON' }));
      }
      log.push(msg);
      handle(ws, msg);
    });
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}/`);
});
