// Every registry op, on every backend: random (often odd) shapes; forward results of js and wasm agree;
// each gradient rule matches central finite differences; and the op compiled into a plan (forward and
// backward) gives what it gives eagerly. The case table is typed over every op name, so an op added
// without cases here is a compile error.

import { describe, expect, it } from 'vitest';
import '../../backend/js/index.js';
import '../../backend/wasm/index.js';
import { UNARY_OPS, withBackend, type BinaryOp, type UnaryOp } from '../../backend/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../util/random.js';
import { checkGradients } from '../../../test/gradcheck.js';
import { addGradients } from '../../plan/autodiff.js';
import { Plan } from '../../plan/plan.js';
import { traceGraph } from '../../plan/trace.js';
import { grads } from '../../autograd/grad.js';
import { runOp } from '../run.js';
import { OPS, type OpAttrs, type OpName } from './index.js';

interface OpCase<P extends OpName> {
  label: string;
  inputs: (rng: Rng) => Tensor[];
  attrs: OpAttrs[P] | ((inputs: Tensor[]) => OpAttrs[P]);
  /** Finite-difference check of the gradient rule (default: when the op has a rule and a float input). */
  gradcheck?: boolean;
  /** A generator for random ops' draws. */
  seeded?: boolean;
}

type Cases = { [P in OpName]: OpCase<P>[] };

const dim = (rng: Rng, lo = 1, hi = 7) => lo + rng.int(hi - lo + 1);
function uniform(rng: Rng, shape: number[], lo = -1, hi = 1): Tensor {
  return new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi)), shape);
}
/** Values at least `gap` away from every kink in `kinks`, so finite differences do not straddle one. */
function awayFrom(rng: Rng, shape: number[], kinks: number[], gap = 0.15, lo = -2.5, hi = 7.5): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x: number;
    do x = rng.uniform(lo, hi);
    while (kinks.some((k) => Math.abs(x - k) < gap));
    v[i] = x;
  }
  return new Tensor(v, shape);
}
/** Distinct values 0.1 apart in random order, none near 0: finite differences never cross a tie (max, min). */
function distinct(rng: Rng, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = rng.permutation(n);
  return new Tensor(Float32Array.from(order, (k) => (k % 2 ? 1 : -1) * (0.3 + 0.1 * k)), shape);
}
/** int8 values in [lo, hi]: quantised activations (0..127) or weights (-127..127). */
const int8s = (rng: Rng, shape: number[], lo: number, hi: number) =>
  new Tensor(Int8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + rng.int(hi - lo + 1)), shape, 'int8');
const ints = (rng: Rng, shape: number[], hi: number) => new Tensor(Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(hi)), shape, 'int32');

const POSITIVE: UnaryOp[] = ['log', 'sqrt', 'rsqrt', 'reciprocal'];
const KINKS: Partial<Record<UnaryOp, number[]>> = { abs: [0], relu: [0], relu6: [0, 6], leakyRelu: [0], elu: [0], step: [0], sign: [0], floor: [-2, -1, 0, 1, 2, 3, 4, 5, 6, 7] };

function unaryInput(fn: UnaryOp, rng: Rng, shape: number[]): Tensor {
  if (POSITIVE.includes(fn)) return uniform(rng, shape, 0.3, 2);
  return awayFrom(rng, shape, KINKS[fn] ?? [], 0.15, fn === 'relu6' ? -2 : -2.5, fn === 'relu6' ? 8 : 2.5);
}

/** Random conv geometry with odd sizes: strides 1-3, dilations 1-2, 'same' / 'valid' / explicit padding. */
function convCase(rng: Rng, depthwise: boolean) {
  const inC = dim(rng, 1, 3);
  const out = depthwise ? dim(rng, 1, 2) : dim(rng, 1, 4);
  const [kH, kW] = [dim(rng, 1, 3), dim(rng, 1, 3)];
  const strides: [number, number] = [dim(rng, 1, 3), dim(rng, 1, 2)];
  const dilations: [number, number] = [dim(rng, 1, 2), 1];
  const paddings = ['same', 'valid', [[1, 0], [0, 2]]] as const;
  const padding = paddings[rng.int(3)];
  // Big enough for the dilated kernel even with 'valid' padding.
  const [h, w] = [(kH - 1) * dilations[0] + dim(rng, 1, 4), (kW - 1) * dilations[1] + dim(rng, 1, 4)];
  const x = uniform(rng, [dim(rng, 1, 2), h, w, inC]);
  const filter = uniform(rng, [kH, kW, inC, out]);
  return { x, filter, geometry: { strides, dilations, padding: padding as never } };
}

