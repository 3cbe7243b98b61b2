// Matrix products: 2-D and batched (a 2-D operand broadcasts over the batch), with optional transposes.

import { Tensor } from '../tensor/tensor.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { runOp } from './run.js';

const asFloat = (t: Tensor) => (t.dtype === 'float32' ? t : cast(t, 'float32'));

/** C = op(A) @ op(B); A, B of rank 2 or 3 (batch first). */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return runOp('matMul', [asFloat(toTensor(a, undefined, "matMul: argument 'a'")), asFloat(toTensor(b, undefined, "matMul: argument 'b'"))], { transA: transposeA === true, transB: transposeB === true });
}

/** Outer product of two vectors. */
export function outerProduct(a: TensorLike, b: TensorLike): Tensor {
  const $a = toTensor(a, undefined, "outerProduct: argument 'v1'");
  const $b = toTensor(b, undefined, "outerProduct: argument 'v2'");
  return matMul($a.reshape([$a.size, 1]), $b.reshape([1, $b.size]));
}

/** Dot product of vectors, or matrix product. */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const $a = toTensor(a, undefined, "dot: argument 't1'");
  const $b = toTensor(b, undefined, "dot: argument 't2'");
  if ($a.rank === 1 && $b.rank === 1) return matMul($a.reshape([1, $a.size]), $b.reshape([$b.size, 1])).reshape([]);
  if ($a.rank === 1) return matMul($a.reshape([1, $a.size]), $b).reshape([$b.shape[1]]);
  if ($b.rank === 1) return matMul($a, $b.reshape([$b.size, 1])).reshape([$a.shape[0]]);
  return matMul($a, $b);
}
