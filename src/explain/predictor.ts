// Turns any Predictor into one batched call shape, and checks rows, names and options up front.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { CommonOptions, FeatureGroup, ModelMetadataLike, Predictor, SequentialLike } from './types.js';
import type { Traceable } from '../plan/model-plans.js';
import { PlanCache } from '../plan/cache.js';

/** True for objects shaped like a glassbox Sequential model (has `predict` and `layers`). */
export function isSequentialLike(p: unknown): p is SequentialLike {
  return typeof p === 'object' && p !== null && typeof (p as SequentialLike).predict === 'function' && Array.isArray((p as SequentialLike).layers);
}

/** A glassbox model whose forward pass can be traced into plans (inference, gradients, DeepLIFT). */
export function traceableOf(p: unknown): Traceable | null {
  const t = p as Partial<Traceable> | null;
  return isSequentialLike(p) && t && t.plans instanceof PlanCache && typeof t.apply === 'function' && Array.isArray(t.inputShape) ? (t as Traceable) : null;
}

/** A predictor reduced to: rows in (flat, [n, inputs]) and outputs out (flat, [n, outputs]). */
export interface Model {
  readonly source: Predictor;
  readonly sequential: SequentialLike | null;
  /** The model as plans can run it, or null for a plain function. */
  readonly traceable: Traceable | null;
  readonly metadata: ModelMetadataLike | undefined;
  /** Shape of one input row, e.g. [784] or [28, 28, 1]. */
  readonly rowShape: number[];
  /** Evaluates rows [n, inputs] given flat; returns outputs [n, outputs] flat and their count. */
  call(rows: Float32Array, n: number): Promise<{ values: Float32Array; outputs: number }>;
}

/** Wraps a Predictor; `rowShape` is the shape of one row of the data being explained. */
export function asModel(p: Predictor, rowShape: number[]): Model {
  const sequential = isSequentialLike(p) ? p : null;
  if (!sequential && typeof p !== 'function') {
    throw new Error('explain: the model must be a glassbox Sequential model or a function (x: Tensor) => Tensor | Promise<Tensor>');
  }
  const width = rowShape.reduce((a, b) => a * b, 1);
  return {
    source: p,
    sequential,
    traceable: traceableOf(p),
    metadata: sequential?.metadata,
    rowShape,
    async call(rows, n) {
      const x = new Tensor(rows.length === n * width ? rows : rows.subarray(0, n * width), [n, ...rowShape]);
      const y = sequential ? sequential.predict(x) : await (p as (x: Tensor) => Tensor | Promise<Tensor>)(x);
      return checkOutput(y, n);
    },
  };
}

function checkOutput(y: unknown, n: number): { values: Float32Array; outputs: number } {
  if (!(y instanceof Tensor)) throw new Error('explain: the model must return a Tensor');
  if (y.shape[0] !== n || y.rank < 1 || y.rank > 2) {
    throw new Error(`explain: the model returned shape ${formatShape(y.shape)} for ${n} rows; expected [${n}, outputs] or [${n}]`);
  }
  const values = y.values instanceof Float32Array ? y.values : Float32Array.from(y.values);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`explain: the model returned a non-finite value (${values[i]}) for row ${Math.floor(i / (values.length / n))}`);
  }
  return { values, outputs: y.rank === 1 ? 1 : y.shape[1] };
}

/** Checks the rows to explain: a float tensor of rank >= 2, finite. */
export function checkRows(x: Tensor, what = 'x'): void {
  if (!(x instanceof Tensor)) throw new Error(`explain: ${what} must be a Tensor of rows [n, features]`);
  if (x.rank < 2) throw new Error(`explain: ${what} must have a batch dimension, got shape ${formatShape(x.shape)}; pass rows as [n, features] (reshape one row to [1, features])`);
  if (x.shape[0] === 0) throw new Error(`explain: ${what} has no rows`);
  const v = x.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new Error(`explain: ${what} holds a non-finite value (${v[i]}) at flat index ${i}; clean or impute it first`);
  }
}

/** Rows as a flat Float32Array. */
export function floatRows(x: Tensor): Float32Array {
  return x.values instanceof Float32Array ? x.values : Float32Array.from(x.values);
}

/** Rejects option keys the method does not know, so a typo never silently changes nothing. */
export function checkOptionKeys(method: string, opts: object, known: readonly string[]): void {
  const allowed = new Set([...COMMON_KEYS, ...known]);
  for (const k of Object.keys(opts)) {
    if (!allowed.has(k)) {
      throw new Error(`${method}: unknown option '${k}'; known options: ${[...allowed].sort().join(', ')}`);
    }
  }
}

export const COMMON_KEYS = ['featureNames', 'outputNames', 'groups', 'seed', 'maxRowsPerCall', 'batchSize', 'onProgress', 'signal'] as const;

/** Most rows per model call. */
export function rowsPerCall(opts: CommonOptions): number {
  const n = opts.maxRowsPerCall ?? opts.batchSize ?? 8192;
  if (!Number.isInteger(n) || n < 1) throw new Error(`explain: maxRowsPerCall must be a positive integer, got ${n}`);
  return n;
}

/** Throws an AbortError if the signal fired. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const err = new Error('explain: cancelled');
    err.name = 'AbortError';
    throw err;
  }
}

// Lets timers and abort events run between chunks of a long computation.
export { yieldToEventLoop } from '../util/yield.js';

/** Input column names: given, from the model, or x0..x{n-1}. */
export function resolveFeatureNames(opts: CommonOptions, model: Model, inputs: number): string[] {
  const names = opts.featureNames ?? model.metadata?.featureNames;
  if (names === undefined) return Array.from({ length: inputs }, (_, i) => `x${i}`);
  if (names.length !== inputs) throw new Error(`explain: ${names.length} feature names for ${inputs} input columns`);
  return [...names];
}

/** Output names: given, the model's class names, or out0..; a single output of a regressor is 'prediction'. */
export function resolveOutputNames(opts: CommonOptions, model: Model, outputs: number): string[] {
  const names = opts.outputNames ?? model.metadata?.classNames;
  if (names !== undefined && names.length === outputs) return [...names];
  if (opts.outputNames !== undefined) throw new Error(`explain: ${opts.outputNames.length} output names for ${outputs} model outputs`);
  return outputs === 1 ? ['prediction'] : Array.from({ length: outputs }, (_, i) => `out${i}`);
}

/** Groups given, else from the model, else none (null). */
export function groupsFrom(opts: CommonOptions, model: Model): FeatureGroup[] | null {
  return opts.groups ?? model.metadata?.groups ?? null;
}
