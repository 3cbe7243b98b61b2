// Elementwise ops: unary functions, their derivative, broadcast binary arithmetic and comparisons, select, cast.

import type { BinaryOp, UnaryOp } from '../../backend/backend.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { DType } from '../../tensor/tensor.js';
import type { OpAttrs } from './attrs.js';
import { bin, div, mul, num, sub, toFloat, un, unbroadcast } from './emit.js';
import type { Emitter, OnnxEmitter, OpDef, Val } from './types.js';

/** Functions whose derivative is zero almost everywhere: no gradient flows through them. */
const PIECEWISE_CONSTANT = new Set<UnaryOp>(['sign', 'step', 'floor']);

function floatOperand(op: string, x: Val): void {
  if (x.dtype !== 'float32') throw new Error(`${op}: expected a float32 tensor, got ${x.dtype}; cast it first`);
}

/** ONNX expression of each unary function. */
const unaryOnnx: { [K in UnaryOp]: (e: OnnxEmitter, x: string, alpha: number) => string } = {
  neg: (e, x) => e.node('Neg', [x]),
  exp: (e, x) => e.node('Exp', [x]),
  log: (e, x) => e.node('Log', [x]),
  sqrt: (e, x) => e.node('Sqrt', [x]),
  rsqrt: (e, x) => e.node('Reciprocal', [e.node('Sqrt', [x])]),
  abs: (e, x) => e.node('Abs', [x]),
  sign: (e, x) => e.node('Sign', [x]),
  square: (e, x) => e.node('Mul', [x, x]),
  reciprocal: (e, x) => e.node('Reciprocal', [x]),
  relu: (e, x) => e.node('Relu', [x]),
  relu6: (e, x) => e.node('Clip', [x, e.initializer([0], []), e.initializer([6], [])]),
  step: (e, x) => e.node('Cast', [e.node('Greater', [x, e.initializer([0], [])])], { to: { i: 1 } }),
  sigmoid: (e, x) => e.node('Sigmoid', [x]),
  tanh: (e, x) => e.node('Tanh', [x]),
  softplus: (e, x) => e.node('Softplus', [x]),
  elu: (e, x, alpha) => e.node('Elu', [x], { alpha: { f: alpha } }),
  leakyRelu: (e, x, alpha) => e.node('LeakyRelu', [x], { alpha: { f: alpha } }),
  // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
  gelu: (e, x) => {
    const erf = e.node('Erf', [e.node('Div', [x, e.initializer([Math.SQRT2], [])])]);
    return e.node('Mul', [e.node('Mul', [x, e.node('Add', [erf, e.initializer([1], [])])]), e.initializer([0.5], [])]);
  },
  floor: (e, x) => e.node('Floor', [x]),
};

export const unary: OpDef<OpAttrs['unary']> = {
  infer: ([x], a) => {
    floatOperand(a.fn, x);
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: (_i, _o, a) => (be, [x], out) => be.unary(a.fn, x as Float32Array, out as Float32Array, a.alpha),
  vjp: (e, { inputs: [x], output, dy, attrs }) => (PIECEWISE_CONSTANT.has(attrs.fn) ? [null] : [e.op('unaryGrad', [x, output, dy], attrs)]),
  deeplift: 'rescale',
  onnx: (e, { inputs: [x], attrs }) => unaryOnnx[attrs.fn](e, x, attrs.alpha),
};

export const unaryGrad: OpDef<OpAttrs['unaryGrad']> = {
  infer: ([x]) => ({ shape: [...x.shape], dtype: 'float32' }),
  prepare: (_i, _o, a) => (be, [x, y, dy], out) =>
    be.unaryGrad(a.fn, x as Float32Array, y as Float32Array, dy as Float32Array, out as Float32Array, a.alpha),
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

const COMPARISONS = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);

export function binaryDtype(fn: BinaryOp, a: DType, b: DType): DType {
  if (COMPARISONS.has(fn)) return 'bool';
  return a === 'int32' && b === 'int32' && fn !== 'div' && fn !== 'pow' ? 'int32' : 'float32';
}

type BinaryGrad = <T extends Val>(e: Emitter<T>, a: T, b: T, y: T, dy: T) => [T | null, T | null];

/** Gradients of a fn b with respect to (a, b), before summing away broadcast axes. */
const binaryGrads: { [K in BinaryOp]: BinaryGrad | null } = {
  add: (_e, _a, _b, _y, dy) => [dy, dy], // d(a+b) = (1, 1)
  sub: (e, _a, _b, _y, dy) => [dy, un(e, 'neg', dy)], // d(a-b) = (1, -1)
  mul: (e, a, b, _y, dy) => [mul(e, dy, toFloat(e, b)), mul(e, dy, toFloat(e, a))], // d(ab) = (b, a)
  div: (e, a, b, _y, dy) => [div(e, dy, b), un(e, 'neg', div(e, mul(e, dy, a), un(e, 'square', toFloat(e, b))))], // (1/b, -a/b²)
  // d(a^b) = (b a^(b-1), a^b ln a); ln a is taken only where a > 0 so a^integer stays finite at a <= 0.
  pow: (e, a, b, y, dy) => {
    const fb = toFloat(e, b);
    const da = mul(e, dy, mul(e, fb, bin(e, 'pow', a, sub(e, fb, num(e, 1)))));
    const positive = e.op('select', [bin(e, 'greater', a, num(e, 0)), toFloat(e, a), num(e, 1)], {});
    return [da, mul(e, dy, mul(e, y, un(e, 'log', positive)))];
  },
  // Ties send the gradient to a (maximum) / a (minimum), as the forward picks a.
  maximum: (e, a, b, _y, dy) => [mul(e, dy, toFloat(e, bin(e, 'greaterEqual', a, b))), mul(e, dy, toFloat(e, bin(e, 'less', a, b)))],
  minimum: (e, a, b, _y, dy) => [mul(e, dy, toFloat(e, bin(e, 'lessEqual', a, b))), mul(e, dy, toFloat(e, bin(e, 'greater', a, b)))],
  equal: null,
  notEqual: null,
  less: null,
  lessEqual: null,
  greater: null,
  greaterEqual: null,
};

const binaryOnnx: { [K in BinaryOp]: string } = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min',
  equal: 'Equal', notEqual: 'Equal', less: 'Less', lessEqual: 'LessOrEqual', greater: 'Greater', greaterEqual: 'GreaterOrEqual',
};

