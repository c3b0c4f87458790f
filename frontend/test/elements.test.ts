import { describe, expect, it } from 'vitest';
import { parseElement, throttleLatest } from '../src/elements';
import type { CellView, KernelEvent, Snapshot } from '../src/protocol';
import { apply, initialState, type Incoming } from '../src/state';
import { checkEvent } from '../src/validate';

describe('throttleLatest', () => {
  function clock() {
    let t = 0;
    const timers: { at: number; f: () => void }[] = [];
    return {
      now: () => t,
      schedule: (f: () => void, ms: number) => timers.push({ at: t + ms, f }),
      advance(ms: number) {
        t += ms;
        for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
          if (timer.at <= t) timer.f();
          else timers.push(timer);
        }
      },
    };
  }

  it('sends the first value at once, at most one per interval, and always the last', () => {
    const c = clock();
    const sent: number[] = [];
    const t = throttleLatest((v: number) => sent.push(v), 50, c.now, c.schedule);
    t.call(1);
    expect(sent).toEqual([1]);
    for (let v = 2; v <= 9; v++) {
      c.advance(5);
      t.call(v);
    }
    expect(sent).toEqual([1]); // 40 ms later: still within the interval
    c.advance(10);
    expect(sent).toEqual([1, 9]); // the trailing send carries the latest
    c.advance(100);
    expect(sent).toEqual([1, 9]); // nothing twice
  });

  it('flush sends a waiting value at once (the end of a drag)', () => {
    const c = clock();
    const sent: number[] = [];
    const t = throttleLatest((v: number) => sent.push(v), 50, c.now, c.schedule);
    t.call(1);
    c.advance(1);
    t.call(2);
    t.call(3);
    t.flush();
    expect(sent).toEqual([1, 3]);
    c.advance(100);
    expect(sent).toEqual([1, 3]);
    t.flush();
    expect(sent).toEqual([1, 3]);
  });
});

describe('parseElement', () => {
  it('accepts the bundle shape and refuses what is not one', () => {
    const e = parseElement({ id: 'a-1', kind: 'slider', label: 'n', props: { start: 0 }, value: 3 });
    expect(e).toEqual({ id: 'a-1', kind: 'slider', label: 'n', props: { start: 0 }, value: 3 });
    expect(parseElement({ id: '', kind: 'slider' })).toBeNull();
    expect(parseElement({ kind: 'slider' })).toBeNull();
    expect(parseElement([1])).toBeNull();
    expect(parseElement(null)).toBeNull();
    expect(parseElement({ id: 'x', kind: 'text', props: [1] })?.props).toEqual({});
  });
});

const view = (id: number, extra: Partial<CellView> = {}): CellView => ({
  id, name: '_', code: 's', hide_code: false, disabled: false, version: 1, status: 'ok', stale: false,
  outputs: [], console: [], error: null, reason: null, reason_about: null, ...extra,
});

const snapshot = (cells: CellView[]): Snapshot => ({
  type: 'snapshot', seq: 1, mode: 'autorun', cells, running: null, console: [], dirty: false, path: 'nb.py',
});

const ev = (seq: number, body: Record<string, unknown>): Incoming => ({ type: 'event', event: { seq, ...body } as KernelEvent });

describe('element values in the state', () => {
  it('come from the snapshot, fold from ui_value events, and go when the cell runs again', () => {
    let s = apply(initialState(), snapshot([view(1, { ui_values: { 'a-1': 4 } })]));
    expect(s.cells[0].uiValues).toEqual({ 'a-1': 4 });
    s = apply(s, ev(2, { type: 'ui_value', id: 1, element_id: 'a-1', value: 7 }));
    expect(s.cells[0].uiValues).toEqual({ 'a-1': 7 });
    s = apply(s, ev(3, { type: 'started', id: 1 }));
    expect(s.cells[0].uiValues).toEqual({});
  });

  it('a refused value is shown as a notice', () => {
    let s = apply(initialState(), snapshot([view(1)]));
    s = apply(s, ev(2, { type: 'ui_value_refused', element_id: 'a-1', message: 'no element a-1: ran again' }));
    expect(s.notices.at(-1)?.text).toContain('ran again');
  });

  it('validates the new events', () => {
    expect(checkEvent({ seq: 1, type: 'ui_value', id: 1, element_id: 'a', value: 1 })).toBeNull();
    expect(checkEvent({ seq: 1, type: 'ui_value', id: 1, value: 1 })).toContain('element_id');
    expect(checkEvent({ seq: 1, type: 'ui_value_refused', element_id: 'a' })).toContain('message');
  });
});
