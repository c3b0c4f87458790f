import { describe, expect, it } from 'vitest';
import { parseProgress } from '../src/progress';
import { applyOutput } from '../src/state';

const b = (t: string) => ({ 'text/plain': t });
const shown = (o: readonly Record<string, unknown>[]) => o.map((x) => x['text/plain']);

describe('output actions by position (the kernel rule)', () => {
  it('redraws and removes in place; past the end a redraw appends and a removal does nothing', () => {
    let o = applyOutput([], 'append', undefined, b('a'));
    o = applyOutput(o, 'append', undefined, b('bar 1/3'));
    o = applyOutput(o, 'append', undefined, b('c'));
    o = applyOutput(o, 'replace_at', 1, b('bar 2/3'));
    expect(shown(o)).toEqual(['a', 'bar 2/3', 'c']);
    o = applyOutput(o, 'remove_at', 1, null);
    expect(shown(o)).toEqual(['a', 'c']);
    expect(applyOutput(o, 'remove_at', 5, null)).toBe(o);
    expect(shown(applyOutput(o, 'replace_at', 5, b('d')))).toEqual(['a', 'c', 'd']);
    expect(applyOutput(o, 'clear', undefined, null)).toEqual([]);
  });
});

describe('parseProgress', () => {
  it('takes what the worker sends and refuses anything without a count', () => {
    expect(parseProgress({ title: 'Loading', subtitle: null, current: 2, total: 5, rate: 1.5, eta: 2, done: false }))
      .toEqual({ title: 'Loading', subtitle: null, current: 2, total: 5, rate: 1.5, eta: 2, done: false });
    expect(parseProgress({ current: 1, title: 3 })).toMatchObject({ title: null, total: null, done: false });
    expect(parseProgress({ title: 'x' })).toBeNull();
    expect(parseProgress([1])).toBeNull();
    expect(parseProgress(null)).toBeNull();
  });
});
