// Reductions along axes (sum, mean, max, min, prod, argMax, argMin, logSumExp) with their gradients.

import { getBackend, type ReduceOp } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { broadcastTo, reshape } from './transform.js';
import { div, equal, exp, log, mul, sub, add } from './elementwise.js';

/** Lays x out as [outer, reduced, inner] for the backend, transposing only if the axes are not adjacent. */
function reductionLayout(x: Tensor, axes: number[]): { data: Float32Array; outer: number; reduced: number; inner: number } {
  const f = (x.dtype === 'float32' ? x : cast(x, 'float32')).values as Float32Array;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0) return { data: f, outer: x.size, reduced: 1, inner: 1 };
  if (contiguous) {
    const first = axes[0];
    const last = axes[axes.length - 1];
    return {
      data: f,
      outer: sizeOf(x.shape.slice(0, first)),
      reduced: sizeOf(x.shape.slice(first, last + 1)),
      inner: sizeOf(x.shape.slice(last + 1)),
    };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const data = getBackend().transpose(f, x.shape, perm) as Float32Array;
  return { data, outer: sizeOf(kept.map((i) => x.shape[i])), reduced: sizeOf(axes.map((i) => x.shape[i])), inner: 1 };
}

function reduceKernel(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const { data, outer, reduced, inner } = reductionLayout(x, axes);
  const values = getBackend().reduce(op, data, outer, reduced, inner);
  return new Tensor(values, reducedShape(x.shape, axes, keepDims));
}

export function sum(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, 'sum');
  const y = reduceKernel('sum', $x, axes, keepDims);
  // d sum / dx_i = 1: spread dy back over the reduced axes.
  return record(y, 'sum', [$x], (dy) => [broadcastTo(reshape(dy, reducedShape($x.shape, axes, true)), $x.shape)]);
}

export function mean(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, 'mean');
  const count = sizeOf(axes.map((a) => $x.shape[a]));
  return div(sum($x, axes, keepDims), count);
}

function extremum(op: 'max' | 'min', x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, op);
  const y = reduceKernel(op, $x, axes, keepDims);
  // Gradient goes to the positions that attain the extremum, shared equally among ties.
  return record(y, op, [$x], (dy) => {
    const keptShape = reducedShape($x.shape, axes, true);
    const mask = cast(equal($x, reshape(y, keptShape)), 'float32');
    const ties = sum(mask, axes, true);
    return [mul(div(mask, ties), reshape(dy, keptShape))];
  });
}

export const max = (x: TensorLike, axis?: number | number[], keepDims = false) => extremum('max', x, axis, keepDims);
export const min = (x: TensorLike, axis?: number | number[], keepDims = false) => extremum('min', x, axis, keepDims);

export function prod(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, 'prod');
  const y = reduceKernel('prod', $x, axes, keepDims);
  // d prod / dx_i = prod / x_i (inputs assumed non-zero).
  return record(y, 'prod', [$x], (dy) => {
    const keptShape = reducedShape($x.shape, axes, true);
    return [mul(div(reshape(y, keptShape), $x), reshape(dy, keptShape))];
  });
}

function argReduce(op: 'argMax' | 'argMin', x: TensorLike, axis = -1): Tensor {
  const $x = toTensor(x);
  if ($x.rank === 0) throw new Error(`${op}: needs a tensor of rank >= 1`);
  const a = normalizeAxis(axis, $x.rank, op);
  const f = ($x.dtype === 'float32' ? $x : cast($x, 'float32')).values as Float32Array;
  const values = getBackend().argReduce(op, f, sizeOf($x.shape.slice(0, a)), $x.shape[a], sizeOf($x.shape.slice(a + 1)));
  return new Tensor(values, reducedShape($x.shape, [a], false), 'int32');
}

/** Index of the largest value along `axis` (default: last axis, unlike TensorFlow.js' default of 0). */
export const argMax = (x: TensorLike, axis = -1) => argReduce('argMax', x, axis);
export const argMin = (x: TensorLike, axis = -1) => argReduce('argMin', x, axis);

/** log(sum(exp(x))) computed stably by shifting by the max. */
export function logSumExp(x: TensorLike, axis?: number | number[], keepDims = false): Tensor {
  const $x = toTensor(x);
  const axes = normalizeAxes(axis, $x.rank, 'logSumExp');
  const shift = reduceKernel('max', $x, axes, true); // a constant: the result does not depend on it
  const lse = add(log(sum(exp(sub($x, shift)), axes, true)), shift);
  return keepDims ? lse : reshape(lse, reducedShape($x.shape, axes, false));
}
