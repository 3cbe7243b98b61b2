// The shape of one op definition: shape rule, kernel, gradient rule and the DeepLIFT / ONNX slots.
// Rules are written once against an Emitter, so the same gradient rule runs eagerly on tensors
// (autograd) and symbolically on graph values (compiled plans).

import type { Backend } from '../../backend/backend.js';
import type { DType, TypedArray } from '../../tensor/tensor.js';
import type { Rng } from '../../util/random.js';
import type { OpAttrs, OpName } from './attrs.js';

/** What a rule knows about a value: its shape and dtype (a Tensor eagerly, a graph value in a plan). */
export interface Val {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface ValInfo {
  shape: number[];
  dtype: DType;
}

/** Per-run state a kernel may read: the generator random ops draw from. */
export interface RunContext {
  rng: Rng | null;
}

/** A kernel for fixed shapes: reads `inputs`, overwrites `out`. */
export type Kernel = (be: Backend, inputs: readonly TypedArray[], out: TypedArray, ctx: RunContext) => void;

/** Builds ops: eagerly (running them) or symbolically (adding graph nodes). */
export interface Emitter<T extends Val> {
  op<P extends OpName>(name: P, inputs: readonly T[], attrs: OpAttrs[P]): T;
  /** A constant of the given shape filled with `value`. */
  constant(value: number, shape: readonly number[], dtype?: DType): T;
}

export interface VjpArgs<T extends Val, A> {
  inputs: readonly T[];
  output: T;
  /** dL/d(output). */
  dy: T;
  attrs: A;
  /** Which inputs need a gradient; a rule may skip the others (return null). */
  needs: readonly boolean[];
}

/** dL/d(inputs) from dL/d(output), as ops; null where an input gets no gradient. */
export type VjpRule<A> = <T extends Val>(e: Emitter<T>, args: VjpArgs<T, A>) => (T | null)[];

/**
 * How DeepLIFT carries multipliers through an op: 'linear' ops pass them with their VJP; 'scale'
 * (products, quotients, matrix products: bilinear ops) with their VJP at the midpoint of x and the
 * reference, which is exact for the difference even when both operands depend on the input;
 * 'rescale' elementwise nonlinearities scale them by (f(x) - f(r)) / (x - r); 'softmax' uses its
 * averaged Jacobian; 'max' (max pooling, max / min reductions) gives each window's difference to
 * the winning input of whichever side wins; 'none' has no rule (DeepSHAP refuses models that use the
 * op, naming it).
 */
export type DeepLiftRule = 'linear' | 'scale' | 'rescale' | 'softmax' | 'max' | 'none';

/** An ONNX attribute value, typed as the schema needs it. */
export type OnnxAttribute = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

/** What an ONNX exporter offers an op's mapping rule (implemented in io/). */
export interface OnnxEmitter {
  /** Adds a node; returns its output name. */
  node(opType: string, inputs: readonly string[], attributes?: Record<string, OnnxAttribute>): string;
  /** Adds an initializer; returns its name. */
  initializer(values: Float32Array | Int32Array | Int8Array | number[], shape: readonly number[], dtype?: 'float32' | 'int64' | 'int8'): string;
  readonly opset: number;
}

/** Maps one op to ONNX nodes; returns the name holding its output. */
export type OnnxRule<A> = (e: OnnxEmitter, args: { inputs: readonly string[]; inputVals: readonly Val[]; output: Val; attrs: A }) => string;

export interface OpDef<A> {
  /** Output shape and dtype, or a clear error naming the op, the shapes and the fix. */
  infer(inputs: readonly Val[], attrs: A): ValInfo;
  /** The kernel for these shapes: shape-derived set-up runs once, then plans call the kernel every step. */
  prepare(inputs: readonly Val[], output: Val, attrs: A): Kernel;
  /**
   * When the output can be a view of input 0's storage, the element offset where it starts (reshape:
   * always 0; slice: when the box is one contiguous run), else null: no kernel runs for a view.
   */
  view?: (inputs: readonly Val[], attrs: A) => number | null;
  /** Updates a parameter in place (moving averages): kept by dead-code elimination, skipped while tracing. */
  effect?: boolean;
  /** Draws from ctx.rng on every run (dropout masks). */
  random?: boolean;
  /** Gradient rule; 'zero' for piecewise-constant ops, 'none' where no gradient is defined (second order). */
  vjp: VjpRule<A> | 'zero' | 'none';
  deeplift: DeepLiftRule | ((attrs: A) => DeepLiftRule);
  onnx: OnnxRule<A> | null;
}
