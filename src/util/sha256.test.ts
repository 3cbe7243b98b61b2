import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalJson, sha256 } from './sha256.js';
import { Rng } from './random.js';

describe('sha256', () => {
  it('matches the FIPS 180-4 examples and node:crypto on every length around the block boundaries', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const rng = new Rng(1);
    for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
      expect(sha256(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(sha256('héllo ✓')).toBe(createHash('sha256').update('héllo ✓', 'utf8').digest('hex'));
  });

  it('canonical JSON sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: 2, c: null }] })).toBe('{"a":[3,{"c":null,"d":2}],"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});
