import { describe, expect, it } from 'vitest';
import type { CellView, KernelEvent, Snapshot } from '../src/protocol';
import { apply, initialState, needsHello, type Incoming, type NotebookState } from '../src/state';

const view = (id: number, code: string, extra: Partial<CellView> = {}): CellView => ({
  id, name: `c${id}`, code, hide_code: false, disabled: false, version: 1, status: 'idle', stale: false,
  outputs: [], console: [], error: null, reason: null, reason_about: null, ...extra,
});

const snapshot = (seq: number, cells: CellView[]): Snapshot => ({
  type: 'snapshot', seq, mode: 'autorun', cells, running: null, console: [], dirty: false, path: 'nb.py',
});

type Body = KernelEvent extends infer E ? (E extends unknown ? Omit<E, 'seq'> : never) : never;
const ev = (seq: number, body: Body): Incoming => ({ type: 'event', event: { seq, ...body } as KernelEvent });

const run = (state: NotebookState, ...msgs: Incoming[]) => msgs.reduce(apply, state);

describe('snapshot', () => {
  it('carries the server\'s changed_on_disk: a tab that connects after an outside change sees the banner', () => {
    const changed = apply(initialState(), { ...snapshot(3, [view(1, 'a')]), changed_on_disk: true });
    expect(changed.fileChanged).toBe(true);
    // A fresh snapshot (after a reload from disk) clears it.
    expect(apply(changed, snapshot(4, [view(1, 'a')])).fileChanged).toBe(false);
  });

  it('replaces the whole state and marks it synced', () => {
    const s = apply(initialState(), snapshot(7, [view(1, 'x = 1', { version: 3, persist: true, restored_at: '2026-01-01T00:00:00Z' })]));
    expect(s.seq).toBe(7);
    expect(s.synced).toBe(true);
    expect(s.cells).toHaveLength(1);
    expect(s.cells[0]).toMatchObject({ id: 1, code: 'x = 1', version: 3, persist: true, restoredAt: '2026-01-01T00:00:00Z' });
  });

  it('is not mutated by later events (immutable data)', () => {
    const s0 = apply(initialState(), snapshot(1, [view(1, 'a')]));
    const frozen = JSON.stringify(s0);
    const s1 = run(s0, ev(2, { type: 'started', id: 1 }), ev(3, { type: 'cell_code', id: 1, code: 'b', version: 2 }));
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(s1.cells[0].code).toBe('b');
  });
});

