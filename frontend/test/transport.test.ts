// The socket worker and the page's side of it, wired through a fake worker
// (two message queues, delivered when the test says: as the browser's
// tasks would be) and a fake WebSocket; the ring is a real
// SharedArrayBuffer.

import { describe, expect, it } from 'vitest';
import { Connection, type SocketLike } from '../src/connection';
import { ringBuffer } from '../src/ring';
import { serveSockets, type FromWorker, type RawSocket, type ToWorker, type WorkerScope } from '../src/socket-worker-core';
import { chooseTransport, MainThreadTransport, WorkerTransport, type WorkerLike } from '../src/transport';
import type { Incoming } from '../src/state';

class FakeRawSocket implements RawSocket {
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code?: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  closed: number | undefined;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closed = code;
  }
}

/** A worker in this thread: messages each way wait in a queue until delivered. */
function fakeWorker() {
  const toWorker: ToWorker[] = [];
  const toPage: FromWorker[] = [];
  const raw: FakeRawSocket[] = [];
  const scope: WorkerScope = { postMessage: (m) => toPage.push(m), onmessage: null };
  serveSockets(scope, (url) => {
    const s = new FakeRawSocket(url);
    raw.push(s);
    return s;
  });
  const worker: WorkerLike = {
    postMessage: (m) => toWorker.push(m),
    onmessage: null,
    onerror: null,
    terminate: () => {},
  };
  return {
    worker,
    raw,
    toPage,
    /** The worker handles what the page posted. */
    workerRuns() {
      while (toWorker.length) scope.onmessage!({ data: toWorker.shift()! });
    },
    /** The page's task queue runs: each posted message is an ordinary task. */
    pageTasks() {
      while (toPage.length) worker.onmessage!({ data: toPage.shift()! });
    },
  };
}

function setup(capacity = 256) {
  const w = fakeWorker();
  const transport = new WorkerTransport(w.worker, ringBuffer(capacity));
  const got: string[] = [];
  const socket = transport.socket('ws://x/ws');
  socket.onmessage = (ev) => got.push(ev.data as string);
  w.workerRuns();
  return { ...w, transport, socket, got };
}

