// Elementwise ops: unary functions and broadcast binary arithmetic, as calls into the op registry.

import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { runOp } from './run.js';
import { numberArg } from './args.js';

function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

function unary(op: UnaryOp, x: TensorLike, alpha = 0): Tensor {
  return runOp('unary', [asFloat(toTensor(x, undefined, `${op}: argument 'x'`))], { fn: op, alpha });
}

export const neg = (x: TensorLike) => unary('neg', x);
export const exp = (x: TensorLike) => unary('exp', x);
export const log = (x: TensorLike) => unary('log', x);
export const sqrt = (x: TensorLike) => unary('sqrt', x);
export const abs = (x: TensorLike) => unary('abs', x);
export const sign = (x: TensorLike) => unary('sign', x);
export const square = (x: TensorLike) => unary('square', x);
export const reciprocal = (x: TensorLike) => unary('reciprocal', x);
export const relu = (x: TensorLike) => unary('relu', x);
export const sigmoid = (x: TensorLike) => unary('sigmoid', x);
export const tanh = (x: TensorLike) => unary('tanh', x);
export const softplus = (x: TensorLike) => unary('softplus', x);
export const elu = (x: TensorLike, alpha = 1) => unary('elu', x, alpha);
export const leakyRelu = (x: TensorLike, alpha = 0.2) => unary('leakyRelu', x, alpha);
export const gelu = (x: TensorLike) => unary('gelu', x);
export const floor = (x: TensorLike) => unary('floor', x);
/** relu6 = min(max(x, 0), 6). */
export const relu6 = (x: TensorLike) => unary('relu6', x);
export const rsqrt = (x: TensorLike) => unary('rsqrt', x);

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  return runOp('binary', [toTensor(a, undefined, `${op}: argument 'a'`), toTensor(b, undefined, `${op}: argument 'b'`)], { fn: op });
}

export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
export const equal = (a: TensorLike, b: TensorLike) => binary('equal', a, b);
export const notEqual = (a: TensorLike, b: TensorLike) => binary('notEqual', a, b);
export const less = (a: TensorLike, b: TensorLike) => binary('less', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike) => binary('lessEqual', a, b);
export const greater = (a: TensorLike, b: TensorLike) => binary('greater', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike) => binary('greaterEqual', a, b);
/** (a - b)^2 */
export const squaredDifference = (a: TensorLike, b: TensorLike) => square(sub(a, b));

/** Picks a where cond is true, else b; all three broadcast together. Gradient flows to the chosen side. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const t = (v: TensorLike, name: string) => toTensor(v, undefined, `where: argument '${name}'`);
  return runOp('select', [t(cond, 'condition'), asFloat(t(a, 'a')), asFloat(t(b, 'b'))], {});
}

/** Clamps to [lo, hi]; gradient passes where the input is inside the interval. */
export function clipByValue(x: TensorLike, lo: number, hi: number): Tensor {
  numberArg('clipByValue', 'clipValueMin', lo);
  numberArg('clipByValue', 'clipValueMax', hi);
  if (lo > hi) throw new Error(`clipByValue: min ${lo} is greater than max ${hi}`);
  return minimum(maximum(x, lo), hi);
}
