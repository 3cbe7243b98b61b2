// Numerically stable cross-entropy primitives on logits (per-sample values; reduction is the caller's).

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { abs, mul, neg, relu, softplus, sub } from './elementwise.js';
import { logSoftmax } from './activation.js';
import { sum } from './reduce.js';
import { runOp } from './run.js';

/**
 * -log softmax(logits)[label] per row, fused: the VJP is (softmax - onehot) * dy, never log(0).
 * logits [rows, classes], labels integer [rows].
 */
export function sparseSoftmaxCrossEntropy(logits: TensorLike, labels: TensorLike): Tensor {
  const $z = toTensor(logits);
  const $y = toTensor(labels, 'int32');
  if ($z.rank !== 2) throw new Error(`sparseSoftmaxCrossEntropy: logits must be [rows, classes], got ${formatShape($z.shape)}`);
  return runOp('sparseSoftmaxCE', [$z.dtype === 'float32' ? $z : cast($z, 'float32'), $y], {});
}

/** -sum(labels * log softmax(logits)) per row, for one-hot or soft labels. */
export function softmaxCrossEntropy(logits: TensorLike, labels: TensorLike): Tensor {
  const $z = toTensor(logits);
  const $y = toTensor(labels);
  if ($z.shape.join() !== $y.shape.join()) {
    throw new Error(`softmaxCrossEntropy: labels ${formatShape($y.shape)} and logits ${formatShape($z.shape)} must have the same shape`);
  }
  return neg(sum(mul($y, logSoftmax($z)), -1));
}

/** Elementwise binary cross-entropy on logits: max(x,0) - x z + log(1 + e^-|x|). */
export function sigmoidCrossEntropy(logits: TensorLike, labels: TensorLike): Tensor {
  const $x = toTensor(logits);
  const $z = toTensor(labels, 'float32');
  return sub(relu($x), mul($x, $z)).add(softplus(neg(abs($x))));
}
