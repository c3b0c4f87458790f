// Integrity to the glass: every output MIME bundle and console chunk the
// server sends may carry `hash`, the hex BLAKE3 of its data as defined in
// docs/editor-protocol.md ("Integrity"). Nothing is painted until it is
// recomputed here and matches; a mismatch is shown as an integrity error.
// The same digest names code the browser sends (`code_hash`).

import { createBLAKE3 } from 'hash-wasm';
import type { ConsoleChunk, MimeBundle } from './protocol';

/** Hex BLAKE3 of some bytes, synchronous once loaded. */
export type Hasher = (data: Uint8Array) => string;

let loaded: Hasher | null = null;

/** Loads BLAKE3 (WebAssembly, bundled: no network) once. */
export async function loadHasher(): Promise<Hasher> {
  if (loaded) return loaded;
  const h = await createBLAKE3();
  loaded = (data: Uint8Array) => {
    h.init();
    h.update(data);
    return h.digest('hex');
  };
  return loaded;
}

const utf8 = new TextEncoder();

export function hashText(hasher: Hasher, text: string): string {
  return hasher(utf8.encode(text));
}

/**
 * JSON as serde_json writes a `Value` (compact, object keys in byte order),
 * for the non-string data of a bundle. Numbers JavaScript cannot hold
 * exactly come out differently and then fail verification: refusing is the
 * safe side.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object).sort(compareBytes);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Orders strings by their UTF-8 bytes (Rust's `str` order), not UTF-16 units. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * The bytes a bundle's hash covers: for each key but `hash`, in byte order,
 * `<len(key)>:<key><len(value)>:<value>` with lengths in decimal bytes and
 * the value as its UTF-8 when it is a JSON string, else `canonicalJson`.
 */
export function bundleBytes(bundle: MimeBundle): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array) => {
    const head = utf8.encode(`${b.length}:`);
    parts.push(head, b);
    total += head.length + b.length;
  };
  for (const key of Object.keys(bundle).sort(compareBytes)) {
    if (key === 'hash') continue;
    const value = bundle[key];
    push(utf8.encode(key));
    push(utf8.encode(typeof value === 'string' ? value : canonicalJson(value)));
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hashBundle(hasher: Hasher, bundle: MimeBundle): string {
  return hasher(bundleBytes(bundle));
}

export type Verdict =
  | { ok: true; checked: boolean }
  | { ok: false; expected: string; actual: string };

const HEX64 = /^[0-9a-f]{64}$/;

function judge(expected: unknown, actual: () => string): Verdict {
  if (expected === undefined) return { ok: true, checked: false };
  if (typeof expected !== 'string' || !HEX64.test(expected)) {
    return { ok: false, expected: String(expected), actual: actual() };
  }
  const got = actual();
  return got === expected ? { ok: true, checked: true } : { ok: false, expected, actual: got };
}

// Results per object: state is immutable, so an object seen once never changes.
const bundleVerdicts = new WeakMap<object, Verdict>();
const chunkVerdicts = new WeakMap<object, Verdict>();

export function verifyBundle(hasher: Hasher, bundle: MimeBundle): Verdict {
  let v = bundleVerdicts.get(bundle);
  if (!v) {
    v = judge(bundle.hash, () => hashBundle(hasher, bundle));
    bundleVerdicts.set(bundle, v);
  }
  return v;
}

export function verifyChunk(hasher: Hasher, chunk: ConsoleChunk): Verdict {
  let v = chunkVerdicts.get(chunk);
  if (!v) {
    v = judge(chunk.hash, () => hashText(hasher, chunk.text));
    chunkVerdicts.set(chunk, v);
  }
  return v;
}
