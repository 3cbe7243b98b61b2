// Reductions along axes (sum, mean, max, min, prod, argMax, argMin, logSumExp), through the op registry.

import type { ReduceOp } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { noGrad } from '../autograd/tape.js';
import { reshape } from './transform.js';
import { add, div, exp, log, sub } from './elementwise.js';
import { runOp } from './run.js';
import { axesArg } from './args.js';

function reduceOp(fn: ReduceOp, x: TensorLike, axis: number | number[] | undefined, keepDims: boolean): Tensor {
  const $x = toTensor(x, undefined, `${fn}: argument 'x'`);
  const axes = normalizeAxes(axesArg(fn, 'axis', axis), $x.rank, fn);
  return runOp('reduce', [$x.dtype === 'float32' ? $x : cast($x, 'float32')], { fn, axes, keepDims });
}

export const sum = (x: TensorLike, axis?: number | number[], keepDims = false) => reduceOp('sum', x, axis, keepDims);
export const max = (x: TensorLike, axis?: number | number[], keepDims = false) => reduceOp('max', x, axis, keepDims);
export const min = (x: TensorLike, axis?: number | number[], keepDims = false) => reduceOp('min', x, axis, keepDims);
export const prod = (x: TensorLike, axis?: number | number[], keepDims = false) => reduceOp('prod', x, axis, keepDims);

export function mean(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x, undefined, "mean: argument 'x'");
  const axes = normalizeAxes(axesArg('mean', 'axis', axis), $x.rank, 'mean');
  const count = sizeOf(axes.map((a) => $x.shape[a]));
  return div(sum($x, axes, keepDims), count);
}

function argReduce(fn: 'argMax' | 'argMin', x: TensorLike, axis = -1): Tensor {
  const $x = toTensor(x, undefined, `${fn}: argument 'x'`);
  if (!Number.isInteger(axis)) throw new Error(`${fn}: argument 'axis' must be an integer, got ${JSON.stringify(axis)}`);
  if ($x.rank === 0) throw new Error(`${fn}: needs a tensor of rank >= 1`);
  return runOp('argReduce', [$x], { fn, axis: normalizeAxis(axis, $x.rank, fn) });
}

/** Index of the largest value along `axis` (default: last axis, unlike TensorFlow.js' default of 0). */
export const argMax = (x: TensorLike, axis = -1) => argReduce('argMax', x, axis);
export const argMin = (x: TensorLike, axis = -1) => argReduce('argMin', x, axis);

/** log(sum(exp(x))) computed stably by shifting by the max. */
export function logSumExp(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, 'logSumExp');
  const shift = noGrad(() => max($x, axes, true)); // a constant: the result does not depend on it
  const lse = add(log(sum(exp(sub($x, shift)), axes, true)), shift);
  return keepDims ? lse : reshape(lse, reducedShape($x.shape, axes, false));
}
