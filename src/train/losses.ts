// Loss functions (Keras semantics: per-example values, averaged over the batch), numerically stable.
//
// On meanSquaredError and the 1/(2n) form: a textbook (and the seed job's) MSE is
// L = 1/(2n) * sum_i (y_i - yhat_i)^2, whose gradient is (yhat - y)/n. glassbox, like Keras and
// TensorFlow.js, uses the mean form L = 1/n * sum_i mean_j (y_ij - yhat_ij)^2: exactly twice the
// 1/(2n) loss for one output, so its gradients are twice as large. Training with the mean form at
// learning rate lr follows the same path as the 1/(2n) form at 2*lr (for plain gradient descent).

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] before log, as Keras does, so log(0) never occurs. */
export const EPSILON = 1e-7;

export interface Loss {
  readonly name: string;
  /** Per-example loss from targets and the model's outputs: shape [batch]. */
  perExample(yTrue: Tensor, yPred: Tensor): Tensor;
  /**
   * When the model ends in this activation, the loss can be computed from the pre-activation
   * logits instead (softmax + cross-entropy fused): exact and never log(0).
   */
  readonly fusesWith?: 'softmax' | 'sigmoid';
  perExampleFromLogits?(yTrue: Tensor, logits: Tensor): Tensor;
  getConfig(): { name: string; fromLogits?: boolean; delta?: number };
}

/** Mean over every axis but the batch axis. */
function meanPerExample(x: Tensor): Tensor {
  if (x.rank <= 1) return x;
  return ops.mean(x, x.shape.slice(1).map((_, i) => i + 1));
}

function checkSameShape(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (yTrue.shape.join() === yPred.shape.join()) return yTrue;
  if (yTrue.size === yPred.size) return ops.reshape(yTrue, yPred.shape);
  throw new Error(`${name}: targets of shape [${yTrue.shape}] do not match predictions [${yPred.shape}]`);
}

export function meanSquaredError(): Loss {
  return {
    name: 'meanSquaredError',
    perExample: (t, p) => meanPerExample(ops.square(ops.sub(p, checkSameShape('meanSquaredError', t, p)))),
    getConfig: () => ({ name: 'meanSquaredError' }),
  };
}

export function meanAbsoluteError(): Loss {
  return {
    name: 'meanAbsoluteError',
    perExample: (t, p) => meanPerExample(ops.abs(ops.sub(p, checkSameShape('meanAbsoluteError', t, p)))),
    getConfig: () => ({ name: 'meanAbsoluteError' }),
  };
}

