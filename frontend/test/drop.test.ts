import { describe, expect, it } from 'vitest';
import { dropIndex } from '../src/app';

describe('dropIndex (drag to move)', () => {
  const order = [10, 20, 30, 40];
  it('moves down: below the third cell means index 2 once the cell is taken out', () => {
    expect(dropIndex(order, 10, 30, true)).toBe(2);
    expect(dropIndex(order, 10, 30, false)).toBe(1);
    expect(dropIndex(order, 10, 40, true)).toBe(3);
  });
  it('moves up', () => {
    expect(dropIndex(order, 40, 10, false)).toBe(0);
    expect(dropIndex(order, 40, 20, true)).toBe(2);
  });
  it('a drop that leaves the cell in place sends nothing', () => {
    expect(dropIndex(order, 20, 20, true)).toBeNull();
    expect(dropIndex(order, 20, 30, false)).toBeNull();
    expect(dropIndex(order, 20, 10, true)).toBeNull();
    expect(dropIndex(order, 99, 10, true)).toBeNull();
  });
});
