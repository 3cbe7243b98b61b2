// Gathers (x, y) mini-batches for a training loop into two reused buffers.

import { Tensor, allocFor, type DType } from '../tensor/tensor.js';
import { BatchBuffer } from '../data/batches.js';
import { getBackend } from '../backend/backend.js';

/** Float inputs go into backend memory, where wasm kernels read them without a copy. */
function backendAlloc(dtype: DType, size: number) {
  return dtype === 'float32' ? getBackend().allocFloat32(size) : allocFor(dtype, size);
}

export class BatchGatherer {
  private readonly xBuffer: BatchBuffer;
  private readonly yBuffer: BatchBuffer;
  private readonly indices: Int32Array;
  private readonly n: number;

  constructor(x: Tensor, private readonly y: Tensor, private readonly batchSize: number) {
    this.n = x.shape[0];
    const size = Math.min(batchSize, this.n);
    this.xBuffer = new BatchBuffer(x, size, backendAlloc);
    // Targets flattened to rows, so [n] and [n, 1] label tensors gather the same way.
    this.yBuffer = new BatchBuffer(y.rank === 1 ? new Tensor(y.values, [y.shape[0], 1], y.dtype) : y, size);
    this.indices = new Int32Array(size);
  }

  /** Batch b of the given row order (null: rows in order). Tensors are overwritten by the next call. */
  batch(order: Int32Array | null, b: number): [Tensor, Tensor] {
    const start = b * this.batchSize;
    const rows = Math.min(this.batchSize, this.n - start);
    const idx = this.indices.subarray(0, rows);
    for (let i = 0; i < rows; i++) idx[i] = order ? order[start + i] : start + i;
    const xb = this.xBuffer.fill(idx);
    const yb = this.yBuffer.fill(idx);
    return [xb, this.y.rank === 1 ? new Tensor(yb.values, [rows], yb.dtype) : yb];
  }
}