/** Quadratic within delta of the target, linear beyond: 0.5 e^2 if |e| <= delta else delta (|e| - delta/2). */
export function huber(options: { delta?: number } = {}): Loss {
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huber: delta must be positive, got ${delta}`);
  return {
    name: 'huber',
    perExample: (t, p) => {
      const e = ops.abs(ops.sub(p, checkSameShape('huber', t, p)));
      const quadratic = ops.minimum(e, delta);
      const linear = ops.sub(e, quadratic);
      return meanPerExample(ops.add(ops.mul(ops.square(quadratic), 0.5), ops.mul(linear, delta)));
    },
    getConfig: () => ({ name: 'huber', delta }),
  };
}

export function binaryCrossentropy(options: { fromLogits?: boolean } = {}): Loss {
  const fromLogits = options.fromLogits ?? false;
  const fromLogitsLoss = (t: Tensor, z: Tensor) => meanPerExample(ops.sigmoidCrossEntropy(z, checkSameShape('binaryCrossentropy', t, z)));
  return {
    name: 'binaryCrossentropy',
    perExample: (t, p) => {
      if (fromLogits) return fromLogitsLoss(t, p);
      const y = checkSameShape('binaryCrossentropy', t, p);
      const q = ops.clipByValue(p, EPSILON, 1 - EPSILON);
      const ll = ops.add(ops.mul(y, ops.log(q)), ops.mul(ops.sub(1, y), ops.log(ops.sub(1, q))));
      return meanPerExample(ops.neg(ll));
    },
    fusesWith: fromLogits ? undefined : 'sigmoid',
    perExampleFromLogits: fromLogitsLoss,
    getConfig: () => ({ name: 'binaryCrossentropy', fromLogits }),
  };
}

export function categoricalCrossentropy(options: { fromLogits?: boolean } = {}): Loss {
  const fromLogits = options.fromLogits ?? false;
  const fromLogitsLoss = (t: Tensor, z: Tensor) => ops.softmaxCrossEntropy(z, checkSameShape('categoricalCrossentropy', t, z));
  return {
    name: 'categoricalCrossentropy',
    perExample: (t, p) => {
      if (fromLogits) return fromLogitsLoss(t, p);
      const y = checkSameShape('categoricalCrossentropy', t, p);
      // Renormalise then clip, as Keras does for probability inputs.
      const q = ops.clipByValue(ops.div(p, ops.sum(p, -1, true)), EPSILON, 1 - EPSILON);
      return ops.neg(ops.sum(ops.mul(y, ops.log(q)), -1));
    },
    fusesWith: fromLogits ? undefined : 'softmax',
    perExampleFromLogits: fromLogitsLoss,
    getConfig: () => ({ name: 'categoricalCrossentropy', fromLogits }),
  };
}

function sparseLabels(t: Tensor, rows: number): Tensor {
  if (t.size !== rows) {
    throw new Error(`sparseCategoricalCrossentropy: ${t.size} labels for ${rows} predictions; expected one class index per row`);
  }
  return t.dtype === 'int32' ? ops.reshape(t, [rows]) : ops.cast(ops.reshape(t, [rows]), 'int32');
}

export function sparseCategoricalCrossentropy(options: { fromLogits?: boolean } = {}): Loss {
  const fromLogits = options.fromLogits ?? false;
  const fromLogitsLoss = (t: Tensor, z: Tensor) => ops.sparseSoftmaxCrossEntropy(z, sparseLabels(t, z.shape[0]));
  return {
    name: 'sparseCategoricalCrossentropy',
    perExample: (t, p) => {
      if (fromLogits) return fromLogitsLoss(t, p);
      const labels = sparseLabels(t, p.shape[0]);
      const q = ops.clipByValue(p, EPSILON, 1 - EPSILON);
      return ops.neg(ops.sum(ops.mul(ops.oneHot(labels, p.shape[1]), ops.log(q)), -1));
    },
    fusesWith: fromLogits ? undefined : 'softmax',
    perExampleFromLogits: fromLogitsLoss,
    getConfig: () => ({ name: 'sparseCategoricalCrossentropy', fromLogits }),
  };
}

const LOSSES: Record<string, (o: { fromLogits?: boolean; delta?: number }) => Loss> = {
  meanSquaredError, meanAbsoluteError, huber, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
};
const LOSS_ALIASES: Record<string, string> = {
  mse: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError', binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  huber_loss: 'huber',
};

/** A loss by name, a Loss, options with a name, or a function (yTrue, yPred) => Tensor (its mean is the loss). */
export type LossSpec = string | Loss | { name: string; fromLogits?: boolean; delta?: number } | ((yTrue: Tensor, yPred: Tensor) => Tensor);

export function getLoss(spec: LossSpec): Loss {
  if (typeof spec === 'function') {
    const name = spec.name || 'customLoss';
    // A model compiled with a function cannot restore it from a file: its config names an unknown loss.
    return { name, perExample: (t, p) => spec(t, p), getConfig: () => ({ name }) };
  }
  if (spec === null || typeof spec !== 'object' && typeof spec !== 'string') {
    throw new Error(`compile: loss must be a name (e.g. 'meanSquaredError'), {name, ...options}, a Loss or a function (yTrue, yPred) => Tensor, got ${spec === null ? 'null' : typeof spec}`);
  }
  if (typeof spec === 'object' && 'perExample' in spec) return spec;
  const { name, ...options } = typeof spec === 'string' ? { name: spec } : spec;
  const make = LOSSES[name] ?? LOSSES[LOSS_ALIASES[name] ?? ''];
  if (!make) throw new Error(`unknown loss '${name}'; use one of: ${Object.keys(LOSSES).join(', ')}`);
  return make(options);
}

/** Loss factories, TensorFlow.js style: `losses.meanSquaredError()`. */
export const losses = { meanSquaredError, meanAbsoluteError, huber, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy };
