import { describe, expect, it } from 'vitest';
import { boxValue, toData } from '../src/elements-figure';

// A 640x480 image whose axes run from (80, 60) to (560, 420) in pixels,
// x from 0 to 10 and y from -1 to 1 in data.
const g = { width: 640, height: 480, axes: [80, 60, 560, 420], x: [0, 10], y: [-1, 1] };

describe('matplotlib selection geometry', () => {
  it('maps image pixels to data, y growing upward', () => {
    expect(toData(g, 80, 420)).toEqual([0, -1]);
    expect(toData(g, 560, 60)).toEqual([10, 1]);
    expect(toData(g, 320, 240)).toEqual([5, 0]);
  });

  it('a box is ordered whichever way it was dragged', () => {
    expect(boxValue(g, [560, 60], [320, 240])).toEqual({
      mode: 'box', has_selection: true, selection: { x_min: 5, x_max: 10, y_min: 0, y_max: 1 },
    });
  });
});
