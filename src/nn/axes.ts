// Axis arguments of layers (counted with the batch as 0, or from the end) and running an op along one.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';

/** A layer's axis option: a non-zero integer (or a list of one, as Keras configs write it). */
export function featureAxis(layer: string, given: unknown, fallback = -1): number {
  const axis = Array.isArray(given) && given.length === 1 ? given[0] : given ?? fallback;
  if (!Number.isInteger(axis) || axis === 0) throw new Error(`${layer}: axis must be a non-zero integer (0 is the batch), got ${JSON.stringify(given)}`);
  return axis as number;
}

/** The axis for a tensor of this rank (with the batch), or an error naming the layer. */
export function resolveAxis(layer: string, axis: number, rank: number): number {
  const a = axis < 0 ? rank + axis : axis;
  if (a <= 0 || a >= rank) throw new Error(`${layer}: axis ${axis} is outside inputs of rank ${rank} (with the batch)`);
  return a;
}

/** fn applied with `axis` moved last (ops that work on the last axis), then moved back. */
export function alongAxis(x: Tensor, axis: number, fn: (t: Tensor) => Tensor): Tensor {
  if (axis === x.rank - 1) return fn(x);
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis).concat([axis]);
  return ops.transpose(fn(ops.transpose(x, perm)), perm.map((_, i) => perm.indexOf(i)));
}
