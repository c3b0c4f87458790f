// A single-producer, single-consumer ring of messages in a
// SharedArrayBuffer: the socket worker writes what the WebSocket received,
// the page reads it synchronously inside its animation-frame callback
// (docs/editor-protocol.md, "The page's socket"). Neither side ever waits
// on the other: a message that does not fit (too large for the ring, or
// the ring too full right now) is not written, and the worker sends it by
// postMessage instead; every message carries the worker's number for it,
// so the page can merge the two paths in order.
//
// Layout: 16 bytes of header, then `capacity` bytes of data (a power of
// two). Header: two Int32 counters, `head` (bytes read so far, written by
// the reader only) and `tail` (bytes written so far, written by the writer
// only), both modulo 2^32, read and written with Atomics. Data: records
// back to back, each a 12-byte little-endian header (u32 payload length,
// u32 message number, u32 socket id) and the payload (the message's UTF-8
// bytes); a record may wrap around the end of the data area. The writer
// copies a whole record in, then publishes it by storing `tail`; the reader
// copies a record out, then frees it by storing `head`.

const HEADER_BYTES = 16;
const HEAD = 0;
const TAIL = 1;
export const RECORD_HEADER = 12;
/** The default size of the data area: 1 MiB (larger messages go by postMessage). */
export const DEFAULT_CAPACITY = 1 << 20;

export interface RingRecord {
  seq: number;
  socket: number;
  text: string;
}

/** A new shared buffer for a ring of `capacity` data bytes (a power of two, at least 64). */
export function ringBuffer(capacity = DEFAULT_CAPACITY): SharedArrayBuffer {
  if (capacity < 64 || (capacity & (capacity - 1)) !== 0) throw new Error(`ring capacity ${capacity} is not a power of two >= 64`);
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

class RingBase {
  protected readonly index: Int32Array;
  protected readonly data: Uint8Array;
  readonly capacity: number;
  constructor(buffer: SharedArrayBuffer) {
    this.index = new Int32Array(buffer, 0, 2);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
    this.capacity = this.data.length;
  }
  /** Bytes written and not yet read. */
  protected used(): number {
    return (Atomics.load(this.index, TAIL) - Atomics.load(this.index, HEAD)) >>> 0;
  }
}

/** The worker's end. */
export class RingWriter extends RingBase {
  private readonly encoder = new TextEncoder();

  /** Whether a message of `bytes` UTF-8 bytes could ever fit. */
  fits(bytes: number): boolean {
    return RECORD_HEADER + bytes <= this.capacity;
  }

  /** Writes one message; false (nothing written) when it does not fit now. */
  write(seq: number, socket: number, text: string): boolean {
    return this.writeBytes(seq, socket, this.encoder.encode(text));
  }

  writeBytes(seq: number, socket: number, payload: Uint8Array): boolean {
    const need = RECORD_HEADER + payload.length;
    if (need > this.capacity - this.used()) return false;
    const tail = Atomics.load(this.index, TAIL) >>> 0;
    const header = new Uint8Array(RECORD_HEADER);
    const view = new DataView(header.buffer);
    view.setUint32(0, payload.length, true);
    view.setUint32(4, seq >>> 0, true);
    view.setUint32(8, socket >>> 0, true);
    this.copyIn(tail, header);
    this.copyIn(tail + RECORD_HEADER, payload);
    // Publishes the record: the reader sees `tail` move only after the bytes.
    Atomics.store(this.index, TAIL, (tail + need) | 0);
    return true;
  }

  private copyIn(pos: number, bytes: Uint8Array): void {
    const at = (pos >>> 0) & (this.capacity - 1);
    const first = Math.min(bytes.length, this.capacity - at);
    this.data.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0);
  }
}

/** The page's end. */
export class RingReader extends RingBase {
  private readonly decoder = new TextDecoder();

  /** The number of the next record, without taking it; null when the ring is empty. */
  peekSeq(): number | null {
    if (this.used() < RECORD_HEADER) return null;
    const head = Atomics.load(this.index, HEAD) >>> 0;
    return new DataView(this.copyOut(head, RECORD_HEADER).buffer).getUint32(4, true);
  }

  /** Takes the next record; null when the ring is empty. */
  read(): RingRecord | null {
    if (this.used() < RECORD_HEADER) return null;
    const head = Atomics.load(this.index, HEAD) >>> 0;
    const view = new DataView(this.copyOut(head, RECORD_HEADER).buffer);
    const length = view.getUint32(0, true);
    const seq = view.getUint32(4, true);
    const socket = view.getUint32(8, true);
    // TextDecoder refuses views on shared memory: decode a private copy.
    const text = this.decoder.decode(this.copyOut(head + RECORD_HEADER, length));
    Atomics.store(this.index, HEAD, (head + RECORD_HEADER + length) | 0);
    return { seq, socket, text };
  }

  private copyOut(pos: number, length: number): Uint8Array {
    const at = (pos >>> 0) & (this.capacity - 1);
    const first = Math.min(length, this.capacity - at);
    if (first === length) return this.data.slice(at, at + length);
    const out = new Uint8Array(length);
    out.set(this.data.subarray(at, at + first), 0);
    out.set(this.data.subarray(0, length - first), first);
    return out;
  }
}
