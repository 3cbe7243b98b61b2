// Elementwise ops: one table of unary and one of binary primitives, each with its derivative beside it.

import { getBackend, type BinaryOp, type UnaryOp } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { sum } from './reduce.js';
import { reshape } from './transform.js';

function asFloat(x: Tensor): Float32Array {
  return (x.dtype === 'float32' ? x : cast(x, 'float32')).values as Float32Array;
}

function unaryKernel(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  return new Tensor(getBackend().unary(op, asFloat(x), alpha), x.shape);
}

type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor, alpha: number) => Tensor;

/** d(op(x))/dx, expressed with ops so it runs on any backend. */
const unaryGrads: { [K in UnaryOp]: UnaryGrad | null } = {
  neg: (_x, _y, dy) => neg(dy), // d(-x) = -1
  exp: (_x, y, dy) => mul(dy, y), // d e^x = e^x
  log: (x, _y, dy) => div(dy, x), // d ln x = 1/x
  sqrt: (_x, y, dy) => div(dy, mul(y, 2)), // d sqrt x = 1/(2 sqrt x)
  abs: (x, _y, dy) => mul(dy, sign(x)), // d|x| = sign(x)
  sign: null, // piecewise constant: zero gradient
  square: (x, _y, dy) => mul(dy, mul(x, 2)), // d x^2 = 2x
  reciprocal: (_x, y, dy) => neg(mul(dy, square(y))), // d 1/x = -1/x^2
  relu: (x, _y, dy) => mul(dy, unaryKernel('step', x)), // d relu = [x > 0]
  step: null,
  sigmoid: (_x, y, dy) => mul(dy, mul(y, sub(1, y))), // d s = s (1 - s)
  tanh: (_x, y, dy) => mul(dy, sub(1, square(y))), // d tanh = 1 - tanh^2
  softplus: (x, _y, dy) => mul(dy, sigmoid(x)), // d log(1+e^x) = sigmoid(x)
  elu: (x, y, dy, a) => mul(dy, where(greater(x, 0), 1, add(y, a))), // x>0: 1, else a e^x = y + a
  leakyRelu: (x, _y, dy, a) => mul(dy, where(greater(x, 0), 1, a)), // x>0: 1, else a
  gelu: (x, _y, dy) => mul(dy, unaryKernel('geluGrad', x)), // Phi(x) + x phi(x)
  geluGrad: null, // second derivatives are not needed
  floor: null,
};

function unary(op: UnaryOp, x: TensorLike, alpha = 0): Tensor {
  const $x = toTensor(x);
  const y = unaryKernel(op, $x, alpha);
  const grad = unaryGrads[op];
  if (!grad) return y;
  return record(y, op, [$x], (dy) => [grad($x, y, dy, alpha)]);
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
export const relu6 = (x: TensorLike) => minimum(relu(x), 6);

/** Sums a broadcast gradient back down to the operand's shape. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || shape[i - lead] === 1) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];

const COMPARISONS = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);

const binaryGrads: { [K in BinaryOp]: BinaryGrad | null } = {
  add: (_a, _b, _y, dy) => [dy, dy], // d(a+b) = (1, 1)
  sub: (_a, _b, _y, dy) => [dy, neg(dy)], // d(a-b) = (1, -1)
  mul: (a, b, _y, dy) => [mul(dy, b), mul(dy, a)], // d(ab) = (b, a)
  div: (a, b, _y, dy) => [div(dy, b), neg(div(mul(dy, a), square(b)))], // d(a/b) = (1/b, -a/b^2)
  // d(a^b) = (b a^(b-1), a^b ln a); ln a is taken only where a > 0 so a^integer stays finite at a <= 0.
  pow: (a, b, y, dy) => [mul(dy, mul(b, pow(a, sub(b, 1)))), mul(dy, mul(y, log(where(greater(a, 0), a, 1))))],
  maximum: (a, b, _y, dy) => [mul(dy, cast(greaterEqual(a, b), 'float32')), mul(dy, cast(less(a, b), 'float32'))],
  minimum: (a, b, _y, dy) => [mul(dy, cast(lessEqual(a, b), 'float32')), mul(dy, cast(greater(a, b), 'float32'))],
  equal: null,
  notEqual: null,
  less: null,
  lessEqual: null,
  greater: null,
  greaterEqual: null,
};

function resultDtype(op: BinaryOp, a: Tensor, b: Tensor): DType {
  if (COMPARISONS.has(op)) return 'bool';
  return a.dtype === 'int32' && b.dtype === 'int32' && op !== 'div' && op !== 'pow' ? 'int32' : 'float32';
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const $a = toTensor(a);
  const $b = toTensor(b);
  const outShape = broadcastShapes($a.shape, $b.shape, op);
  const dtype = resultDtype(op, $a, $b);
  // Float arithmetic runs on float32 operands so fast backends see one dtype.
  const fa = dtype === 'float32' ? asFloatTensor($a) : $a;
  const fb = dtype === 'float32' ? asFloatTensor($b) : $b;
  const values = getBackend().binary(op, fa.values, fa.shape, fb.values, fb.shape, outShape, dtype);
  const y = new Tensor(values, outShape, dtype);
  const grad = binaryGrads[op];
  if (!grad) return y;
  return record(y, op, [$a, $b], (dy) => {
    const [ga, gb] = grad(fa, fb, y, dy);
    return [ga && unbroadcast(ga, $a.shape), gb && unbroadcast(gb, $b.shape)];
  });
}

function asFloatTensor(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
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
  const $c = toTensor(cond);
  const $a = asFloatTensor(toTensor(a));
  const $b = asFloatTensor(toTensor(b));
  const shape = broadcastShapes(broadcastShapes($c.shape, $a.shape, 'where'), $b.shape, 'where');
  const mask = cast(binary('notEqual', $c, 0), 'float32');
  const inverse = sub(1, mask);
  // Select rather than blend, so Inf/NaN on the unchosen side never leak in.
  const m = broadcastValues(mask, shape);
  const va = broadcastValues($a, shape);
  const vb = broadcastValues($b, shape);
  const out = new Float32Array(m.length);
  for (let i = 0; i < out.length; i++) out[i] = m[i] ? va[i] : vb[i];
  const y = new Tensor(out, shape);
  return record(y, 'where', [$a, $b], (dy) => [unbroadcast(mul(dy, mask), $a.shape), unbroadcast(mul(dy, inverse), $b.shape)]);
}

/** The values of x repeated out to `shape` (no copy when already that shape). */
function broadcastValues(x: Tensor, shape: readonly number[]): Float32Array {
  if (shapesEqual(x.shape, shape)) return x.values as Float32Array;
  return getBackend().binary('add', x.values, x.shape, new Float32Array([0]), [], shape, 'float32') as Float32Array;
}

/** Clamps to [lo, hi]; gradient passes where the input is inside the interval. */
export function clipByValue(x: TensorLike, lo: number, hi: number): Tensor {
  if (lo > hi) throw new Error(`clipByValue: min ${lo} is greater than max ${hi}`);
  return minimum(maximum(x, lo), hi);
}
