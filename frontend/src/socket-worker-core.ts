// The socket worker's logic (the entry, `socket-worker.ts`, only wires it to
// the worker's global scope and the real WebSocket; tests drive it with
// fakes). The worker holds the page's WebSockets, off the main thread,
// whose ordinary tasks Chromium defers after a key press until the next
// frame: a reply that arrives here is in shared memory at once, and the
// page reads it in its next animation-frame callback. See
// docs/editor-protocol.md, "The page's socket".
//
// Every event of every socket (open, message, error, close) gets the next
// number. A text message goes into the ring (`ring.ts`) when it fits, then
// a `poke` is posted (the page pumps on it if no frame comes first); one
// that does not fit, and every other event, is posted whole with its
// number. The page applies them strictly by number.

import { RingWriter } from './ring';

/** From the page. */
export type ToWorker =
  | { op: 'init'; buffer: SharedArrayBuffer }
  | { op: 'open'; id: number; url: string }
  | { op: 'send'; id: number; data: string }
  | { op: 'close'; id: number; code?: number; reason?: string };

/** To the page. */
export type FromWorker =
  | { op: 'poke'; seq: number }
  | { op: 'event'; seq: number; id: number; kind: 'open' | 'error' | 'close'; code?: number }
  | { op: 'event'; seq: number; id: number; kind: 'message'; data: unknown };

export interface WorkerScope {
  postMessage(msg: FromWorker): void;
  onmessage: ((ev: { data: ToWorker }) => void) | null;
}

export interface RawSocket {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export function serveSockets(scope: WorkerScope, makeSocket: (url: string) => RawSocket): void {
  let ring: RingWriter | null = null;
  let seq = 0;
  const sockets = new Map<number, RawSocket>();
  const encoder = new TextEncoder();

  const post = (id: number, kind: 'open' | 'error' | 'close', code?: number) =>
    scope.postMessage(code === undefined ? { op: 'event', seq: seq++, id, kind } : { op: 'event', seq: seq++, id, kind, code });

  const received = (id: number, data: unknown) => {
    const n = seq++;
    if (ring && typeof data === 'string') {
      const bytes = encoder.encode(data);
      if (ring.fits(bytes.length) && ring.writeBytes(n, id, bytes)) {
        scope.postMessage({ op: 'poke', seq: n });
        return;
      }
    }
    scope.postMessage({ op: 'event', seq: n, id, kind: 'message', data });
  };

  scope.onmessage = (ev) => {
    const m = ev.data;
    switch (m.op) {
      case 'init':
        ring = new RingWriter(m.buffer);
        break;
      case 'open': {
        let s: RawSocket;
        try {
          s = makeSocket(m.url);
        } catch {
          post(m.id, 'error');
          post(m.id, 'close', 1006);
          return;
        }
        sockets.set(m.id, s);
        s.onopen = () => post(m.id, 'open');
        s.onmessage = (e) => received(m.id, e.data);
        s.onerror = () => post(m.id, 'error');
        s.onclose = (e) => {
          sockets.delete(m.id);
          post(m.id, 'close', e?.code);
        };
        break;
      }
      case 'send':
        sockets.get(m.id)?.send(m.data);
        break;
      case 'close':
        sockets.get(m.id)?.close(m.code, m.reason);
        break;
    }
  };
}
