import { describe, expect, it } from 'vitest';
import { BACKOFF_MS, Connection, type SocketLike } from '../src/connection';
import type { Incoming } from '../src/state';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(public url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSays(msg: unknown) {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
  serverCloses() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

function setup(since: () => number | undefined) {
  const sockets: FakeSocket[] = [];
  const timers: { f: () => void; ms: number }[] = [];
  const got: Incoming[] = [];
  const statuses: string[] = [];
  const garbage: string[] = [];
  const conn = new Connection({
    url: 'ws://x/ws?notebook=a.py',
    since,
    onMessage: (m) => got.push(m),
    onStatus: (s) => statuses.push(s),
    onGarbage: (t) => garbage.push(t),
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (f, ms) => timers.push({ f, ms }),
    clearTimer: () => {},
  });
  return { conn, sockets, timers, got, statuses, garbage };
}

describe('Connection', () => {
  it('says hello without since first, and with the page\'s seq after a reconnect', () => {
    let seq: number | undefined;
    const t = setup(() => seq);
    t.conn.connect();
    t.sockets[0].open();
    expect(t.sockets[0].sent).toEqual([{ type: 'hello', req: 1 }]);
    seq = 42;
    t.sockets[0].serverCloses();
    expect(t.statuses).toEqual(['connecting', 'open', 'closed']);
    expect(t.timers.map((x) => x.ms)).toEqual([BACKOFF_MS[0]]);
    t.timers[0].f();
    t.sockets[1].open();
    expect(t.sockets[1].sent[0]).toMatchObject({ type: 'hello', since: 42 });
  });

  it('a fresh hello asks for a snapshot even when the page holds state', () => {
    const t = setup(() => 7);
    t.conn.connect();
    t.sockets[0].open();
    t.conn.hello(true);
    expect(t.sockets[0].sent.map((m) => m.since)).toEqual([7, undefined]);
  });

  it('backs off exponentially while the server is away, up to a cap, and resets after an open', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    for (let i = 0; i < 8; i++) {
      t.sockets[i].serverCloses();
      t.timers[i].f();
    }
    expect(t.timers.map((x) => x.ms)).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
    t.sockets[8].open();
    t.sockets[8].serverCloses();
    expect(t.timers[8].ms).toBe(250);
  });

  it('numbers requests and attaches the request to its reply', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    t.sockets[0].open();
    const req = t.conn.send({ type: 'set_code', id: 3, code: 'x', base_version: 1, code_hash: 'h' });
    expect(t.sockets[0].sent[1]).toMatchObject({ type: 'set_code', req });
    t.sockets[0].serverSays({ type: 'refused', req, reason: 'stale_version', message: 'm' });
    expect(t.got[0]).toMatchObject({ type: 'refused', request: { type: 'set_code', id: 3 } });
    expect(t.conn.request(req)).toBeUndefined();
  });

  it('queues messages while disconnected and sends them after hello', () => {
    const t = setup(() => 5);
    t.conn.connect();
    t.conn.send({ type: 'run', ids: [1] });
    t.sockets[0].open();
    expect(t.sockets[0].sent.map((m) => m.type)).toEqual(['hello', 'run']);
  });

  it('takes the messages of a batch frame in order, each as if it came alone', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    t.sockets[0].open();
    const req = t.conn.send({ type: 'run', ids: [1] });
    t.sockets[0].serverSays({ type: 'batch', messages: [
      { type: 'event', event: { seq: 1, type: 'started', id: 1 } },
      { type: 'ok', req },
      { no: 'type' },
      { type: 'event', event: { seq: 2, type: 'idle' } },
    ] });
    expect(t.got.map((m) => m.type)).toEqual(['event', 'ok', 'event']);
    expect(t.got[1]).toMatchObject({ type: 'ok', request: { type: 'run', ids: [1] } });
    expect(t.garbage).toHaveLength(1);
  });

  it('reports garbage frames instead of throwing', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    t.sockets[0].open();
    t.sockets[0].serverSays('not json');
    t.sockets[0].serverSays('[1,2]');
    t.sockets[0].serverSays({ no: 'type' });
    expect(t.garbage).toHaveLength(3);
    expect(t.got).toHaveLength(0);
  });

  it('a closed connection does not reconnect', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    t.sockets[0].open();
    t.conn.close();
    t.sockets[0].serverCloses();
    expect(t.timers).toHaveLength(0);
  });

  it('awaits a reply until it comes; a snapshot answers a hello (it carries no req)', () => {
    const t = setup(() => undefined);
    t.conn.connect();
    t.sockets[0].open();
    expect(t.conn.awaiting()).toBe(true); // the hello
    t.sockets[0].serverSays({ type: 'snapshot', seq: 0, mode: 'autorun', cells: [], running: null, console: [], dirty: false, changed_on_disk: false, path: 'a.py' });
    expect(t.conn.awaiting()).toBe(false);
    const req = t.conn.send({ type: 'run', ids: [1] });
    expect(t.conn.awaiting()).toBe(true);
    t.sockets[0].serverSays({ type: 'ok', req });
    expect(t.conn.awaiting()).toBe(false);
  });
});
