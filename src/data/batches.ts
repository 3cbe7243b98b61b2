// Mini-batches: seeded index batches and row gathering into reusable buffers (no allocation per batch).

import { Tensor, allocFor, type TypedArray } from '../tensor/tensor.js';
import type { Rng } from '../util/random.js';
import { rowCount, rowSize } from './check.js';

export interface BatchOptions {
  /** Visit rows in a new random order (default false: 0..n-1 in order). */
  shuffle?: boolean;
  /** The generator used when shuffling (required when shuffle is true). */
  rng?: Rng;
  /** Skip a last batch smaller than batchSize (default false). */
  dropRemainder?: boolean;
}

/** Number of batches `batches(n, batchSize, options)` yields. */
export function batchCount(n: number, batchSize: number, dropRemainder = false): number {
  checkBatchArgs(n, batchSize);
  return dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Yields the row indices of each mini-batch: views into one index array made per call
 * (the last batch may be smaller). Copy a view if you keep it past the next iteration.
 */
export function* batches(n: number, batchSize: number, options: BatchOptions = {}): Generator<Int32Array, void, undefined> {
  checkBatchArgs(n, batchSize);
  let order: Int32Array;
  if (options.shuffle) {
    if (!options.rng) throw new Error('batches: shuffle needs an rng (e.g. new Rng(seed)) so runs are reproducible');
    order = options.rng.permutation(n);
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const count = batchCount(n, batchSize, options.dropRemainder);
  for (let b = 0; b < count; b++) yield order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
}

function checkBatchArgs(n: number, batchSize: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`batches: the number of rows must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
}

/**
 * Copies the rows `indices` of t (in that order) into `out`, which must have room for
 * indices.length rows of the same element type; returns the filled part (`out` itself when it
 * fits exactly, else a view of its start). Without `out`, a new array is allocated.
 * Reuse one buffer of batchSize rows across steps so the training loop allocates nothing.
 */
export function gatherRows<T extends TypedArray>(t: Tensor, indices: ArrayLike<number>, out?: T): T {
  const n = rowCount(t, 'gatherRows');
  const w = rowSize(t);
  const need = indices.length * w;
  const dst = (out ?? allocFor(t.dtype, need)) as T;
  if (dst.constructor !== t.values.constructor) {
    throw new Error(`gatherRows: the buffer is a ${dst.constructor.name} but the tensor's values are a ${t.values.constructor.name}`);
  }
  if (dst.length < need) {
    throw new Error(`gatherRows: the buffer holds ${dst.length} values but ${indices.length} rows of ${w} need ${need}; allocate batchSize * ${w}`);
  }
  const src = t.values;
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k];
    if (!(r >= 0 && r < n && Number.isInteger(r))) throw new Error(`gatherRows: row index ${r} is out of range for ${n} rows`);
    if (w === 1) dst[k] = src[r];
    else dst.set(src.subarray(r * w, r * w + w), k * w);
  }
  return (dst.length === need ? dst : dst.subarray(0, need)) as T;
}

/** A new tensor holding the rows `indices` of t (allocates; use `gatherRows` with a buffer in hot loops). */
export function takeRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const values = gatherRows(t, indices);
  return new Tensor(values, [indices.length, ...t.shape.slice(1)], t.dtype);
}

/** A reusable batch buffer for one tensor: `fill(indices)` gathers rows into it and returns a Tensor viewing them. */
export class BatchBuffer {
  readonly values: TypedArray;
  private readonly rowShape: number[];

  /** `alloc` supplies the storage (e.g. a backend's own memory, where its kernels read without a copy). */
  constructor(
    private readonly source: Tensor,
    readonly batchSize: number,
    alloc: (dtype: Tensor['dtype'], size: number) => TypedArray = allocFor,
  ) {
    checkBatchArgs(rowCount(source, 'BatchBuffer'), batchSize);
    this.rowShape = source.shape.slice(1);
    this.values = alloc(source.dtype, batchSize * rowSize(source));
  }

  /** Gathers the rows into the shared buffer; the returned tensor is overwritten by the next fill. */
  fill(indices: ArrayLike<number>): Tensor {
    const filled = gatherRows(this.source, indices, this.values);
    return new Tensor(filled, [indices.length, ...this.rowShape], this.source.dtype);
  }
}