describe('events', () => {
  const base = apply(initialState(), snapshot(10, [view(1, 'a = 1'), view(2, 'b = a')]));

  it('folds structure: insert, move, rename, options, code with its version, delete', () => {
    const s = run(
      base,
      ev(11, { type: 'cell_inserted', index: 1, cell: { id: 3, name: '_', code: 'c', hide_code: false, disabled: false, version: 1 } }),
      ev(12, { type: 'cell_moved', id: 1, index: 2 }),
      ev(13, { type: 'cell_renamed', id: 2, name: 'second' }),
      ev(14, { type: 'cell_options', id: 3, hide_code: true, disabled: true, persist: true }),
      ev(15, { type: 'cell_code', id: 2, code: 'b = a + 1', version: 5 }),
      ev(16, { type: 'cell_deleted', id: 1 }),
    );
    expect(s.seq).toBe(16);
    expect(s.cells.map((c) => c.id)).toEqual([3, 2]);
    expect(s.cells[0]).toMatchObject({ hideCode: true, disabled: true, persist: true });
    expect(s.cells[1]).toMatchObject({ name: 'second', code: 'b = a + 1', version: 5 });
    expect(s.dirty).toBe(true);
  });

  it('counts versions itself when an event carries none', () => {
    const s = run(base, ev(11, { type: 'cell_code', id: 1, code: 'a = 2' }));
    expect(s.cells[0].version).toBe(2);
  });

  it('queues every cell a queued event names, and only those', () => {
    const s = run(base, ev(11, { type: 'queued', ids: [2, 1, 99] }));
    expect(s.cells.map((c) => c.status)).toEqual(['queued', 'queued']);
    const one = run(base, ev(11, { type: 'queued', ids: [2] }));
    expect(one.cells.map((c) => c.status)).toEqual([base.cells[0].status, 'queued']);
  });

  it('follows a run: queued, started, stream, output, finished', () => {
    const out = { 'text/plain': '2' };
    let s = run(
      base,
      ev(11, { type: 'stale', ids: [2] }),
      ev(12, { type: 'queued', ids: [2] }),
    );
    expect(s.cells[1]).toMatchObject({ status: 'queued', stale: true });
    s = run(
      s,
      ev(13, { type: 'started', id: 2 }),
      ev(14, { type: 'stream', id: 2, stream: 'stdout', text: 'hel' }),
      ev(15, { type: 'stream', id: 2, stream: 'stdout', text: 'lo' }),
      ev(16, { type: 'output', id: 2, action: 'append', output: { 'text/plain': 'partial' } }),
    );
    expect(s.running).toBe(2);
    expect(s.cells[1]).toMatchObject({ status: 'running', stale: false });
    expect(s.cells[1].console.map((c) => c.text).join('')).toBe('hello');
    expect(s.cells[1].outputs).toEqual([{ 'text/plain': 'partial' }]);
    s = run(s, ev(17, { type: 'finished', id: 2, status: 'ok', duration_ms: 1.5, outputs: [out], error: null }), ev(18, { type: 'idle' }));
    expect(s.running).toBeNull();
    expect(s.cells[1]).toMatchObject({ status: 'ok', outputs: [out], durationMs: 1.5 });
  });

  it('records why a cell did not run and which cell the reason is about', () => {
    const s = run(base, ev(11, { type: 'skipped', id: 2, status: 'not_run', reason: 'cell 1 raised', reason_kind: 'ancestor_raised', about: 1 }));
    expect(s.cells[1]).toMatchObject({ status: 'not_run', reason: 'cell 1 raised', reasonAbout: 1 });
  });

  it('sends text for an unknown cell to the notebook console', () => {
    const s = run(base, ev(11, { type: 'stream', id: 99, stream: 'stderr', text: 'late' }), ev(12, { type: 'console', stream: 'stdout', text: 'x' }));
    expect(s.console.map((c) => c.text)).toEqual(['late', 'x']);
  });

  it('clears results on a worker restart and clears a restored mark on a new run', () => {
    let s = apply(initialState(), snapshot(1, [view(1, 'a', { status: 'ok', outputs: [{ 'text/plain': '1' }], restored_at: 't' })]));
    expect(s.cells[0].restoredAt).toBe('t');
    s = run(s, ev(2, { type: 'started', id: 1 }));
    expect(s.cells[0].restoredAt).toBeNull();
    s = run(s, ev(3, { type: 'worker_restarted' }));
    expect(s.cells[0]).toMatchObject({ status: 'idle', outputs: [] });
  });
});

describe('gap detection', () => {
  const base = apply(initialState(), snapshot(10, [view(1, 'a')]));

  it('refuses an event that skips a number and asks for hello once', () => {
    const gap = apply(base, ev(12, { type: 'queued', ids: [1] }));
    expect(gap.resyncing).toBe(true);
    expect(gap.seq).toBe(10);
    expect(gap.cells[0].status).toBe('idle');
    expect(needsHello(base, gap)).toBe('since');
    const more = apply(gap, ev(13, { type: 'started', id: 1 }));
    expect(needsHello(gap, more)).toBe(false);
    // The replay from `since` = 10 closes the gap.
    const fixed = run(more, ev(11, { type: 'queued', ids: [1] }), ev(12, { type: 'started', id: 1 }));
    expect(fixed.resyncing).toBe(false);
    expect(fixed.seq).toBe(12);
    expect(fixed.cells[0].status).toBe('running');
  });

  it('ignores events already folded in', () => {
    const s = apply(base, ev(10, { type: 'queued', ids: [1] }));
    expect(s).toBe(base);
  });

  it('treats a resync event as a gap', () => {
    const s = apply(base, ev(11, { type: 'resync' }));
    expect(needsHello(base, s)).toBe('since');
  });

  it('treats a top-level resync message as a gap too', () => {
    const s = apply(base, { type: 'resync' });
    expect(needsHello(base, s)).toBe('since');
  });

  it('does not apply events before the first snapshot', () => {
    const s = apply(initialState(), ev(1, { type: 'queued', ids: [1] }));
    expect(s.resyncing).toBe(true);
    expect(s.seq).toBe(0);
  });

  it('a snapshot ends a resync', () => {
    const gap = apply(base, ev(15, { type: 'idle' }));
    const s = apply(gap, snapshot(20, [view(1, 'a')]));
    expect(s.resyncing).toBe(false);
    expect(s.seq).toBe(20);
  });
});