function convCases<P extends 'conv2d' | 'depthwiseConv2d'>(depthwise: boolean): OpCase<P>[] {
  return [0, 1, 2, 3].map((k) => ({
    label: `random geometry ${k}${k === 3 ? ', bias + tanh' : ''}`,
    inputs: (rng) => {
      const { x, filter } = convCase(rng, depthwise);
      const outC = depthwise ? filter.shape[2] * filter.shape[3] : filter.shape[3];
      return k === 3 ? [x, filter, uniform(rng, [outC])] : [x, filter];
    },
    attrs: () => ({ ...convCase(new Rng(100 + k), depthwise).geometry, act: k === 3 ? 'tanh' : 'linear' }) as OpAttrs[P],
  }));
}

const POOLS = [
  { poolSize: [2, 2], strides: [2, 2], padding: 'valid', x: [2, 5, 6, 3] },
  { poolSize: [3, 2], strides: [2, 1], padding: 'same', x: [1, 6, 5, 5] },
  { poolSize: [2, 3], strides: [1, 2], padding: [[1, 1], [0, 1]], x: [2, 4, 7, 1] },
] as const;

function poolCases<P extends 'maxPool' | 'avgPool'>(): OpCase<P>[] {
  return POOLS.map(({ x, ...geometry }) => ({
    label: `window ${geometry.poolSize} strides ${geometry.strides} padding ${JSON.stringify(geometry.padding)}`,
    inputs: (rng) => [distinct(rng, [...x])],
    attrs: geometry as unknown as OpAttrs[P],
  }));
}

function poolGradCases<P extends 'maxPoolGrad' | 'avgPoolGrad'>(op: 'maxPool' | 'avgPool'): OpCase<P>[] {
  return POOLS.map(({ x, ...geometry }) => ({
    label: `window ${geometry.poolSize} strides ${geometry.strides} padding ${JSON.stringify(geometry.padding)}`,
    inputs: (rng) => {
      const input = distinct(rng, [...x]);
      const dy = uniform(rng, [...runOp(op, [input], geometry as unknown as OpAttrs['maxPool']).shape]);
      return op === 'maxPool' ? [input, dy] : [dy];
    },
    attrs: (op === 'maxPool' ? geometry : { ...geometry, inShape: [...x] }) as unknown as OpAttrs[P],
    gradcheck: false,
  }));
}

/**
 * The adjoint kernels on their own: inputs shaped as the forward op's output (dy) plus the operand the
 * forward op takes (filter or input); geometry from the same seed as the inputs.
 */
function adjointCases<P extends OpName>(op: 'conv2d' | 'depthwiseConv2d', wants: 'input' | 'filter'): OpCase<P>[] {
  const setup = (k: number) => {
    const rng = new Rng(300 + k);
    const { x, filter, geometry } = convCase(rng, op === 'depthwiseConv2d');
    const y = runOp(op, [x, filter], { ...geometry, act: 'linear' });
    return { x, filter, geometry, dy: uniform(rng, [...y.shape]) };
  };
  return [0, 1, 2].map((k) => ({
    label: `geometry ${k}`,
    inputs: () => {
      const { x, filter, dy } = setup(k);
      return wants === 'input' ? [dy, filter] : [x, dy];
    },
    attrs: () => {
      const { x, filter, geometry } = setup(k);
      return (wants === 'input' ? { ...geometry, inShape: [...x.shape] } : { ...geometry, filterShape: [...filter.shape] }) as unknown as OpAttrs[P];
    },
    gradcheck: false,
  }));
}

