// Integrity to the glass: every output MIME bundle and console chunk the
// server sends may carry `hash`, the hex BLAKE2b-256 of its data as defined
// in docs/editor-protocol.md ("Integrity"), computed by the Python worker
// where the output was made. Nothing is painted until it is recomputed
// here and matches; a mismatch is shown as an integrity error. The same
// digest names code the browser sends (`code_hash`).

import { createBLAKE2b } from 'hash-wasm';
import type { ConsoleChunk, MimeBundle } from './protocol';

/** Hex BLAKE2b-256 of some bytes, synchronous once loaded. */
export type Hasher = (data: Uint8Array) => string;

let loaded: Hasher | null = null;

/** Loads BLAKE2b-256 (WebAssembly, bundled: no network) once: Python's
 * `hashlib.blake2b(digest_size=32)`, which the worker hashes with. */
export async function loadHasher(): Promise<Hasher> {
  if (loaded) return loaded;
  const h = await createBLAKE2b(256);
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
 * The canonical JSON of a value (docs/editor-protocol.md, "Integrity"):
 * no whitespace, object keys in JavaScript's default `sort()` order
 * (UTF-16 code units), strings and numbers as `JSON.stringify` writes
 * them. The worker and the runtime write exactly this from their values
 * (`python/weir/_integrity.py`, `crates/runtime/src/integrity.rs`); the
 * bytes as sent would not survive
 * `JSON.parse`, so neither side hashes those.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The bytes a bundle's hash covers: the UTF-8 of its canonical JSON without its `hash` key. */
export function bundleBytes(bundle: MimeBundle): Uint8Array {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(bundle)) if (key !== 'hash') rest[key] = bundle[key];
  return utf8.encode(canonicalJson(rest));
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