export const binary: OpDef<OpAttrs['binary']> = {
  infer: ([a, b], { fn }) => ({ shape: broadcastShapes(a.shape, b.shape, fn), dtype: binaryDtype(fn, a.dtype, b.dtype) }),
  prepare: ([a, b], out, { fn }) => (be, [x, y], o) => be.binary(fn, x, a.shape, y, b.shape, o, out.shape),
  vjp: (e, { inputs: [a, b], output, dy, attrs, needs }) => {
    const rule = binaryGrads[attrs.fn];
    if (!rule) return [null, null];
    const [ga, gb] = rule(e, a, b, output, dy);
    return [needs[0] && ga ? unbroadcast(e, ga, a.shape) : null, needs[1] && gb ? unbroadcast(e, gb, b.shape) : null];
  },
  // Sums and differences are linear; a product or quotient is linear in one operand when the other is fixed.
  deeplift: ({ fn }) => (fn === 'add' || fn === 'sub' ? 'linear' : fn === 'mul' || fn === 'div' ? 'scale' : 'none'),
  onnx: (e, { inputs: [a, b], attrs }) => {
    const y = e.node(binaryOnnx[attrs.fn], [a, b]);
    return attrs.fn === 'notEqual' ? e.node('Not', [y]) : y;
  },
};

export const select: OpDef<OpAttrs['select']> = {
  infer: ([c, a, b]) => ({ shape: broadcastShapes(broadcastShapes(c.shape, a.shape, 'where'), b.shape, 'where'), dtype: 'float32' }),
  prepare: ([c, a, b], out) => {
    const n = out.shape.reduce((s, d) => s * d, 1);
    const same = [c, a, b].every((v) => v.shape.length === out.shape.length && v.shape.every((d, i) => d === out.shape[i]));
    return (be, [cv, av, bv], o) => {
      // Select rather than blend, so Inf/NaN on the unchosen side never leak in.
      if (same) {
        for (let i = 0; i < n; i++) o[i] = cv[i] ? av[i] : bv[i];
        return;
      }
      const full = (v: Val, data: typeof cv) => {
        const t = new Float32Array(n);
        be.binary('add', data, v.shape, new Float32Array(1), [], t, out.shape);
        return t;
      };
      const [cf, af, bf] = [full(c, cv), full(a, av), full(b, bv)];
      for (let i = 0; i < n; i++) o[i] = cf[i] ? af[i] : bf[i];
    };
  },
  vjp: (e, { inputs: [c, a, b], dy, needs }) => {
    const zero = e.constant(0, dy.shape);
    return [
      null,
      needs[1] ? unbroadcast(e, e.op('select', [c, dy, zero], {}), a.shape) : null,
      needs[2] ? unbroadcast(e, e.op('select', [c, zero, dy], {}), b.shape) : null,
    ];
  },
  deeplift: 'none',
  onnx: (e, { inputs: [c, a, b], inputVals }) => {
    const cond = inputVals[0].dtype === 'bool' ? c : e.node('Cast', [c], { to: { i: 9 } });
    return e.node('Where', [cond, a, b]);
  },
};

export const cast: OpDef<OpAttrs['cast']> = {
  infer: ([x], { dtype }) => ({ shape: [...x.shape], dtype }),
  prepare: (_i, _o, { dtype }) => (_be, [x], out) => {
    // Float to int truncates toward zero, as TensorFlow.js does; int8 also saturates to [-128, 127].
    if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
    else if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x[i]);
    else if (dtype === 'int8') for (let i = 0; i < out.length; i++) out[i] = Math.max(-128, Math.min(127, Math.trunc(x[i]) || 0));
    else out.set(x);
  },
  vjp: (_e, { inputs: [x], output, dy }) => [x.dtype === 'float32' && output.dtype === 'float32' ? dy : null],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], attrs }) => e.node('Cast', [x], { to: { i: attrs.dtype === 'float32' ? 1 : attrs.dtype === 'int32' ? 6 : attrs.dtype === 'int8' ? 3 : 9 } }),
};