const CASES: Cases = {
  // Wider than the wasm kernels' minimum (64 values), so their SIMD paths and odd tails run too.
  unary: UNARY_OPS.map((fn) => ({ label: fn, inputs: (rng) => [unaryInput(fn, rng, [dim(rng, 5, 11), dim(rng, 9, 17)])], attrs: { fn, alpha: 0.3 } })),
  unaryGrad: (['relu', 'gelu', 'sqrt', 'elu'] as UnaryOp[]).map((fn) => ({
    label: fn,
    inputs: (rng) => {
      const x = unaryInput(fn, rng, [5, 3]);
      return [x, runOp('unary', [x], { fn, alpha: 0.3 }), uniform(rng, [5, 3])];
    },
    attrs: { fn, alpha: 0.3 }, gradcheck: false,
  })),
  binary: (['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'less', 'greaterEqual'] as BinaryOp[]).flatMap((fn) =>
    ([[[3, 5], [3, 5]], [[9, 13], [13]], [[4, 1, 3], [2, 3]], [[7], []], [[11, 9], [11, 1]]] as number[][][]).map(([as, bs]) => ({
      label: `${fn} ${JSON.stringify(as)} ${JSON.stringify(bs)}`,
      inputs: (rng: Rng) => (fn === 'pow' || fn === 'div'
        ? [uniform(rng, as, 0.5, 2), uniform(rng, bs, 0.5, 2)]
        : fn === 'maximum' || fn === 'minimum' ? [uniform(rng, as, -1, 1), uniform(rng, bs, 2, 3).mul(rng.next() < 0.5 ? 1 : -1)] : [uniform(rng, as), uniform(rng, bs)]),
      attrs: { fn },
      // Comparisons are piecewise constant: their gradient is zero by definition, not by difference quotient.
      gradcheck: !['less', 'greaterEqual'].includes(fn),
    })),
  ),
  select: [{ label: 'broadcast', inputs: (rng) => [ints(rng, [4, 1], 2).cast('bool'), uniform(rng, [4, 3]), uniform(rng, [3])], attrs: {} }],
  cast: [
    { label: 'float to int32', inputs: (rng) => [uniform(rng, [5, 3], -5, 5)], attrs: { dtype: 'int32' } },
    { label: 'int32 to float', inputs: (rng) => [ints(rng, [6], 9)], attrs: { dtype: 'float32' } },
    { label: 'float to bool', inputs: (rng) => [ints(rng, [7], 3).cast('float32')], attrs: { dtype: 'bool' } },
  ],
  matMul: [false, true].flatMap((tA) => [false, true].map((tB) => ({
    label: `transA ${tA} transB ${tB}`,
    inputs: (rng: Rng) => {
      const [m, k, n] = [dim(rng), dim(rng), dim(rng)];
      return [uniform(rng, tA ? [k, m] : [m, k]), uniform(rng, tB ? [n, k] : [k, n])];
    },
    attrs: { transA: tA, transB: tB },
  }))).concat([{ label: 'batched, 2-D right operand', inputs: (rng) => [uniform(rng, [3, 4, 5]), uniform(rng, [5, 2])], attrs: { transA: false, transB: false } }]),
  linear: (['linear', 'relu', 'sigmoid', 'tanh'] as const).map((act) => ({
    label: act,
    inputs: (rng) => {
      const [m, k, n] = [dim(rng, 2), dim(rng), dim(rng)];
      const x = uniform(rng, [m, k]);
      return act === 'relu' ? [awayFrom(rng, [m, k], [], 0, 0.3, 1), awayFrom(rng, [k, n], [0], 0.3, -1, 1), uniform(rng, [n])] : [x, uniform(rng, [k, n]), uniform(rng, [n])];
    },
    attrs: { act },
  })),
  activationGrad: (['linear', 'relu', 'sigmoid', 'tanh'] as const).map((act) => ({ label: act, inputs: (rng) => [uniform(rng, [9, 13], -0.5, 1), uniform(rng, [9, 13])], attrs: { act }, gradcheck: false })),
  reduce: (['sum', 'max', 'min', 'prod'] as const).flatMap((fn) => [[0], [1], [0, 2], [1, 2]].map((axes) => ({
    label: `${fn} axes ${axes}`, inputs: (rng: Rng) => [distinct(rng, [3, dim(rng, 2, 4), dim(rng, 1, 4)])], attrs: { fn, axes, keepDims: axes.length === 1 },
  }))),
  argReduce: (['argMax', 'argMin'] as const).map((fn) => ({ label: fn, inputs: (rng) => [uniform(rng, [4, dim(rng, 2), 3])], attrs: { fn, axis: 1 } })),
  reshape: [{ label: 'rows to cubes', inputs: (rng) => [uniform(rng, [6, 4])], attrs: { shape: [2, 3, 4] } }],
  transpose: [{ label: '3-D', inputs: (rng) => [uniform(rng, [2, dim(rng), dim(rng)])], attrs: { perm: [2, 0, 1] } }],
  broadcastTo: [{ label: 'middle axis', inputs: (rng) => [uniform(rng, [3, 1, 4])], attrs: { shape: [2, 3, 5, 4] } }],
  slice: [
    { label: 'box', inputs: (rng) => [uniform(rng, [5, 6, 3])], attrs: { begin: [1, 2, 0], size: [3, 3, 2] } },
    { label: 'contiguous rows (a view)', inputs: (rng) => [uniform(rng, [5, 4])], attrs: { begin: [1, 0], size: [3, 4] } },
  ],
  pad: [{ label: 'both sides', inputs: (rng) => [uniform(rng, [3, 4])], attrs: { paddings: [[1, 2], [0, 3]], value: 0.5 } }],
  concat: [{ label: 'three along axis 1', inputs: (rng) => [uniform(rng, [2, 3]), uniform(rng, [2, 1]), uniform(rng, [2, 4])], attrs: { axis: 1 } }],
  gather: [{ label: 'repeated indices', inputs: (rng) => [uniform(rng, [5, 3]), new Tensor(Int32Array.of(4, 0, 4, 2), [2, 2], 'int32')], attrs: { axis: 0 } }],
  scatterAdd: [{ label: 'repeated indices', inputs: (rng) => [uniform(rng, [2, 2, 3]), new Tensor(Int32Array.of(4, 0, 4, 2), [2, 2], 'int32')], attrs: { axis: 0, dim: 5 } }],
  oneHot: [{ label: 'depth 5', inputs: (rng) => [ints(rng, [6], 5)], attrs: { depth: 5, on: 1, off: 0 } }],
  softmax: [{ label: 'rows', inputs: (rng) => [uniform(rng, [dim(rng), dim(rng, 2)], -3, 3)], attrs: {} }],
  logSoftmax: [{ label: 'rows', inputs: (rng) => [uniform(rng, [dim(rng), dim(rng, 2)], -3, 3)], attrs: {} }],
  sparseSoftmaxCE: [{ label: 'five classes', inputs: (rng) => [uniform(rng, [6, 5], -3, 3), ints(rng, [6], 5)], attrs: {} }],
  sparseSoftmaxCEGrad: [{ label: 'five classes', inputs: (rng) => [runOp('softmax', [uniform(rng, [6, 5], -3, 3)], {}), ints(rng, [6], 5), uniform(rng, [6])], attrs: {}, gradcheck: false }],
  dropoutMask: [{ label: 'rate 0.3', inputs: () => [], attrs: { rate: 0.3, shape: [7, 9] }, seeded: true }],
  conv2d: convCases(false),
  depthwiseConv2d: convCases(true),
  conv2dBackpropInput: adjointCases('conv2d', 'input'),
  conv2dBackpropFilter: adjointCases('conv2d', 'filter'),
  depthwiseConv2dBackpropInput: adjointCases('depthwiseConv2d', 'input'),
  depthwiseConv2dBackpropFilter: adjointCases('depthwiseConv2d', 'filter'),
  maxPool: poolCases(),
  maxPoolGrad: poolGradCases('maxPool'),
  avgPool: poolCases(),
  avgPoolGrad: poolGradCases('avgPool'),
  moments: [{ label: 'images', inputs: (rng) => [uniform(rng, [3, 2, 5, 7], -2, 2)], attrs: {} }],
  batchNorm: [
    {
      label: 'batch statistics',
      inputs: (rng) => {
        const x = uniform(rng, [4, 3, 2, 5], -2, 2);
        const m = runOp('moments', [x], {});
        const row = (i: number) => runOp('reshape', [runOp('slice', [m], { begin: [i, 0], size: [1, 5] })], { shape: [5] });
        return [x, row(0), row(1), uniform(rng, [5], 0.5, 2), uniform(rng, [5])];
      },
      attrs: { eps: 1e-3, batchStats: true },
      // Its gradient assumes mean and variance come from x; given as independent inputs, finite differences see another function.
      gradcheck: false,
    },
    { label: 'given statistics', inputs: (rng) => [uniform(rng, [6, 7], -2, 2), uniform(rng, [7]), uniform(rng, [7], 0.2, 2), uniform(rng, [7], 0.5, 2), uniform(rng, [7])], attrs: { eps: 1e-3, batchStats: false } },
  ],
  batchNormGrad: [{ label: 'batch statistics', inputs: (rng) => [uniform(rng, [9, 13], -2, 2), uniform(rng, [13]), uniform(rng, [13], 0.2, 2), uniform(rng, [13]), uniform(rng, [9, 13])], attrs: { eps: 1e-3, batchStats: true }, gradcheck: false }],
  batchNormParamGrad: [{ label: 'given statistics', inputs: (rng) => [uniform(rng, [9, 13], -2, 2), uniform(rng, [13]), uniform(rng, [13], 0.2, 2), uniform(rng, [9, 13])], attrs: { eps: 1e-3 }, gradcheck: false }],
  movingAverage: [{ label: 'momentum 0.9', inputs: (rng) => [uniform(rng, [5]), uniform(rng, [5])], attrs: { momentum: 0.9 } }],
  secantSlope: [{
    label: 'tanh',
    inputs: (rng) => {
      const x = uniform(rng, [3, 4], -2, 2);
      const r = uniform(rng, [3, 4], -2, 2);
      const f = (t: Tensor) => runOp('unary', [t], { fn: 'tanh', alpha: 0 });
      return [x, r, f(x), f(r)];
    },
    attrs: { fn: 'tanh', alpha: 0 }, gradcheck: false,
  }],
  erf: [{ label: 'wide range', inputs: (rng) => [uniform(rng, [7, 9], -3, 3)], attrs: {} }],
  reciprocalOrZero: [{ label: 'with zeros', inputs: () => [new Tensor(Float32Array.of(2, 0, -0.5, 0, 4, 1e-3), [2, 3])], attrs: {} }],
  repeatRows: [
    { label: 'rows over the middle axis of [2, 3, 4]', inputs: (rng) => [uniform(rng, [3, 2, 5])], attrs: { grid: [2, 3, 4], axes: [1] } },
    { label: 'rows over the last two axes', inputs: (rng) => [uniform(rng, [6, 3])], attrs: { grid: [4, 2, 3], axes: [1, 2] } },
  ],
  softmaxRescaleGrad: [{
    label: 'rows',
    inputs: (rng) => {
      const z = uniform(rng, [3, 4], -2, 2);
      const r = uniform(rng, [3, 4], -2, 2);
      return [z, r, runOp('softmax', [z], {}), runOp('softmax', [r], {}), uniform(rng, [3, 4])];
    },
    attrs: {}, gradcheck: false,
  }],
  // Int8 inference ops (compress/): large enough for the wasm kernels (>= 512 multiply-adds), odd sizes for their tails.
  quantize: [
    { label: 'zero point 40', inputs: (rng) => [uniform(rng, [9, 13], -2, 3)], attrs: { scale: 0.03, zeroPoint: 40 } },
    { label: 'non-negative, zero point 0', inputs: (rng) => [uniform(rng, [5, 17], 0, 1)], attrs: { scale: 1 / 127, zeroPoint: 0 } },
  ],
  quantizedLinear: (['linear', 'relu', 'sigmoid', 'tanh'] as const).map((act, i) => ({
    label: `${act}${i === 0 ? ', no bias' : ''}`,
    inputs: (rng) => {
      const [m, k, n] = [dim(rng, 3, 9), dim(rng, 17, 40), dim(rng, 5, 11)];
      const w = [int8s(rng, [m, k], 0, 127), int8s(rng, [n, k], -127, 127), uniform(rng, [n], 1e-3, 5e-3)];
      return i === 0 ? w : [...w, uniform(rng, [n])];
    },
    attrs: { act, inputScale: 0.02, inputZeroPoint: i * 20 },
  })),
  quantizedConv2d: [0, 1, 2].map((k) => ({
    label: `random geometry ${k}`,
    inputs: (rng) => {
      const { x, filter } = convCase(rng, false);
      const [kH, kW, inC, outC] = filter.shape;
      return [int8s(rng, x.shape, 0, 127), int8s(rng, [outC, kH, kW, inC], -127, 127), uniform(rng, [outC], 1e-3, 5e-3), uniform(rng, [outC])];
    },
    attrs: () => ({ ...convCase(new Rng(100 + k), false).geometry, act: (['linear', 'relu', 'tanh'] as const)[k], inputScale: 0.05, inputZeroPoint: 30 * k }),
  })),
};

function attrsOf<P extends OpName>(c: OpCase<P>, inputs: Tensor[]): OpAttrs[P] {
  return typeof c.attrs === 'function' ? (c.attrs as (i: Tensor[]) => OpAttrs[P])(inputs) : c.attrs;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-5): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

const entries = Object.entries(CASES).flatMap(([op, cases]) => (cases as OpCase<OpName>[]).map((c, i) => [op as OpName, c, i] as const));

describe.each(entries)('op %s', (op, c, index) => {
  const def = OPS[op];
  const make = () => c.inputs(new Rng(100 + index));
  const ctx = () => ({ rng: c.seeded ? new Rng(5) : null });
  const eager = (inputs: Tensor[]) => runOp(op, inputs, attrsOf(c, inputs) as never, ctx());

  it(`${c.label}: js and wasm agree`, () => {
    const inputs = make();
    const js = withBackend('js', () => eager(inputs));
    const wasm = withBackend('wasm', () => eager(inputs));
    expect(wasm.shape).toEqual(js.shape);
    expect(wasm.dtype).toBe(js.dtype);
    expectClose(wasm.values, js.values, 'wasm vs js');
  });

  const floatInputs = (inputs: Tensor[]) => inputs.map((t, i) => (t.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const differentiable = typeof def.vjp === 'function' && c.gradcheck !== false;

  if (differentiable) it.each(['js', 'wasm'])(`${c.label}: gradient matches finite differences on %s`, (backend) => withBackend(backend, () => {
    const inputs = make();
    const which = floatInputs(inputs);
    if (which.length === 0) return;
    const f = (...xs: Tensor[]) => {
      const all = [...inputs];
      which.forEach((k, j) => (all[k] = xs[j]));
      return eager(all).cast('float32');
    };
    checkGradients(f, which.map((k) => inputs[k]), { step: 1e-2, rtol: 3e-2, atol: 3e-3 });
  }));

  it.each(['js', 'wasm'])(`${c.label}: a plan on %s gives the eager forward and backward`, (backend) => {
    withBackend(backend, () => {
      const inputs = make();
      const which = differentiable ? floatInputs(inputs) : [];
      const samples = inputs.map((t, i) => ({ name: `in${i}`, sample: t }));
      const t = traceGraph(samples, (xs) => ({ y: eager(xs) }));
      const y = t.outputs.y;
      const seedValues = uniform(new Rng(9), [...y.shape]);
      const outputs: Record<string, (typeof t.inputs)[number]> = { y };
      let seed = null;
      if (which.length > 0 && y.dtype === 'float32') {
        seed = t.graph.input('seed', y.shape);
        addGradients(t.graph, y, which.map((k) => t.inputs[k]), seed).forEach((g, j) => {
          if (g) outputs[`g${j}`] = g;
        });
      }
      const plan = Plan.compile(t.graph, { inputs: Object.fromEntries([...t.inputs.map((v, i) => [`in${i}`, v]), ...(seed ? [['seed', seed]] : [])]), outputs });
      inputs.forEach((x, i) => plan.inputs[`in${i}`].set(x.values));
      if (seed) plan.inputs.seed.set(seedValues.values);
      plan.run(ctx());
      const want = eager(inputs);
      expectClose(plan.outputs.y, want.values, 'plan forward');
      if (seed) {
        const wantGrads = grads((...xs: Tensor[]) => {
          const all = [...inputs];
          which.forEach((k, j) => (all[k] = xs[j]));
          return eager(all);
        })(which.map((k) => inputs[k]), seedValues);
        wantGrads.forEach((g, j) => {
          if (plan.outputs[`g${j}`]) expectClose(plan.outputs[`g${j}`], g.values, `plan gradient ${j}`, 1e-4);
        });
      }
      plan.dispose();
    });
  });
});
