// Gathers mini-batches of a model's inputs and targets into reused buffers, or inputs straight into a plan's.

import { Tensor, allocFor, type DType, type TypedArray } from '../tensor/tensor.js';
import { BatchBuffer, gatherRows } from '../data/batches.js';
import { getBackend } from '../backend/backend.js';

/** Float inputs go into backend memory, where wasm kernels read them without a copy. */
function backendAlloc(dtype: DType, size: number) {
  return dtype === 'float32' ? getBackend().allocFloat32(size) : allocFor(dtype, size);
}

export class BatchGatherer {
  private readonly xBuffers: BatchBuffer[];
  private readonly yBuffers: BatchBuffer[];
  private readonly indices: Int32Array;
  readonly n: number;

  /** One tensor per model input (xs) and per output's targets (ys), all with the same rows. */
  constructor(private readonly xs: Tensor[], private readonly ys: Tensor[], private readonly batchSize: number) {
    this.n = xs[0].shape[0];
    const size = Math.min(batchSize, this.n);
    this.xBuffers = xs.map((x) => new BatchBuffer(x, size, backendAlloc));
    // Targets flattened to rows, so [n] and [n, 1] label tensors gather the same way.
    this.yBuffers = ys.map((y) => new BatchBuffer(y.rank === 1 ? new Tensor(y.values, [y.shape[0], 1], y.dtype) : y, size));
    this.indices = new Int32Array(size);
  }

  /** Row indices of batch b in the given order (null: rows in order); a view overwritten by the next call. */
  rowsOf(order: Int32Array | null, b: number): Int32Array {
    const start = b * this.batchSize;
    const rows = Math.min(this.batchSize, this.n - start);
    const idx = this.indices.subarray(0, rows);
    for (let i = 0; i < rows; i++) idx[i] = order ? order[start + i] : start + i;
    return idx;
  }

  /** Batch b of the given row order (null: rows in order). Tensors are overwritten by the next call. */
  batch(order: Int32Array | null, b: number): [Tensor[], Tensor[]] {
    const idx = this.rowsOf(order, b);
    return [this.xBuffers.map((buffer) => buffer.fill(idx)), this.targets(idx)];
  }

  /** The targets of rows `idx` (tensors over reused buffers). */
  targets(idx: Int32Array): Tensor[] {
    return this.yBuffers.map((buffer, i) => {
      const yb = buffer.fill(idx);
      return this.ys[i].rank === 1 ? new Tensor(yb.values, [idx.length], yb.dtype) : yb;
    });
  }

  /** Copies the input rows `idx` straight into `outs` (a plan's inputs, of the same element types). */
  gatherXInto(idx: Int32Array, outs: TypedArray[]): void {
    this.xs.forEach((x, i) => gatherRows(x, idx, outs[i]));
  }
}