describe('the socket worker and the page', () => {
  it('a message that arrived is taken from shared memory by pump(), before the page runs any task', () => {
    const t = setup();
    t.raw[0].onopen!({});
    t.pageTasks();
    expect(t.socket.readyState).toBe(1);
    t.raw[0].onmessage!({ data: '{"type":"ok","req":1}' });
    t.raw[0].onmessage!({ data: '{"type":"event"}' });
    // The pokes are queued as tasks; the frame's pump does not wait for them.
    expect(t.transport.pump()).toBe(2);
    expect(t.got).toEqual(['{"type":"ok","req":1}', '{"type":"event"}']);
    // The pokes then find nothing new: nothing is delivered twice.
    t.pageTasks();
    expect(t.transport.pump()).toBe(0);
    expect(t.got).toHaveLength(2);
  });

  it('without a frame, the poke task delivers', () => {
    const t = setup();
    t.raw[0].onopen!({});
    t.raw[0].onmessage!({ data: 'a' });
    t.pageTasks();
    expect(t.got).toEqual(['a']);
  });

  it('a message too large for the ring goes by postMessage, and the order holds', () => {
    const t = setup(64);
    t.raw[0].onopen!({});
    t.pageTasks();
    const big = 'B'.repeat(200);
    t.raw[0].onmessage!({ data: 'one' });
    t.raw[0].onmessage!({ data: big });
    t.raw[0].onmessage!({ data: 'three' });
    // The frame comes before the big one's task: it stops at the gap.
    expect(t.transport.pump()).toBe(1);
    expect(t.got).toEqual(['one']);
    // The task brings the big one; then the ring's next follows at once.
    t.pageTasks();
    expect(t.got).toEqual(['one', big, 'three']);
    expect(t.transport.pump()).toBe(0);
  });

  it('a message that does not fit in the ring right now goes by postMessage, in order, none twice', () => {
    const t = setup(64);
    t.raw[0].onopen!({});
    t.pageTasks();
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const m = `m${i}-${'z'.repeat(i % 17)}`;
      sent.push(m);
      t.raw[0].onmessage!({ data: m });
      // The page reads now and then, in frames and in tasks.
      if (i % 5 === 0) t.transport.pump();
      if (i % 7 === 0) t.pageTasks();
    }
    t.pageTasks();
    t.transport.pump();
    expect(t.got).toEqual(sent);
  });

  it('close comes after every message before it, and the page sends through the worker', () => {
    const t = setup();
    const closes: unknown[] = [];
    t.socket.onclose = (ev) => closes.push(ev);
    t.raw[0].onopen!({});
    t.pageTasks();
    t.socket.send('{"type":"hello"}');
    t.workerRuns();
    expect(t.raw[0].sent).toEqual(['{"type":"hello"}']);
    t.raw[0].onmessage!({ data: 'last' });
    t.raw[0].onclose!({ code: 1001 });
    t.pageTasks();
    expect(t.got).toEqual(['last']);
    expect(closes).toEqual([{ code: 1001 }]);
    expect(t.socket.readyState).toBe(3);
  });

  it('Connection over the worker socket: hello, request ids, replies matched to their request', () => {
    const w = fakeWorker();
    const transport = new WorkerTransport(w.worker, ringBuffer(1024));
    const got: Incoming[] = [];
    const statuses: string[] = [];
    const conn = new Connection({
      url: 'ws://x/ws?notebook=a.py',
      since: () => undefined,
      onMessage: (m) => got.push(m),
      onStatus: (s) => statuses.push(s),
      socket: (url) => transport.socket(url),
      setTimer: () => 0,
      clearTimer: () => {},
    });
    conn.connect();
    w.workerRuns();
    expect(w.raw[0].url).toBe('ws://x/ws?notebook=a.py');
    w.raw[0].onopen!({});
    w.pageTasks();
    w.workerRuns();
    expect(statuses).toEqual(['connecting', 'open']);
    expect(w.raw[0].sent.map((s) => JSON.parse(s))).toEqual([{ type: 'hello', req: 1 }]);
    const req = conn.send({ type: 'run', ids: [3] });
    w.workerRuns();
    expect(conn.awaiting()).toBe(true);
    w.raw[0].onmessage!({ data: JSON.stringify({ type: 'ok', req }) });
    transport.pump();
    expect(got).toEqual([{ type: 'ok', req, request: { type: 'run', ids: [3] } }]);
    // The server goes: the connection reconnects through a new worker socket.
    w.raw[0].onclose!({ code: 1001 });
    w.pageTasks();
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
  });

  it('a worker that fails closes its sockets, and new ones are the main thread\'s', () => {
    const w = fakeWorker();
    const made: string[] = [];
    const fallback = new MainThreadTransport((url) => {
      made.push(url);
      return { readyState: 0, onopen: null, onclose: null, onerror: null, onmessage: null, send() {}, close() {} } as SocketLike;
    });
    const transport = new WorkerTransport(w.worker, ringBuffer(64), fallback);
    const s = transport.socket('ws://x/1');
    let closed = false;
    s.onclose = () => (closed = true);
    expect(transport.kind).toBe('worker');
    w.worker.onerror!({});
    expect(closed).toBe(true);
    expect(transport.kind).toBe('main');
    transport.socket('ws://x/2');
    expect(made).toEqual(['ws://x/2']);
  });
});

describe('choosing the transport', () => {
  const env = { crossOriginIsolated: true, SharedArrayBuffer, Atomics, Worker: function Worker() {} };
  const make = () => fakeWorker().worker;

  it('the worker when cross-origin isolated with SharedArrayBuffer, Atomics and Worker', () => {
    expect(chooseTransport(env, make).kind).toBe('worker');
  });

  it('the main thread otherwise (plain HTTP from another machine, an old browser)', () => {
    expect(chooseTransport({ ...env, crossOriginIsolated: false }, make).kind).toBe('main');
    expect(chooseTransport({ ...env, SharedArrayBuffer: undefined }, make).kind).toBe('main');
    expect(chooseTransport({ ...env, Worker: undefined }, make).kind).toBe('main');
    expect(
      chooseTransport(env, () => {
        throw new Error('no worker');
      }).kind,
    ).toBe('main');
  });
});
