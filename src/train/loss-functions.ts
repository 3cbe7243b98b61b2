// tf.losses: TensorFlow.js' loss functions on tensors (labels first, then predictions, optional weights and a
// reduction), beside the Keras-style factories compile takes. Each glassbox factory answers both ways:
// `losses.meanSquaredError()` is a loss for compile, `losses.meanSquaredError(labels, predictions)` its value.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { toTensor, type TensorLike } from '../ops/creation.js';
import { describe } from '../nn/symbolic.js';
import {
  EPSILON, binaryCrossentropy, categoricalCrossentropy, huber, meanAbsoluteError, meanSquaredError, sparseCategoricalCrossentropy, type Loss,
} from './losses.js';

/** TensorFlow.js' tf.Reduction. */
export const Reduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;
export type ReductionValue = (typeof Reduction)[keyof typeof Reduction];

function tensorArg(fn: string, what: string, v: unknown): Tensor {
  return ops.cast(toTensor(v as TensorLike, undefined, `losses.${fn}: argument '${what}'`), 'float32');
}

/** Weighted losses reduced as TensorFlow.js does (default: the mean over non-zero weights). */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const l = tensorArg('computeWeightedLoss', 'losses', losses);
  const w = weights === undefined || weights === null ? null : tensorArg('computeWeightedLoss', 'weights', weights);
  const weighted = w ? ops.mul(l, w) : l;
  if (reduction === Reduction.NONE) return weighted;
  if (reduction === Reduction.SUM) return ops.sum(weighted);
  if (reduction === Reduction.MEAN) return w ? ops.div(ops.sum(weighted), ops.sum(ops.mul(w, ops.onesLike(l)))) : ops.mean(l);
  if (reduction !== Reduction.SUM_BY_NONZERO_WEIGHTS) throw new Error(`losses: reduction must be one of tf.Reduction's values (0 to 3), got ${describe(reduction)}`);
  if (!w) return ops.div(ops.sum(l), l.size);
  const nonzero = ops.sum(ops.cast(ops.notEqual(ops.mul(w, ops.onesLike(l)), 0), 'float32'));
  return ops.div(ops.sum(weighted), nonzero);
}

type Elementwise = (l: Tensor, p: Tensor) => Tensor;

/** A TensorFlow.js loss of (labels, predictions, weights?, reduction?). */
const elementwiseLoss = (fn: string, f: Elementwise) =>
  (labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction?: ReductionValue): Tensor =>
    computeWeightedLoss(f(tensorArg(fn, 'labels', labels), tensorArg(fn, 'predictions', predictions)), weights, reduction);

export const absoluteDifference = elementwiseLoss('absoluteDifference', (l, p) => ops.abs(ops.sub(l, p)));
const squaredError = elementwiseLoss('meanSquaredError', (l, p) => ops.squaredDifference(l, p));
export const hingeLoss = elementwiseLoss('hingeLoss', (l, p) => ops.relu(ops.sub(1, ops.mul(ops.sub(ops.mul(l, 2), 1), p))));

export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1, reduction?: ReductionValue): Tensor {
  const e = ops.abs(ops.sub(tensorArg('huberLoss', 'predictions', predictions), tensorArg('huberLoss', 'labels', labels)));
  const q = ops.minimum(e, delta);
  return computeWeightedLoss(ops.add(ops.mul(ops.square(q), 0.5), ops.mul(ops.sub(e, q), delta)), weights, reduction);
}

export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = EPSILON, reduction?: ReductionValue): Tensor {
  const l = tensorArg('logLoss', 'labels', labels);
  const p = tensorArg('logLoss', 'predictions', predictions);
  const ll = ops.add(ops.mul(l, ops.log(ops.add(p, epsilon))), ops.mul(ops.sub(1, l), ops.log(ops.add(ops.sub(1, p), epsilon))));
  return computeWeightedLoss(ops.neg(ll), weights, reduction);
}

export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null, reduction?: ReductionValue): Tensor {
  const l = tensorArg('cosineDistance', 'labels', labels);
  const p = tensorArg('cosineDistance', 'predictions', predictions);
  return computeWeightedLoss(ops.sub(1, ops.sum(ops.mul(l, p), axis, true)), weights, reduction);
}

/** Sigmoid cross-entropy of logits against 0/1 labels (smoothed towards 0.5 by labelSmoothing). */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction?: ReductionValue): Tensor {
  let l = tensorArg('sigmoidCrossEntropy', 'multiClassLabels', multiClassLabels);
  if (labelSmoothing > 0) l = ops.add(ops.mul(l, 1 - labelSmoothing), 0.5 * labelSmoothing);
  return computeWeightedLoss(ops.sigmoidCrossEntropy(tensorArg('sigmoidCrossEntropy', 'logits', logits), l), weights, reduction);
}

/** Softmax cross-entropy of logits [rows, classes] against one-hot labels, one loss per row. */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction?: ReductionValue): Tensor {
  let l = tensorArg('softmaxCrossEntropy', 'onehotLabels', onehotLabels);
  const z = tensorArg('softmaxCrossEntropy', 'logits', logits);
  if (labelSmoothing > 0) l = ops.add(ops.mul(l, 1 - labelSmoothing), labelSmoothing / z.shape[z.rank - 1]);
  return computeWeightedLoss(ops.softmaxCrossEntropy(z, l), weights, reduction);
}

/** A Keras loss factory that, given tensors instead of options, returns the mean loss (Keras' reduction). */
function dual<O extends object>(factory: (options?: O) => Loss) {
  function loss(options?: O): Loss;
  function loss(yTrue: TensorLike, yPred: TensorLike): Tensor;
  function loss(a?: O | TensorLike, b?: TensorLike): Loss | Tensor {
    if (b === undefined) {
      if (a !== undefined && (typeof a !== 'object' || Array.isArray(a) || ArrayBuffer.isView(a) || 'shape' in (a as object))) {
        throw new Error(`losses.${factory.name}: pass (labels, predictions) to compute it, or options (or nothing) for compile; got only ${describe(a)}`);
      }
      return factory(a as O | undefined);
    }
    const made = factory();
    const t = tensorArg(factory.name, 'yTrue', a);
    return ops.mean(made.perExample(t, tensorArg(factory.name, 'yPred', b)));
  }
  return loss;
}

const mse = dual(meanSquaredError);

/**
 * Keras-style factories for compile (meanSquaredError(), huber({delta}), ...; with (labels, predictions) they compute)
 * and TensorFlow.js' tf.losses functions; meanSquaredError takes both forms, and TensorFlow.js' optional weights
 * and reduction when given four arguments.
 */
export const losses = {
  meanSquaredError: ((...args: unknown[]) => (args.length > 2 ? squaredError(...(args as Parameters<typeof squaredError>)) : (mse as (...a: unknown[]) => Loss | Tensor)(...args))) as typeof mse & typeof squaredError,
  meanAbsoluteError: dual(meanAbsoluteError),
  huber: dual(huber),
  binaryCrossentropy: dual(binaryCrossentropy),
  categoricalCrossentropy: dual(categoricalCrossentropy),
  sparseCategoricalCrossentropy: dual(sparseCategoricalCrossentropy),
  absoluteDifference, computeWeightedLoss, cosineDistance, hingeLoss, huberLoss, logLoss, sigmoidCrossEntropy, softmaxCrossEntropy,
  Reduction,
};
