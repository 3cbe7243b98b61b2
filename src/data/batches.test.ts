// Tests for mini-batch index generation and row gathering into reused buffers.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { BatchBuffer, batchCount, batches, gatherRows, takeRows } from './batches.js';

const x = new Tensor(Float32Array.from({ length: 10 * 3 }, (_, k) => k), [10, 3]);
const y = new Tensor(Int32Array.from({ length: 10 }, (_, i) => i), [10]);

describe('batches', () => {
  it('yields in-order batches with a smaller last batch', () => {
    const got = [...batches(10, 4)].map((b) => Array.from(b));
    expect(got).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batchCount(10, 4)).toBe(3);
    expect([...batches(10, 4, { dropRemainder: true })].length).toBe(2);
    expect(batchCount(10, 4, true)).toBe(2);
    expect([...batches(0, 4)]).toEqual([]);
  });

  it('shuffles reproducibly with an rng, covering every row once per epoch', () => {
    const a = [...batches(10, 3, { shuffle: true, rng: new Rng(4) })].flatMap((b) => Array.from(b));
    const b = [...batches(10, 3, { shuffle: true, rng: new Rng(4) })].flatMap((b) => Array.from(b));
    expect(a).toEqual(b);
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects bad arguments', () => {
    expect(() => [...batches(10, 0)]).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => [...batches(-1, 2)]).toThrow(/non-negative integer/);
    expect(() => [...batches(10, 2, { shuffle: true })]).toThrow(/shuffle needs an rng/);
  });
});

describe('gatherRows', () => {
  it('copies rows into a reused buffer without allocating a new one', () => {
    const buf = new Float32Array(4 * 3);
    const full = gatherRows(x, [9, 0, 5, 1], buf);
    expect(full).toBe(buf);
    expect(Array.from(buf.subarray(0, 6))).toEqual([27, 28, 29, 0, 1, 2]);
    const part = gatherRows(x, [2, 3], buf);
    expect(part.buffer).toBe(buf.buffer);
    expect(Array.from(part)).toEqual([6, 7, 8, 9, 10, 11]);
    const labels = gatherRows(y, Int32Array.of(7, 3), new Int32Array(4));
    expect(Array.from(labels)).toEqual([7, 3]);
  });

  it('checks buffer type, size and indices', () => {
    expect(() => gatherRows(x, [0, 1], new Float32Array(5))).toThrow(/holds 5 values but 2 rows of 3 need 6/);
    expect(() => gatherRows(x, [0], new Int32Array(3))).toThrow(/buffer is a Int32Array but the tensor's values are a Float32Array/);
    expect(() => gatherRows(x, [10])).toThrow(/row index 10 is out of range for 10 rows/);
    expect(() => gatherRows(x, [-1])).toThrow(/out of range/);
  });

  it('takeRows makes a new tensor, keeping trailing dimensions', () => {
    const img = new Tensor(Float32Array.from({ length: 3 * 4 }, (_, k) => k), [3, 2, 2, 1]);
    const t = takeRows(img, [2, 0]);
    expect(t.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(t.values)).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    expect(takeRows(y, [1]).dtype).toBe('int32');
  });

  it('BatchBuffer reuses one buffer and returns tensors of the batch shape', () => {
    const bb = new BatchBuffer(x, 4);
    const t1 = bb.fill([1, 2, 3, 4]);
    const t2 = bb.fill([5, 6]);
    expect(t1.shape).toEqual([4, 3]);
    expect(t2.shape).toEqual([2, 3]);
    expect(t1.values.buffer).toBe(t2.values.buffer);
    expect(Array.from(t2.values)).toEqual([15, 16, 17, 18, 19, 20]);
  });
});
