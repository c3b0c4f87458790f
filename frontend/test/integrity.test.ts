import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleBytes, canonicalJson, hashBundle, hashText, loadHasher, verifyBundle, verifyChunk,
  type Hasher,
} from '../src/integrity';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

describe('BLAKE2b-256', () => {
  it('matches the reference digest of the empty input and of "abc"', () => {
    // Python's hashlib.blake2b(digest_size=32), as the worker hashes.
    expect(hashText(hasher, '')).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
    expect(hashText(hasher, 'abc')).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });
});

describe('bundle hashing', () => {
  it('covers the canonical JSON of the bundle without its hash', () => {
    const bytes = new TextDecoder().decode(bundleBytes({ 'text/plain': '2', 'text/html': '<b>2</b>', hash: 'x' }));
    expect(bytes).toBe('{"text/html":"<b>2</b>","text/plain":"2"}');
  });

  it('writes keys in UTF-16 order and numbers as JavaScript prints them', () => {
    expect(canonicalJson({ b: [1, 2.5, null], a: { z: true, y: 'é' } })).toBe('{"a":{"y":"é","z":true},"b":[1,2.5,null]}');
    expect(canonicalJson({ '10': 1, '2': 2 })).toBe('{"10":1,"2":2}');
    expect(canonicalJson({ '\uffff': 1, '\u{1F600}': 2 })).toBe('{"\u{1F600}":2,"\uffff":1}');
    expect(canonicalJson([1e21, 1.5e-7, 1.0])).toBe('[1e+21,1.5e-7,1]');
  });

  it('accepts an untouched output and refuses a tampered one', () => {
    const good = { 'text/plain': 'hello', hash: '' };
    good.hash = hashBundle(hasher, good);
    expect(verifyBundle(hasher, good)).toEqual({ ok: true, checked: true });

    const tampered = { ...good, 'text/plain': 'hellO' };
    const v = verifyBundle(hasher, tampered);
    expect(v.ok).toBe(false);

    const added = { ...good, 'text/html': '<script>x</script>' };
    expect(verifyBundle(hasher, added).ok).toBe(false);
  });

  it('refuses a malformed hash rather than skipping the check', () => {
    expect(verifyBundle(hasher, { 'text/plain': 'a', hash: 'ZZ' }).ok).toBe(false);
    expect(verifyBundle(hasher, { 'text/plain': 'a', hash: 7 }).ok).toBe(false);
  });

  it('reports an output without hash as unchecked', () => {
    expect(verifyBundle(hasher, { 'text/plain': 'a' })).toEqual({ ok: true, checked: false });
  });
});

// One file of vectors for every side: crates/runtime/src/integrity.rs and
// python/tests/test_integrity.py check the same ones, so the worker, the
// runtime and the page cannot drift apart unnoticed.
import vectorsFile from '../../docs/editor-hash-vectors.json';

const vectors = vectorsFile as unknown as {
  bundles: { bundle: Record<string, unknown>; canonical: string; hash: string }[];
  texts: { text: string; hash: string }[];
};

describe('the shared test vectors (docs/editor-hash-vectors.json)', () => {
  it.each(vectors.bundles)('bundle %#', (v) => {
    expect(new TextDecoder().decode(bundleBytes(v.bundle))).toBe(v.canonical);
    expect(hashBundle(hasher, v.bundle)).toBe(v.hash);
  });
  it.each(vectors.texts)('console text %#', (v) => {
    expect(hashText(hasher, v.text)).toBe(v.hash);
  });
});

describe('console chunks', () => {
  it('verifies the text and refuses a changed byte', () => {
    const chunk = { stream: 'stdout' as const, text: 'hi\n', hash: hashText(hasher, 'hi\n') };
    expect(verifyChunk(hasher, chunk).ok).toBe(true);
    expect(verifyChunk(hasher, { ...chunk, text: 'hj\n' }).ok).toBe(false);
  });
});
