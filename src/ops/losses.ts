// Numerically stable cross-entropy primitives on logits (per-sample values; reduction is the caller's).

import { getBackend } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { abs, mul, neg, relu, softplus, sub } from './elementwise.js';
import { logSoftmax } from './activation.js';
import { sum } from './reduce.js';

/**
 * -log softmax(logits)[label] per row, fused: the VJP is (softmax - onehot) * dy, never log(0).
 * logits [rows, classes], labels integer [rows].
 */
export function sparseSoftmaxCrossEntropy(logits: TensorLike, labels: TensorLike): Tensor {
  const $z = toTensor(logits);
  const $y = toTensor(labels, 'int32');
  if ($z.rank !== 2) throw new Error(`sparseSoftmaxCrossEntropy: logits must be [rows, classes], got ${formatShape($z.shape)}`);
  const [rows, classes] = $z.shape;
  if ($y.size !== rows) {
    throw new Error(`sparseSoftmaxCrossEntropy: ${$y.size} labels for ${rows} rows of predictions; pass one integer label per row`);
  }
  const labelValues = $y.values;
  for (let r = 0; r < rows; r++) {
    const c = labelValues[r];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new Error(`sparseSoftmaxCrossEntropy: label ${c} in row ${r} is outside [0, ${classes}); labels must be class indices 0..${classes - 1}`);
    }
  }
  const f = ($z.dtype === 'float32' ? $z : cast($z, 'float32')).values as Float32Array;
  const ls = getBackend().logSoftmax(f, rows, classes);
  const loss = new Float32Array(rows);
  for (let r = 0; r < rows; r++) loss[r] = -ls[r * classes + labelValues[r]];
  const y = new Tensor(loss, [rows]);
  return record(y, 'sparseSoftmaxCrossEntropy', [$z], (dy) => {
    const g = new Float32Array(rows * classes);
    const d = dy.values;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < classes; c++) g[r * classes + c] = Math.exp(ls[r * classes + c]) * d[r];
      g[r * classes + labelValues[r]] -= d[r];
    }
    return [new Tensor(g, [rows, classes])];
  });
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