describe('refusals', () => {
  const base = apply(initialState(), snapshot(3, [view(1, 'mine = 1', { version: 4 })]));

  it('a stale-version refusal shows the other tab\'s code and keeps ours aside', () => {
    const s = apply(base, {
      type: 'refused', req: 9, reason: 'stale_version', message: 'changed elsewhere', id: 1, code: 'theirs = 2', version: 5,
      request: { type: 'set_code', id: 1, code: 'mine = 3', base_version: 4, code_hash: 'h' },
    });
    expect(s.cells[0]).toMatchObject({ code: 'theirs = 2', version: 5, conflict: { mine: 'mine = 3', theirsVersion: 5 } });
    expect(apply(s, { type: 'dismiss_conflict', id: 1 }).cells[0].conflict).toBeNull();
  });

  it('a save refused for an outside change raises the file-changed banner; a save clears it', () => {
    const s = apply(base, { type: 'refused', reason: 'changed_on_disk', message: 'changed', request: { type: 'save' } });
    expect(s.fileChanged).toBe(true);
    const saved = apply({ ...s, dirty: true }, { type: 'saved', path: 'nb.py', hash: 'abc' });
    expect(saved).toMatchObject({ fileChanged: false, dirty: false, lastSaved: { hash: 'abc' } });
  });

  it('other refusals and errors become notices, at most five', () => {
    let s = base;
    for (let i = 0; i < 7; i++) s = apply(s, { type: 'error', message: `bad ${i}` });
    expect(s.notices).toHaveLength(5);
    expect(s.notices[4].text).toContain('bad 6');
  });
});

describe('malformed messages', () => {
  const base = apply(initialState(), snapshot(3, [view(1, 'a')]));

  it('an event missing a field is not folded in; the page asks for a fresh snapshot', () => {
    const bad = { type: 'event', event: { seq: 4, type: 'finished', id: 1, status: 'ok', duration_ms: 1 } } as unknown as Incoming;
    const s = apply(base, bad);
    expect(s.seq).toBe(3);
    expect(s.cells[0].status).toBe('idle');
    expect(needsHello(base, s)).toBe('snapshot');
    expect(s.notices.at(-1)?.text).toContain('field "outputs"');
    // Only one request: later events wait for the snapshot.
    const s2 = apply(s, bad);
    expect(needsHello(s, s2)).toBe(false);
    const fresh = apply(s2, snapshot(9, [view(1, 'a', { status: 'ok' })]));
    expect(fresh).toMatchObject({ seq: 9, resyncing: false, wantSnapshot: false });
  });

  it('ill-typed fields are refused too', () => {
    for (const event of [
      { seq: 4, type: 'cell_code', id: '1', code: 'x' },
      { seq: 4, type: 'stream', id: 1, stream: 'stdout', text: 5 },
      { seq: 4, type: 'cell_inserted', index: 0, cell: { id: 2 } },
      { seq: 4, type: 'finished', id: 1, status: 'ok', outputs: ['text'], error: null },
      { type: 'queued', ids: [1] },
    ]) {
      const s = apply(base, { type: 'event', event } as unknown as Incoming);
      expect(s.wantSnapshot, JSON.stringify(event)).toBe(true);
    }
  });

  it('an unknown event kind is skipped (a newer server), keeping the sequence', () => {
    const s = apply(base, { type: 'event', event: { seq: 4, type: 'something_new' } } as unknown as Incoming);
    expect(s.seq).toBe(4);
    expect(s.wantSnapshot).toBe(false);
  });

  it('a malformed snapshot is refused', () => {
    const s = apply(base, { type: 'snapshot', seq: 5, mode: 'lazy', cells: [{ id: 1 }] } as unknown as Incoming);
    expect(s.seq).toBe(3);
    expect(s.mode).toBe('autorun');
    expect(s.wantSnapshot).toBe(true);
  });
});
