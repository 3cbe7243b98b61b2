// The reference backend: plain TypeScript loops, written to be read. Every faster kernel is tested against it.

import type { AdamParams, RmspropParams, ArgReduceOp, Backend, BinaryOp, FusedActivation, MatmulDims, ReduceOp, UnaryOp } from '../backend.js';
import { registerBackend } from '../backend.js';
import type { Shape } from '../../tensor/shape.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import type { TypedArray } from '../../tensor/tensor.js';
import { gelu, geluGrad, sigmoid, softplus } from './math.js';
import * as conv from './conv.js';
import * as norm from './norm.js';
import * as int8 from './int8.js';

const unaryFns: { [K in UnaryOp]: (x: number, alpha: number) => number } = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: (x) => Math.abs(x),
  sign: (x) => Math.sign(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  relu: (x) => (x > 0 ? x : 0),
  relu6: (x) => (x > 0 ? (x < 6 ? x : 6) : 0),
  step: (x) => (x > 0 ? 1 : 0),
  sigmoid,
  tanh: (x) => Math.tanh(x),
  softplus,
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  gelu,
  floor: (x) => Math.floor(x),
};

/** f'(x) for each unary op, given x and y = f(x). Piecewise-constant ops have derivative 0. */
const unaryDerivatives: { [K in UnaryOp]: (x: number, y: number, alpha: number) => number } = {
  neg: () => -1, // d(-x) = -1
  exp: (_x, y) => y, // d e^x = e^x
  log: (x) => 1 / x, // d ln x = 1/x
  sqrt: (_x, y) => 0.5 / y, // d sqrt x = 1 / (2 sqrt x)
  rsqrt: (x, y) => (-0.5 * y) / x, // d x^-1/2 = -1/2 x^-3/2
  abs: (x) => Math.sign(x), // d|x| = sign x
  sign: () => 0,
  square: (x) => 2 * x, // d x² = 2x
  reciprocal: (_x, y) => -y * y, // d 1/x = -1/x²
  relu: (x) => (x > 0 ? 1 : 0), // [x > 0]
  relu6: (x) => (x > 0 && x < 6 ? 1 : 0), // [0 < x < 6]
  step: () => 0,
  sigmoid: (_x, y) => y * (1 - y), // s (1 - s)
  tanh: (_x, y) => 1 - y * y, // 1 - tanh²
  softplus: (x) => sigmoid(x), // d log(1 + e^x) = sigmoid x
  elu: (x, y, a) => (x > 0 ? 1 : y + a), // x <= 0: a e^x = y + a
  leakyRelu: (x, _y, a) => (x > 0 ? 1 : a),
  gelu: (x) => geluGrad(x), // Phi(x) + x phi(x)
  floor: () => 0,
};

const binaryFns: { [K in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  equal: (a, b) => +(a === b),
  notEqual: (a, b) => +(a !== b),
  less: (a, b) => +(a < b),
  lessEqual: (a, b) => +(a <= b),
  greater: (a, b) => +(a > b),
  greaterEqual: (a, b) => +(a >= b),
};

/** Strides of `shape` aligned to `outShape`, with 0 where the operand is broadcast. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : strides[j];
  });
}

function binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
  const f = binaryFns[op];
  const size = sizeOf(outShape);
  if (a.length === size && b.length === size) {
    for (let i = 0; i < size; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (a.length === size && b.length === 1) {
    const bv = b[0];
    for (let i = 0; i < size; i++) out[i] = f(a[i], bv);
    return;
  }
  // General case: walk the output in row-major order, keeping an offset into each operand.
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < size; i++) {
    out[i] = f(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      index[d] = 0;
    }
  }
}

const reduceInit: { [K in ReduceOp]: number } = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const reduceStep: { [K in ReduceOp]: (acc: number, x: number) => number } = {
  sum: (acc, x) => acc + x,
  prod: (acc, x) => acc * x,
  max: (acc, x) => (x > acc || Number.isNaN(x) ? x : acc),
  min: (acc, x) => (x < acc || Number.isNaN(x) ? x : acc),
};

function reduce(op: ReduceOp, x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void {
  const step = reduceStep[op];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      // Accumulate in float64 so long sums keep float32 accuracy.
      let acc = reduceInit[op];
      for (let r = 0; r < reduced; r++) acc = step(acc, x[(o * reduced + r) * inner + i]);
      out[o * inner + i] = acc;
    }
  }
}

function argReduce(op: ArgReduceOp, x: Float32Array, out: Int32Array, outer: number, reduced: number, inner: number): void {
  const better = op === 'argMax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = x[o * reduced * inner + i];
      for (let r = 1; r < reduced; r++) {
        const v = x[(o * reduced + r) * inner + i];
        if (better(v, bestValue)) {
          best = r;
          bestValue = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
}

function transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const stepStrides = perm.map((p) => inStrides[p]);
  const size = x.length;
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < size; i++) {
    out[i] = x[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += stepStrides[d];
      if (index[d] < outShape[d]) break;
      src -= stepStrides[d] * outShape[d];
      index[d] = 0;
    }
  }
}

function matmul(a: Float32Array, b: Float32Array, out: Float32Array, d: MatmulDims): void {
  const { batch, m, k, n, transA, transB } = d;
  for (let p = 0; p < batch; p++) {
    const ao = p * d.aBatchStride;
    const bo = p * d.bBatchStride;
    const co = p * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) {
          const av = transA ? a[ao + q * m + i] : a[ao + i * k + q];
          const bv = transB ? b[bo + j * k + q] : b[bo + q * n + j];
          acc += av * bv;
        }
        out[co + i * n + j] = acc;
      }
    }
  }
}

const fusedActivations: { [K in FusedActivation]: (x: number) => number } = {
  linear: (x) => x,
  relu: (x) => (x > 0 ? x : 0),
  sigmoid,
  tanh: Math.tanh,
};

/** act'(z) from y = act(z). */
const fusedDerivatives: { [K in FusedActivation]: (y: number) => number } = {
  linear: () => 1,
  relu: (y) => (y > 0 ? 1 : 0),
  sigmoid: (y) => y * (1 - y),
  tanh: (y) => 1 - y * y,
};

function biasActivation(x: Float32Array, bias: Float32Array | null, out: Float32Array, rows: number, cols: number, act: FusedActivation): void {
  const f = fusedActivations[act];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = f(x[r * cols + c] + (bias ? bias[c] : 0));
  }
}

