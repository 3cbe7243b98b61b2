// Matrix products: 2-D and batched (a 2-D operand broadcasts over the batch), with optional transposes.

import { getBackend } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { sum } from './reduce.js';

function floatValues(t: Tensor): Float32Array {
  return (t.dtype === 'float32' ? t : cast(t, 'float32')).values as Float32Array;
}

/** C = op(A) @ op(B); A, B of rank 2 or 3 (batch first). */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  const $a = toTensor(a);
  const $b = toTensor(b);
  if ($a.rank < 2 || $a.rank > 3 || $b.rank < 2 || $b.rank > 3) {
    throw new Error(`matMul: operands must have rank 2 or 3, got ${formatShape($a.shape)} and ${formatShape($b.shape)}`);
  }
  const [ar, ac] = $a.shape.slice(-2);
  const [br, bc] = $b.shape.slice(-2);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const kb = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (k !== kb) {
    throw new Error(
      `matMul: inner dimensions differ: ${formatShape($a.shape)}${transposeA ? 'ᵀ' : ''} @ ${formatShape($b.shape)}${transposeB ? 'ᵀ' : ''} ` +
        `(${k} vs ${kb}); transpose an operand or fix its shape`,
    );
  }
  const aBatch = $a.rank === 3 ? $a.shape[0] : 1;
  const bBatch = $b.rank === 3 ? $b.shape[0] : 1;
  if ($a.rank === 3 && $b.rank === 3 && aBatch !== bBatch) {
    throw new Error(`matMul: batch sizes differ: ${aBatch} vs ${bBatch}`);
  }
  const batch = Math.max(aBatch, bBatch);
  const batched = $a.rank === 3 || $b.rank === 3;
  const values = getBackend().matmul(floatValues($a), floatValues($b), {
    batch, m, k, n, transA: transposeA, transB: transposeB,
    aBatchStride: $a.rank === 3 ? m * k : 0,
    bBatchStride: $b.rank === 3 ? k * n : 0,
  });
  const y = new Tensor(values, batched ? [batch, m, n] : [m, n]);
  return record(y, 'matMul', [$a, $b], (dy) => {
    // C = A B: dA = dC Bᵀ, dB = Aᵀ dC; the transposed variants follow by transposing both sides.
    let ga: Tensor;
    let gb: Tensor;
    if (!transposeA && !transposeB) {
      ga = matMul(dy, $b, false, true);
      gb = matMul($a, dy, true, false);
    } else if (!transposeA && transposeB) {
      ga = matMul(dy, $b, false, false);
      gb = matMul(dy, $a, true, false);
    } else if (transposeA && !transposeB) {
      ga = matMul($b, dy, false, true);
      gb = matMul($a, dy, false, false);
    } else {
      ga = matMul($b, dy, true, true);
      gb = matMul(dy, $a, true, true);
    }
    // An operand broadcast over the batch collects its gradient from every batch entry.
    if (ga.rank > $a.rank) ga = sum(ga, 0);
    if (gb.rank > $b.rank) gb = sum(gb, 0);
    return [ga, gb];
  });
}

/** Outer product of two vectors. */
export function outerProduct(a: TensorLike, b: TensorLike): Tensor {
  const $a = toTensor(a);
  const $b = toTensor(b);
  return matMul($a.reshape([$a.size, 1]), $b.reshape([1, $b.size]));
}

/** Dot product of vectors, or matrix product. */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const $a = toTensor(a);
  const $b = toTensor(b);
  if ($a.rank === 1 && $b.rank === 1) return matMul($a.reshape([1, $a.size]), $b.reshape([$b.size, 1])).reshape([]);
  if ($a.rank === 1) return matMul($a.reshape([1, $a.size]), $b).reshape([$b.shape[1]]);
  if ($b.rank === 1) return matMul($a, $b.reshape([$b.size, 1])).reshape([$a.shape[0]]);
  return matMul($a, $b);
}
