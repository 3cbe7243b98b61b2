// The kernel interface every backend implements, and the registry that picks the active one.
// Kernels work on flat typed arrays and shapes only, so a WebAssembly backend can take over
// without any op above it changing. The `js` backend is the readable reference (test oracle).

import type { Shape } from '../tensor/shape.js';
import type { DType, TypedArray } from '../tensor/tensor.js';

export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'square', 'reciprocal',
  'relu', 'step', 'sigmoid', 'tanh', 'softplus', 'elu', 'leakyRelu', 'gelu', 'geluGrad', 'floor',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argMax' | 'argMin';

/** Activations a fused dense kernel can apply after the bias add. */
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

export interface Backend {
  readonly name: string;
  /** y = f(x) elementwise; `alpha` parameterises elu and leakyRelu. */
  unary(op: UnaryOp, x: Float32Array, alpha: number): Float32Array;
  /** Elementwise with NumPy broadcasting of a and b to outShape. */
  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape, outDtype: DType): TypedArray;
  /** x viewed as [outer, reduced, inner]; reduces the middle axis to give [outer, inner]. */
  reduce(op: ReduceOp, x: Float32Array, outer: number, reduced: number, inner: number): Float32Array;
  /** Like reduce, returning the index along the reduced axis. */
  argReduce(op: ArgReduceOp, x: Float32Array, outer: number, reduced: number, inner: number): Int32Array;
  transpose(x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray;
  matmul(a: Float32Array, b: Float32Array, dims: MatmulDims): Float32Array;
  /** y = act(x + bias), x viewed as [rows, cols] and bias of length cols. */
  biasActivation(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: FusedActivation): Float32Array;
  /** Row-wise log-softmax of x viewed as [rows, cols]. */
  logSoftmax(x: Float32Array, rows: number, cols: number): Float32Array;
  /**
   * matmul writing into `out` (length batch*m*n). Arrays from allocFloat32 live in the backend's
   * own memory, so a wasm kernel reads and writes them without copies: the training fast path
   * keeps weights, activations and gradients there.
   */
  matmulInto(a: Float32Array, b: Float32Array, out: Float32Array, dims: MatmulDims): void;
  /** biasActivation writing into `out`, which may be `x` itself. */
  biasActivationInto(x: Float32Array, bias: Float32Array | null, out: Float32Array, rows: number, cols: number, act: FusedActivation): void;
  /** A zeroed float32 array for long-lived data (weights, optimiser state, reused activations). */
  allocFloat32(size: number): Float32Array;
  /** In place: Adam / AdamW update of param with moments m and v. */
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, p: AdamParams): void;
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
