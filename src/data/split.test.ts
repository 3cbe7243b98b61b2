// Tests for seeded shuffling and (stratified) train/test splits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { shuffle, splitIndices, trainTestSplit } from './split.js';

/** x row i is [i, 10 i]; y row i is i % 3, so pairing can be checked after any permutation. */
function data(n: number) {
  const x = new Tensor(Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 ? 10 : 1) * Math.floor(k / 2)), [n, 2]);
  const y = new Tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n]);
  return { x, y };
}

function expectPaired(x: Tensor, y: Tensor) {
  for (let r = 0; r < x.shape[0]; r++) {
    const i = x.values[2 * r];
    expect(x.values[2 * r + 1]).toBe(10 * i);
    expect(y.values[r]).toBe(i % 3);
  }
}

describe('shuffle', () => {
  it('permutes x and y together, reproducibly by seed', () => {
    const { x, y } = data(50);
    const a = shuffle(x, y, 7);
    const b = shuffle(x, y, 7);
    const c = shuffle(x, y, 8);
    expect(a.x.values).toEqual(b.x.values);
    expect(a.x.values).not.toEqual(c.x.values);
    expect(a.x.values).not.toEqual(x.values);
    expectPaired(a.x, a.y);
    expect([...a.x.values].sort((p, q) => p - q)).toEqual([...x.values].sort((p, q) => p - q));
  });

  it('accepts an Rng and advances it', () => {
    const { x, y } = data(10);
    const rng = new Rng(1);
    const first = shuffle(x, y, rng);
    const second = shuffle(x, y, rng);
    expect(first.x.values).not.toEqual(second.x.values);
  });

  it('rejects mismatched lengths and bad seeds', () => {
    const { x } = data(5);
    const y = new Tensor(new Int32Array(4), [4]);
    expect(() => shuffle(x, y, 0)).toThrow(/x has 5 rows but y has 4/);
    expect(() => shuffle(x, data(5).y, NaN)).toThrow(/seed must be a finite number/);
  });
});

describe('trainTestSplit', () => {
  it('splits rows disjointly and completely, keeping x and y paired', () => {
    const { x, y } = data(100);
    const s = trainTestSplit(x, y, { testFraction: 0.2, seed: 3 });
    expect(s.xTrain.shape).toEqual([80, 2]);
    expect(s.xTest.shape).toEqual([20, 2]);
    expect(s.yTest.shape).toEqual([20]);
    expectPaired(s.xTrain, s.yTrain);
    expectPaired(s.xTest, s.yTest);
    const ids = [...s.xTrain.values.filter((_, k) => k % 2 === 0), ...s.xTest.values.filter((_, k) => k % 2 === 0)];
    expect(new Set(ids).size).toBe(100);
  });

  it('is reproducible and differs by seed', () => {
    const { x, y } = data(30);
    const a = trainTestSplit(x, y, { testFraction: 0.3, seed: 1 });
    expect(trainTestSplit(x, y, { testFraction: 0.3, seed: 1 }).xTest.values).toEqual(a.xTest.values);
    expect(trainTestSplit(x, y, { testFraction: 0.3, seed: 2 }).xTest.values).not.toEqual(a.xTest.values);
  });

  it('stratify keeps class proportions', () => {
    // 60 of class 0, 30 of class 1, 10 of class 2
    const y = new Tensor(Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2)), [100]);
    const x = new Tensor(Float32Array.from({ length: 100 }, (_, i) => i), [100, 1]);
    const s = trainTestSplit(x, y, { testFraction: 0.2, seed: 5, stratify: true });
    const counts = [0, 0, 0];
    for (const c of s.yTest.values) counts[c]++;
    expect(counts).toEqual([12, 6, 2]);
    for (let r = 0; r < 20; r++) expect(s.yTest.values[r]).toBe(y.values[s.xTest.values[r]]);
  });

  it('property: stratified test size is round(n f) and each class is within one of its share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 80 }), fc.double({ min: 0.1, max: 0.9 }), (labels, f) => {
        const n = labels.length;
        const nTest = Math.round(n * f);
        fc.pre(nTest >= 1 && nTest <= n - 1);
        const y = new Tensor(Int32Array.from(labels), [n]);
        const { train, test } = splitIndices(n, { testFraction: f, seed: 9 }, y);
        expect(test.length).toBe(nTest);
        expect(new Set([...train, ...test]).size).toBe(n);
        for (let c = 0; c <= 4; c++) {
          const total = labels.filter((l) => l === c).length;
          const inTest = [...test].filter((i) => labels[i] === c).length;
          expect(Math.abs(inTest - (total * nTest) / n)).toBeLessThan(1);
        }
      }),
    );
  });

  it('rejects bad fractions, empty parts and non-class labels for stratify', () => {
    const { x, y } = data(10);
    expect(() => trainTestSplit(x, y, { testFraction: 1 })).toThrow(/testFraction must be a number strictly between 0 and 1, got 1/);
    expect(() => trainTestSplit(x, y, {} as never)).toThrow(/testFraction/);
    expect(() => trainTestSplit(x, y, { testFraction: 0.01 })).toThrow(/10 rows with testFraction 0.01 leaves an empty train or test set/);
    const yf = new Tensor(Float32Array.from({ length: 10 }, (_, i) => i / 2), [10]);
    expect(() => trainTestSplit(x, yf, { testFraction: 0.5, stratify: true })).toThrow(/integer class labels; y at row 1 is 0.5/);
    const y2 = new Tensor(new Int32Array(20), [10, 2]);
    expect(() => trainTestSplit(x, y2, { testFraction: 0.5, stratify: true })).toThrow(/one class index per row/);
  });
});
