// How the page's WebSocket is held (docs/editor-protocol.md, "The page's
// socket"). Two ways, one interface (`SocketLike` sockets for
// `Connection`, and `pump()` for the controller's frame):
//
// - `worker`: the socket lives in a dedicated worker (`socket-worker.ts`),
//   which copies each message into a SharedArrayBuffer ring (`ring.ts`).
//   `pump()` reads what has arrived, synchronously; the controller calls it
//   at the start of its animation-frame callback, so a reply that arrived
//   before a frame is painted in that frame. (After a key press Chromium
//   defers the page's ordinary tasks, WebSocket messages included, until the
//   next frame has been produced; animation-frame callbacks are not
//   deferred.) The worker also posts a `poke` per message, on which the page
//   pumps too, so a message is never left waiting for a frame nobody asked
//   for.
// - `main`: the ordinary WebSocket on the main thread; `pump()` does
//   nothing. Used when the page is not cross-origin isolated (no
//   SharedArrayBuffer: e.g. `weir edit --host 0.0.0.0` reached over plain
//   HTTP from another machine, which is not a secure context), when Worker
//   is missing, or when the worker could not start.

import type { SocketLike } from './connection';
import { RingReader, ringBuffer } from './ring';
import type { FromWorker, ToWorker } from './socket-worker-core';

export type TransportKind = 'worker' | 'main';

export interface Transport {
  /** Which way the sockets are held now (a worker that failed falls back to `main`). */
  readonly kind: TransportKind;
  socket(url: string): SocketLike;
  /** Delivers, in order, what has arrived and not been delivered; returns how many. */
  pump(): number;
}

/** The part of a Worker this uses (a fake in tests). */
export interface WorkerLike {
  postMessage(msg: ToWorker): void;
  onmessage: ((ev: { data: FromWorker }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  terminate(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class MainThreadTransport implements Transport {
  readonly kind = 'main';
  constructor(private readonly make: (url: string) => SocketLike = (url) => new WebSocket(url) as unknown as SocketLike) {}
  socket(url: string): SocketLike {
    return this.make(url);
  }
  pump(): number {
    return 0;
  }
}

/** A socket held by the worker, as `Connection` sees it. */
export class WorkerSocket implements SocketLike {
  readyState = CONNECTING;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(
    readonly id: number,
    private readonly transport: WorkerTransport,
  ) {}
  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('WorkerSocket.send: the socket is not open');
    this.transport.post({ op: 'send', id: this.id, data });
  }
  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    this.readyState = CLOSING;
    this.transport.post({ op: 'close', id: this.id, code, reason });
  }
}

type Posted = Extract<FromWorker, { op: 'event' }>;

export class WorkerTransport implements Transport {
  private readonly ring: RingReader;
  private readonly sockets = new Map<number, WorkerSocket>();
  /** Events that came by postMessage, by number, until their turn. */
  private readonly posted = new Map<number, Posted>();
  /** The number of the next event to deliver. */
  private next = 0;
  private nextId = 1;
  private failed = false;
  private pumping = false;
  private readonly fallback: MainThreadTransport;

  constructor(
    private readonly worker: WorkerLike,
    buffer: SharedArrayBuffer,
    fallback?: MainThreadTransport,
  ) {
    this.fallback = fallback ?? new MainThreadTransport();
    this.ring = new RingReader(buffer);
    worker.onmessage = (ev) => {
      const m = ev.data;
      if (m.op === 'event') this.posted.set(m.seq, m);
      this.pump();
    };
    // The worker could not load or died: every socket it held is closed
    // (the connection reconnects, and from then on on the main thread).
    worker.onerror = () => this.fail();
    worker.postMessage({ op: 'init', buffer });
  }

  get kind(): TransportKind {
    return this.failed ? 'main' : 'worker';
  }

  socket(url: string): SocketLike {
    if (this.failed) return this.fallback.socket(url);
    const s = new WorkerSocket(this.nextId++, this);
    this.sockets.set(s.id, s);
    this.post({ op: 'open', id: s.id, url });
    return s;
  }

  post(msg: ToWorker): void {
    if (!this.failed) this.worker.postMessage(msg);
  }

  pump(): number {
    // A handler that pumps again (it should not) would deliver out of turn.
    if (this.pumping) return 0;
    this.pumping = true;
    let n = 0;
    try {
      for (;;) {
        const p = this.posted.get(this.next);
        if (p) {
          this.posted.delete(this.next);
          this.next++;
          n++;
          this.deliver(p.id, p);
          continue;
        }
        // The ring holds its records in order; its first is either the
        // next number or a later one (the next then comes by postMessage).
        // (The ring holds numbers modulo 2^32.)
        if (this.ring.peekSeq() !== this.next >>> 0) break;
        const r = this.ring.read()!;
        this.next++;
        n++;
        this.deliver(r.socket, { kind: 'message', data: r.text });
      }
    } finally {
      this.pumping = false;
    }
    return n;
  }

  private deliver(id: number, ev: { kind: Posted['kind']; data?: unknown; code?: number }): void {
    const s = this.sockets.get(id);
    if (!s) return;
    switch (ev.kind) {
      case 'open':
        s.readyState = OPEN;
        s.onopen?.({});
        break;
      case 'message':
        s.onmessage?.({ data: ev.data });
        break;
      case 'error':
        s.onerror?.({});
        break;
      case 'close':
        s.readyState = CLOSED;
        this.sockets.delete(id);
        s.onclose?.({ code: ev.code });
        break;
    }
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.worker.terminate();
    for (const s of [...this.sockets.values()]) {
      s.readyState = CLOSED;
      this.sockets.delete(s.id);
      s.onclose?.({ code: 1006 });
    }
  }
}

export interface PageEnv {
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
  Atomics?: unknown;
  Worker?: unknown;
}

/** The worker way when the page may use it, else the main thread's socket. */
export function chooseTransport(env: PageEnv, makeWorker: () => WorkerLike, fallback = new MainThreadTransport()): Transport {
  if (env.crossOriginIsolated === true && typeof env.SharedArrayBuffer === 'function' && typeof env.Atomics === 'object' && typeof env.Worker === 'function') {
    try {
      return new WorkerTransport(makeWorker(), ringBuffer(), fallback);
    } catch (err) {
      console.warn('weir: the socket worker could not start; using the main thread', err);
    }
  }
  return fallback;
}

/** The page's transport (main.ts). */
export function pageTransport(): Transport {
  return chooseTransport(
    globalThis as PageEnv,
    () => new Worker(new URL('./socket-worker.ts', import.meta.url), { type: 'module', name: 'weir-socket' }) as unknown as WorkerLike,
  );
}
