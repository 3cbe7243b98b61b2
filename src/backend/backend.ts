// The kernel interface every backend implements, and the registry that picks the active one.
// Kernels work on flat typed arrays and shapes only and write into an output array they are
// given, so compiled plans can run them over buffers allocated once. The `js` backend is the
// readable reference (test oracle); `wasm` is the fast default.

import type { Shape } from '../tensor/shape.js';
import type { TypedArray } from '../tensor/tensor.js';
import type { ConvInfo, PoolInfo } from './conv-geometry.js';

export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'square', 'reciprocal',
  'relu', 'relu6', 'step', 'sigmoid', 'tanh', 'softplus', 'elu', 'leakyRelu', 'gelu', 'floor',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argMax' | 'argMin';

/**
 * Activations a fused kernel applies after a bias add. Each one's derivative can be read off its
 * output, so the backward pass needs only y: relu' = [y > 0], sigmoid' = y(1 - y), tanh' = 1 - y².
 */
export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** Batched matrix product C[b] = op(A[b]) @ op(B[b]), op = optional transpose. */
export interface MatmulDims {
  batch: number;
  /** Rows of op(A) and of C. */
  m: number;
  /** Inner dimension. */
  k: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** A is stored [k, m] instead of [m, k]. */
  transA: boolean;
  /** B is stored [n, k] instead of [k, n]. */
  transB: boolean;
  /** 0 broadcasts one matrix over the batch, else m*k. */
  aBatchStride: number;
  /** 0 broadcasts one matrix over the batch, else k*n. */
  bBatchStride: number;
}

/** An int8 dense product (see Backend.linearU7): x [m, k] of 0..127 with zero point zeroPoint, w [n, k]. */
export interface Int8Dims {
  m: number;
  k: number;
  n: number;
  zeroPoint: number;
  /** Apply relu in the epilogue (else linear). */
  relu: boolean;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step count, for bias correction. */
  step: number;
  /** Decoupled weight decay (AdamW); 0 for Adam. */
  weightDecay: number;
}

/**
 * Every kernel overwrites `out` completely and never keeps a reference to its arguments. Arrays
 * from allocFloat32 live in the backend's own memory (WebAssembly memory for wasm), so a kernel
 * uses them in place; any other array is copied in and out.
 */
export interface RmspropParams {
  lr: number;
  /** Decay of the mean square. */
  rho: number;
  /** 0 for none; else the step accumulates in `mom`. */
  momentum: number;
  epsilon: number;
}

export interface Backend {
  readonly name: string;
  /** A zeroed float32 array in backend memory, for long-lived buffers (weights, plan buffers). */
  allocFloat32(size: number): Float32Array;
  /** Returns an array from allocFloat32 now, instead of when it is garbage collected; it must not be used after. */
  free(buffer: Float32Array): void;
  /** out = f(x) elementwise; `alpha` parameterises elu and leakyRelu. */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = dy * f'(x) elementwise, given x and y = f(x). */
  unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, out: Float32Array, alpha: number): void;
  /** Elementwise with NumPy broadcasting of a and b to outShape; out's type is the result dtype. */
  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void;
  /** x viewed as [outer, reduced, inner]; reduces the middle axis into out [outer, inner]. */
  reduce(op: ReduceOp, x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void;
  /** Like reduce, writing the index along the reduced axis. */
  argReduce(op: ArgReduceOp, x: Float32Array, out: Int32Array, outer: number, reduced: number, inner: number): void;
  transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, dims: MatmulDims): void;
  /** out = act(x + bias), x viewed as [rows, cols] and bias of length cols; out may be x. */
  biasActivation(x: Float32Array, bias: Float32Array | null, out: Float32Array, rows: number, cols: number, act: FusedActivation): void;
  /** out = dy * act'(z) computed from y = act(z); out may be dy. */
  activationGrad(act: FusedActivation, y: Float32Array, dy: Float32Array, out: Float32Array): void;
  /** Row-wise softmax / log-softmax of x viewed as [rows, cols]. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** Channels-last convolution (filter [kH, kW, inC, outC]) and its two adjoints (geometry in conv-geometry.ts). */
  conv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void;
  /** Per-channel convolution (filter [kH, kW, inC, multiplier], output channel ic * multiplier + m) and its adjoints. */
  depthwiseConv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void;
  depthwiseConv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void;
  depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void;
  /** Pooling windows; maxPoolGrad sends each gradient to the first maximum of its window, avgPool excludes padding. */
  maxPool(x: Float32Array, out: Float32Array, p: PoolInfo): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, p: PoolInfo): void;
  avgPool(x: Float32Array, out: Float32Array, p: PoolInfo): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, p: PoolInfo): void;
  /** Per-column mean and biased variance of x viewed as [rows, cols]: out = [mean (cols) | variance (cols)]. */
  moments(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out = (x - mean) / sqrt(variance + eps) * gamma + beta per column. */
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void;
  /** dx of batchNorm; with batchStats the statistics are x's own, so the gradient also flows through them. */
  batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, eps: number, batchStats: boolean): void;
  /** [dgamma | dbeta] of batchNorm: out = [sum dy xhat (cols) | sum dy (cols)]. */
  batchNormParamGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void;
  /** Int8 activations (compress/): out = clamp(roundHalfEven(f32(x / scale)) + zeroPoint, 0, 127), NaN to 0. */
  quantizeU7(x: Float32Array, out: Int8Array, scale: number, zeroPoint: number): void;
  /**
   * Int8 dense: out[i, j] = act(f32(sum_q (x[i, q] - zeroPoint) w[j, q]) * mult[j] + bias[j]), x [m, k] holding
   * 0..127, w [n, k] int8, each step rounded to float32; act relu or linear. Sums are exact (int32).
   */
  linearU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, d: Int8Dims): void;
  /** Int8 conv with linearU7's epilogue: x [batch, inH, inW, inC] of 0..127, w [outC, kH, kW, inC]; padding reads zeroPoint. */
  conv2dU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, c: ConvInfo, zeroPoint: number, relu: boolean): void;
  /** In place: Adam / AdamW update of param with moments m and v. */
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, p: AdamParams): void;
  /** In place: RMSprop; mom may be null when momentum is 0. */
  rmspropUpdate(param: Float32Array, grad: Float32Array, rms: Float32Array, mom: Float32Array | null, p: RmspropParams): void;
  /** In place: SGD with (optional, Nesterov) momentum; velocity may be null when momentum is 0. */
  sgdUpdate(param: Float32Array, grad: Float32Array, velocity: Float32Array | null, lr: number, momentum: number, nesterov: boolean): void;
}

const registry = new Map<string, () => Backend>();
let active: Backend | null = null;

export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

/** Selects the backend used by every op from now on. */
export function setBackend(name: string): void {
  const factory = registry.get(name);
  if (!factory) {
    throw new Error(`setBackend: unknown backend '${name}'; available: ${[...registry.keys()].join(', ')}`);
  }
  active = factory();
}

export function getBackend(): Backend {
  if (!active) {
    const preferred = registry.has('wasm') ? 'wasm' : 'js';
    setBackend(preferred);
  }
  return active!;
}

export function backendNames(): string[] {
  return [...registry.keys()];
}

/** Runs fn with a given backend active, restoring the previous one after. */
export function withBackend<T>(name: string, fn: () => T): T {
  const previous = active;
  setBackend(name);
  try {
    return fn();
  } finally {
    active = previous;
  }
}
