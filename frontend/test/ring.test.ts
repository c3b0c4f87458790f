import { describe, expect, it } from 'vitest';
import { RECORD_HEADER, RingReader, RingWriter, ringBuffer } from '../src/ring';

describe('the shared-memory ring', () => {
  it('gives back what was written, in order, with numbers and socket ids; empty reads null', () => {
    const buf = ringBuffer(256);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    expect(r.read()).toBeNull();
    expect(r.peekSeq()).toBeNull();
    expect(w.write(0, 1, 'hello')).toBe(true);
    expect(w.write(1, 2, 'é ✓ 𝄞')).toBe(true);
    expect(r.peekSeq()).toBe(0);
    expect(r.read()).toEqual({ seq: 0, socket: 1, text: 'hello' });
    expect(r.peekSeq()).toBe(1);
    expect(r.read()).toEqual({ seq: 1, socket: 2, text: 'é ✓ 𝄞' });
    expect(r.read()).toBeNull();
  });

  it('wraps around the end of the data area, many times, headers and payloads split anywhere', () => {
    const buf = ringBuffer(64);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    const text = (n: number) => 'x'.repeat(n % 23) + String(n);
    let written = 0;
    let read = 0;
    // Fill until the ring refuses, then take a varying number out, so it is
    // written while part full and records split at every offset.
    for (let round = 0; round < 300; round++) {
      while (w.write(written, 7, text(written))) written++;
      for (let k = 0; k <= round % 3; k++) {
        const got = r.read();
        if (!got) break;
        expect(got).toEqual({ seq: read, socket: 7, text: text(read) });
        read++;
      }
    }
    for (let got = r.read(); got; got = r.read()) {
      expect(got).toEqual({ seq: read, socket: 7, text: text(read) });
      read++;
    }
    expect(read).toBe(written);
    expect(written).toBeGreaterThan(300);
  });

  it('refuses, writing nothing, a message larger than the ring or than its free space', () => {
    const buf = ringBuffer(64);
    const w = new RingWriter(buf);
    const r = new RingReader(buf);
    expect(w.fits(64 - RECORD_HEADER)).toBe(true);
    expect(w.fits(64 - RECORD_HEADER + 1)).toBe(false);
    expect(w.write(0, 1, 'y'.repeat(100))).toBe(false);
    expect(r.read()).toBeNull();
    expect(w.write(0, 1, 'a'.repeat(30))).toBe(true); // 42 bytes used
    expect(w.write(1, 1, 'b'.repeat(20))).toBe(false); // 32 more do not fit in 22
    expect(w.write(1, 1, 'c'.repeat(10))).toBe(true); // 22 do
    expect(w.write(2, 1, '')).toBe(false); // full
    expect(r.read()?.text).toBe('a'.repeat(30));
    expect(w.write(2, 1, 'd'.repeat(30))).toBe(true);
    expect(r.read()).toMatchObject({ seq: 1, text: 'c'.repeat(10) });
    expect(r.read()).toMatchObject({ seq: 2, text: 'd'.repeat(30) });
    expect(r.read()).toBeNull();
  });

  it('only takes a power-of-two capacity', () => {
    expect(() => ringBuffer(100)).toThrow();
    expect(() => ringBuffer(32)).toThrow();
  });
});
