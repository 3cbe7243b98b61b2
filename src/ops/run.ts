// Runs registry ops eagerly on tensors: shape rule, kernel, then the autograd tape and (while a
// plan is being traced) the trace recorder. Every public op goes through runOp.

import { getBackend } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor, allocFor, type DType, type TypedArray } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { OPS, type OpAttrs, type OpName } from './registry/index.js';
import type { Emitter, OpDef, RunContext } from './registry/types.js';

/** Receives every op run while a model is being traced into a graph (see plan/trace.ts). */
export interface TraceRecorder {
  record<P extends OpName>(op: P, inputs: readonly Tensor[], attrs: OpAttrs[P], output: Tensor): void;
  /** The op that produced t during this trace, if any. */
  producerOf(t: Tensor): OpRecord | null;
}

/** One op application: what produced a tensor. */
export interface OpRecord {
  readonly op: OpName;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
}

let recorder: TraceRecorder | null = null;

/** Installs a trace recorder for the duration of fn (tracing does not nest). */
export function withTraceRecorder<T>(r: TraceRecorder, fn: () => T): T {
  if (recorder) throw new Error('trace: a model is already being traced');
  recorder = r;
  try {
    return fn();
  } finally {
    recorder = null;
  }
}

export function isTracing(): boolean {
  return recorder !== null;
}

const NO_RNG: RunContext = { rng: null };

/** Runs one op on tensors and returns its output. */
export function runOp<P extends OpName>(name: P, inputs: readonly Tensor[], attrs: OpAttrs[P], ctx: RunContext = NO_RNG): Tensor {
  const def = OPS[name] as OpDef<OpAttrs[P]>;
  const info = def.infer(inputs, attrs);
  const size = sizeOf(info.shape);
  const offset = def.view ? def.view(inputs, attrs) : null;
  let values: TypedArray;
  if (offset !== null) {
    values = inputs[0].values.subarray(offset, offset + size);
  } else {
    values = allocFor(info.dtype, size);
    // Side effects (moving averages) must not happen while a model is only being traced.
    if (!(def.effect && recorder)) def.prepare(inputs, info, attrs)(getBackend(), inputs.map((t) => t.values), values, ctx);
  }
  const y = new Tensor(values, info.shape, info.dtype);
  if (def.vjp !== 'zero') record(y, { op: name, inputs, attrs, vjp: def.vjp as never });
  recorder?.record(name, inputs, attrs, y);
  return y;
}

/**
 * The op that produced t, while a trace is running or when t was recorded for gradients; null
 * otherwise. Lets model code see through a final activation (a fused loss needs the logits).
 */
export function producerOf(t: Tensor): OpRecord | null {
  if (recorder) return recorder.producerOf(t);
  return t.node ? { op: t.node.op as OpName, inputs: t.node.inputs, attrs: t.node.attrs } : null;
}

/** Runs gradient rules eagerly: each emitted op is computed at once. */
export const eagerEmitter: Emitter<Tensor> = {
  op: (name, inputs, attrs) => runOp(name, inputs, attrs),
  constant: (value: number, shape: readonly number[], dtype: DType = 'float32') => {
    const data = allocFor(dtype, sizeOf(shape));
    data.fill(value);
    return new Tensor(data, shape, dtype);
  },
};
