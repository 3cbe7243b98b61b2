// Gathers (x, y) mini-batches for a training loop into reused buffers, or x straight into a plan's input.

import { Tensor, allocFor, type DType, type TypedArray } from '../tensor/tensor.js';
import { BatchBuffer, gatherRows } from '../data/batches.js';
import { getBackend } from '../backend/backend.js';

/** Float inputs go into backend memory, where wasm kernels read them without a copy. */
function backendAlloc(dtype: DType, size: number) {
  return dtype === 'float32' ? getBackend().allocFloat32(size) : allocFor(dtype, size);
}

export class BatchGatherer {
  private readonly xBuffer: BatchBuffer;
  private readonly yBuffer: BatchBuffer;
  private readonly indices: Int32Array;
  readonly n: number;

  constructor(private readonly x: Tensor, private readonly y: Tensor, private readonly batchSize: number) {
    this.n = x.shape[0];
    const size = Math.min(batchSize, this.n);
    this.xBuffer = new BatchBuffer(x, size, backendAlloc);
    // Targets flattened to rows, so [n] and [n, 1] label tensors gather the same way.
    this.yBuffer = new BatchBuffer(y.rank === 1 ? new Tensor(y.values, [y.shape[0], 1], y.dtype) : y, size);
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
  batch(order: Int32Array | null, b: number): [Tensor, Tensor] {
    const idx = this.rowsOf(order, b);
    return [this.xBuffer.fill(idx), this.targets(idx)];
  }

  /** The targets of rows `idx` (a tensor over a reused buffer). */
  targets(idx: Int32Array): Tensor {
    const yb = this.yBuffer.fill(idx);
    return this.y.rank === 1 ? new Tensor(yb.values, [idx.length], yb.dtype) : yb;
  }

  /** Copies the x rows `idx` straight into `out` (a plan's input of the same element type). */
  gatherXInto(idx: Int32Array, out: TypedArray): void {
    gatherRows(this.x, idx, out);
  }
}
