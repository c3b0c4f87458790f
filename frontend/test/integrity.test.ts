import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleBytes, canonicalJson, compareBytes, hashBundle, hashText, loadHasher, verifyBundle, verifyChunk,
  type Hasher,
} from '../src/integrity';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

describe('BLAKE3', () => {
  it('matches the reference digest of the empty input and of "abc"', () => {
    // From the BLAKE3 reference test vectors / b3sum.
    expect(hashText(hasher, '')).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
    expect(hashText(hasher, 'abc')).toBe('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
  });
});

describe('bundle hashing', () => {
  it('covers keys in byte order with length prefixes, skipping hash', () => {
    const bytes = new TextDecoder().decode(bundleBytes({ 'text/plain': '2', 'text/html': '<b>2</b>', hash: 'x' }));
    expect(bytes).toBe('9:text/html8:<b>2</b>10:text/plain1:2');
  });

  it('serialises non-string data as serde_json does (sorted keys, compact)', () => {
    expect(canonicalJson({ b: [1, 2.5, null], a: { z: true, y: 'é' } })).toBe('{"a":{"y":"é","z":true},"b":[1,2.5,null]}');
    expect(canonicalJson({ '10': 1, '2': 2 })).toBe('{"10":1,"2":2}');
    expect(compareBytes('\uffff', '\u{1F600}')).toBeLessThan(0);
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

describe('the contract\'s test vectors (docs/editor-protocol.md, checked against the Python blake3 package)', () => {
  it('gives the documented digests', () => {
    expect(hashBundle(hasher, { 'text/plain': '2', 'text/html': '<b>2</b>' })).toBe(
      'b0531921d808e1137f7c0faf63d60dd09bab02af6763c0ae973ea13fae3ae579');
    expect(hashBundle(hasher, { 'application/json': { b: [1, 2.5, null], a: 'é' }, 'text/plain': "{'a': 'é'}" })).toBe(
      'f9c6024c937a2836f54031b5840e3501193fb7103fe042d94717a2dc82e50dda');
    expect(hashText(hasher, 'hello\n')).toBe('8e4c7c1b99dbfd50e7a95185fead5ee1448fa904a2fdd778eaf5f2dbfd629a99');
  });
});

describe('console chunks', () => {
  it('verifies the text and refuses a changed byte', () => {
    const chunk = { stream: 'stdout' as const, text: 'hi\n', hash: hashText(hasher, 'hi\n') };
    expect(verifyChunk(hasher, chunk).ok).toBe(true);
    expect(verifyChunk(hasher, { ...chunk, text: 'hj\n' }).ok).toBe(false);
  });
});