function activationGrad(act: FusedActivation, y: Float32Array, dy: Float32Array, out: Float32Array): void {
  const d = fusedDerivatives[act];
  for (let i = 0; i < out.length; i++) out[i] = dy[i] * d(y[i]);
}

/** log sum_c exp(x[o + c]), shifted by the row max so exp never overflows. */
function rowLogSumExp(x: Float32Array, o: number, cols: number): number {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]);
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += Math.exp(x[o + c] - max);
  return max + Math.log(sum);
}

function logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const lse = rowLogSumExp(x, r * cols, cols);
    for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] - lse;
  }
}

function softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const lse = rowLogSumExp(x, r * cols, cols);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(x[r * cols + c] - lse);
  }
}

function adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, p: AdamParams): void {
  const c1 = 1 - Math.pow(p.beta1, p.step);
  const c2 = 1 - Math.pow(p.beta2, p.step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    m[i] = p.beta1 * m[i] + (1 - p.beta1) * g;
    v[i] = p.beta2 * v[i] + (1 - p.beta2) * g * g;
    const mHat = m[i] / c1;
    const vHat = v[i] / c2;
    param[i] -= p.lr * (mHat / (Math.sqrt(vHat) + p.epsilon) + p.weightDecay * param[i]);
  }
}

function rmspropUpdate(param: Float32Array, grad: Float32Array, rms: Float32Array, mom: Float32Array | null, p: RmspropParams): void {
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    rms[i] = p.rho * rms[i] + (1 - p.rho) * g * g;
    const step = (p.lr * g) / (Math.sqrt(rms[i]) + p.epsilon);
    if (mom && p.momentum !== 0) {
      mom[i] = p.momentum * mom[i] + step;
      param[i] -= mom[i];
    } else {
      param[i] -= step;
    }
  }
}

function sgdUpdate(param: Float32Array, grad: Float32Array, velocity: Float32Array | null, lr: number, momentum: number, nesterov: boolean): void {
  for (let i = 0; i < param.length; i++) {
    if (!velocity || momentum === 0) {
      param[i] -= lr * grad[i];
      continue;
    }
    // Keras form: v = momentum * v - lr * g; p += v (Nesterov: p += momentum * v - lr * g).
    velocity[i] = momentum * velocity[i] - lr * grad[i];
    param[i] += nesterov ? momentum * velocity[i] - lr * grad[i] : velocity[i];
  }
}

export const jsBackend: Backend = {
  name: 'js',
  allocFloat32: (size) => new Float32Array(size),
  free: () => {},
  unary(op, x, out, alpha) {
    const f = unaryFns[op];
    for (let i = 0; i < x.length; i++) out[i] = f(x[i], alpha);
  },
  unaryGrad(op, x, y, dy, out, alpha) {
    const d = unaryDerivatives[op];
    // Where dy is 0 the product is 0 even if f' is infinite (e.g. sqrt at 0), as autodiff frameworks do.
    for (let i = 0; i < x.length; i++) out[i] = dy[i] === 0 ? 0 : dy[i] * d(x[i], y[i], alpha);
  },
  binary,
  reduce,
  argReduce,
  transpose,
  matmul,
  biasActivation,
  activationGrad,
  softmax,
  logSoftmax,
  conv2d: conv.conv2d,
  conv2dBackpropInput: conv.conv2dBackpropInput,
  conv2dBackpropFilter: conv.conv2dBackpropFilter,
  depthwiseConv2d: conv.depthwiseConv2d,
  depthwiseConv2dBackpropInput: conv.depthwiseConv2dBackpropInput,
  depthwiseConv2dBackpropFilter: conv.depthwiseConv2dBackpropFilter,
  maxPool: conv.maxPool,
  maxPoolGrad: conv.maxPoolGrad,
  avgPool: conv.avgPool,
  avgPoolGrad: conv.avgPoolGrad,
  moments: norm.moments,
  batchNorm: norm.batchNorm,
  batchNormGrad: norm.batchNormGrad,
  batchNormParamGrad: norm.batchNormParamGrad,
  quantizeU7: int8.quantizeU7,
  linearU7: int8.linearU7,
  conv2dU7: int8.conv2dU7,
  adamUpdate,
  rmspropUpdate,
  sgdUpdate,
};

registerBackend('js', () => jsBackend);
