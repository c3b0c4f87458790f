// One WebSocket to `/ws?notebook=...`: `hello` (with `since` once the page
// holds state) on every open, automatic reconnects with capped exponential
// backoff, request ids, and the request kept until its reply so a refusal
// can be matched to what it refused. Knows nothing of the notebook state:
// the controller tells it `since` and when to say hello again (a gap).

import type { ClientMessage, ServerMessage } from './protocol';
import type { ConnectionStatus, Incoming } from './state';

/** The part of the browser's WebSocket this uses (a fake in tests). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionOptions {
  url: string;
  /** The seq the page is current to, or undefined before the first snapshot. */
  since: () => number | undefined;
  onMessage: (msg: Incoming) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** A frame that is not a JSON object with a string `type`. */
  onGarbage?: (text: string) => void;
  socket?: (url: string) => SocketLike;
  setTimer?: (f: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

const OPEN = 1;
export const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
/** Messages kept while the socket is down; past this the oldest are refused. */
const MAX_QUEUE = 1000;

export class Connection {
  private socket: SocketLike | null = null;
  private nextReq = 1;
  private readonly pending = new Map<number, ClientMessage>();
  private queue: ClientMessage[] = [];
  private attempts = 0;
  private timer: unknown = null;
  private stopped = false;
  private readonly opts: Required<Omit<ConnectionOptions, 'onGarbage'>> & Pick<ConnectionOptions, 'onGarbage'>;

  constructor(opts: ConnectionOptions) {
    this.opts = {
      socket: (url) => new WebSocket(url) as unknown as SocketLike,
      setTimer: (f, ms) => setTimeout(f, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
      ...opts,
    };
  }

  connect(): void {
    if (this.stopped) return;
    this.opts.onStatus('connecting');
    const socket = this.opts.socket(this.opts.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempts = 0;
      this.opts.onStatus('open');
      this.hello();
      const queued = this.queue;
      this.queue = [];
      for (const msg of queued) this.send(msg);
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.receive(ev.data);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // Replies to what was in flight will never come.
      this.pending.clear();
      this.opts.onStatus('closed');
      this.scheduleReconnect();
    };
  }

  /** (Re)starts the stream: events after `since`, or (`fresh`, or no state yet) a snapshot. */
  hello(fresh = false): void {
    const since = fresh ? undefined : this.opts.since();
    this.sendNow(since === undefined ? { type: 'hello' } : { type: 'hello', since });
  }

  /** Sends a message with a fresh request id (queued while disconnected); returns the id. */
  send(msg: ClientMessage): number {
    const req = this.nextReq++;
    if (!this.socket || this.socket.readyState !== OPEN) {
      if (this.queue.length >= MAX_QUEUE) this.queue.shift();
      this.queue.push(msg);
      return req;
    }
    this.pending.set(req, msg);
    this.socket.send(JSON.stringify({ ...msg, req }));
    return req;
  }

  /** Whether a request sent on the current socket still waits for its reply. */
  awaiting(): boolean {
    return this.pending.size > 0;
  }

  /** The request a reply answers, if still pending. */
  request(req: number): ClientMessage | undefined {
    return this.pending.get(req);
  }

  close(): void {
    this.stopped = true;
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.socket?.close(1000, 'page closed');
    this.socket = null;
  }

  /** Drops the socket as if the network did (tests, and a stuck stream). */
  drop(): void {
    const s = this.socket;
    if (s) {
      s.close(4000, 'dropped');
      s.onclose?.({});
    }
  }

  private sendNow(msg: ClientMessage): void {
    if (this.socket && this.socket.readyState === OPEN) {
      const req = this.nextReq++;
      this.pending.set(req, msg);
      this.socket.send(JSON.stringify({ ...msg, req }));
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)];
    this.attempts++;
    this.timer = this.opts.setTimer(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private receive(data: unknown): void {
    const text = typeof data === 'string' ? data : '';
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.opts.onGarbage?.(text.slice(0, 200));
      return;
    }
    // Several messages in one frame (docs/editor-protocol.md, `batch`):
    // each is taken in order as if it had come alone.
    const batch = msg as { type?: unknown; messages?: unknown } | null;
    if (batch && typeof batch === 'object' && batch.type === 'batch' && Array.isArray(batch.messages)) {
      for (const one of batch.messages) this.deliver(one, text);
      return;
    }
    this.deliver(msg, text);
  }

  private deliver(msg: unknown, text: string): void {
    if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      this.opts.onGarbage?.(text.slice(0, 200));
      return;
    }
    const server = msg as ServerMessage & { req?: unknown };
    // A snapshot answers a `hello` without `req` (docs/editor-protocol.md):
    // no hello waits any longer.
    if (server.type === 'snapshot') for (const [req, m] of this.pending) if (m.type === 'hello') this.pending.delete(req);
    let incoming: Incoming = server;
    if (typeof server.req === 'number' && this.pending.has(server.req)) {
      const request = this.pending.get(server.req)!;
      this.pending.delete(server.req);
      incoming = { ...server, request } as Incoming;
    }
    this.opts.onMessage(incoming);
  }
}
