import { describe, expect, it } from 'vitest';
import { FrameLoop } from '../src/frame-loop';

function setup(arrivals: string[][] = []) {
  const callbacks: (() => void)[] = [];
  const log: string[] = [];
  let poll = false;
  const loop: FrameLoop = new FrameLoop(
    {
      drain: () => {
        for (const m of arrivals.shift() ?? []) {
          log.push(`deliver ${m}`);
          loop.schedule(); // as the controller's dispatch does
        }
      },
      paint: () => log.push('paint'),
      poll: () => poll,
    },
    (f) => {
      callbacks.push(f);
      return callbacks.length;
    },
    () => {},
  );
  /** The browser runs the frame's callbacks (those asked for before it). */
  const frame = () => {
    const now = callbacks.splice(0);
    log.push(`frame (${now.length})`);
    for (const f of now) f();
  };
  return { loop, log, frame, callbacks, setPoll: (p: boolean) => (poll = p) };
}

describe('the frame loop', () => {
  it('what the drain brings is painted in the same frame, with no frame asked for meanwhile', () => {
    const t = setup([['reply']]);
    t.loop.wake();
    t.frame();
    expect(t.log).toEqual(['frame (1)', 'deliver reply', 'paint']);
    expect(t.callbacks).toHaveLength(0); // nothing pending, nothing polling: idle
  });

  it('a frame with nothing drained and nothing changed paints nothing', () => {
    const t = setup([]);
    t.loop.wake();
    t.frame();
    expect(t.log).toEqual(['frame (1)']);
  });

  it('while polling, the ring is read every frame until the reply, then it stops', () => {
    const t = setup([[], [], ['ok', 'finished']]);
    t.setPoll(true);
    t.loop.wake();
    t.frame();
    t.frame();
    expect(t.log).toEqual(['frame (1)', 'frame (1)']);
    t.setPoll(false);
    t.frame();
    expect(t.log.slice(2)).toEqual(['frame (1)', 'deliver ok', 'deliver finished', 'paint']);
    expect(t.callbacks).toHaveLength(0);
  });

  it('one frame asked for, however many changes come between frames', () => {
    const t = setup();
    t.loop.schedule();
    t.loop.schedule();
    t.loop.wake();
    expect(t.callbacks).toHaveLength(1);
    t.frame();
    expect(t.log).toEqual(['frame (1)', 'paint']);
  });

  it('a change during the paint (a notice) is painted in the next frame', () => {
    const callbacks: (() => void)[] = [];
    let paints = 0;
    const loop: FrameLoop = new FrameLoop(
      {
        drain: () => {},
        paint: () => {
          paints++;
          if (paints === 1) loop.schedule();
        },
        poll: () => false,
      },
      (f) => callbacks.push(f),
      () => {},
    );
    loop.schedule();
    callbacks.shift()!();
    expect(paints).toBe(1);
    expect(callbacks).toHaveLength(1);
    callbacks.shift()!();
    expect(paints).toBe(2);
  });
});
