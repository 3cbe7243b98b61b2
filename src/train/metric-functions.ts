// tf.metrics: TensorFlow.js' metric functions on tensors (per-example values, or one number for precision,
// recall and r2Score). Training's streaming metrics (compile's `metrics`) live in metrics.ts.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { toTensor, type TensorLike } from '../ops/creation.js';
import { EPSILON } from './losses.js';

function pair(fn: string, yTrue: unknown, yPred: unknown): [Tensor, Tensor] {
  const arg = (what: string, v: unknown): Tensor => ops.cast(toTensor(v as TensorLike, undefined, `metrics.${fn}: argument '${what}'`), 'float32');
  return [arg('yTrue', yTrue), arg('yPred', yPred)];
}

const perRow = (t: Tensor) => ops.mean(t, -1);

export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('binaryAccuracy', yTrue, yPred);
  return perRow(ops.cast(ops.equal(t, ops.cast(ops.greater(p, 0.5), 'float32')), 'float32'));
}

export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('categoricalAccuracy', yTrue, yPred);
  return ops.cast(ops.equal(ops.argMax(t, -1), ops.argMax(p, -1)), 'float32');
}

export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('sparseCategoricalAccuracy', yTrue, yPred);
  return ops.cast(ops.equal(ops.cast(ops.reshape(t, [-1]), 'int32'), ops.argMax(p, -1)), 'float32');
}

export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('binaryCrossentropy', yTrue, yPred);
  const q = ops.clipByValue(p, EPSILON, 1 - EPSILON);
  return perRow(ops.neg(ops.add(ops.mul(t, ops.log(q)), ops.mul(ops.sub(1, t), ops.log(ops.sub(1, q))))));
}

export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('categoricalCrossentropy', yTrue, yPred);
  const q = ops.clipByValue(ops.div(p, ops.sum(p, -1, true)), EPSILON, 1 - EPSILON);
  return ops.neg(ops.sum(ops.mul(t, ops.log(q)), -1));
}

export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('meanSquaredError', yTrue, yPred);
  return perRow(ops.squaredDifference(t, p));
}

export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('meanAbsoluteError', yTrue, yPred);
  return perRow(ops.abs(ops.sub(t, p)));
}

export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('meanAbsolutePercentageError', yTrue, yPred);
  return ops.mul(perRow(ops.abs(ops.div(ops.sub(t, p), ops.maximum(ops.abs(t), EPSILON)))), 100);
}

/** Minus the cosine similarity along the last axis (TensorFlow.js' sign). */
export function cosineProximity(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('cosineProximity', yTrue, yPred);
  const unit = (x: Tensor) => ops.div(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), -1, true), EPSILON)));
  return ops.neg(ops.sum(ops.mul(unit(t), unit(p)), -1));
}

function counts(fn: string, yTrue: TensorLike, yPred: TensorLike): { tp: number; fp: number; fn: number } {
  const [t, p] = pair(fn, yTrue, yPred);
  let tp = 0;
  let fp = 0;
  let fnCount = 0;
  for (let i = 0; i < p.size; i++) {
    const [a, b] = [t.values[i] === 1, p.values[i] === 1];
    if (a && b) tp++;
    else if (b) fp++;
    else if (a) fnCount++;
  }
  return { tp, fp, fn: fnCount };
}

/** True positives over predicted positives; labels and predictions are 0 / 1. */
export function precision(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const c = counts('precision', yTrue, yPred);
  return ops.scalar(c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp));
}

/** True positives over actual positives; labels and predictions are 0 / 1. */
export function recall(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const c = counts('recall', yTrue, yPred);
  return ops.scalar(c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
}

/** 1 - residual sum of squares / total sum of squares. */
export function r2Score(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair('r2Score', yTrue, yPred);
  const ssRes = ops.sum(ops.squaredDifference(t, p));
  const ssTot = ops.sum(ops.squaredDifference(t, ops.mean(t)));
  return ops.sub(1, ops.div(ssRes, ssTot));
}

/** TensorFlow.js' tf.metrics (with its short aliases). */
export const metrics = {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, binaryCrossentropy, categoricalCrossentropy,
  meanSquaredError, MSE: meanSquaredError, mse: meanSquaredError, meanAbsoluteError, MAE: meanAbsoluteError, mae: meanAbsoluteError,
  meanAbsolutePercentageError, MAPE: meanAbsolutePercentageError, mape: meanAbsolutePercentageError, cosineProximity, precision, recall, r2Score,
};
