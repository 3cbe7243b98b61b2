// Value of coalitions for interventional Shapley methods: v(S) = E_b[f(x_S, b_rest)], streamed in chunks.
// Generic path: builds perturbed rows chunk by chunk (memory bounded by maxRowsPerCall) and calls the model.
// Fast path for Dense-first models: the first layer's pre-activation is decomposed per group, so a
// coalition row costs |S| vector adds instead of a full first-layer product; checked against the model.

import type { Background } from './background.js';
import type { ResolvedGroups } from './groups.js';
import type { Model } from './predictor.js';
import { checkAbort } from './predictor.js';
import { type DenseNet, type DenseStep, denseNetOf } from './dense-net.js';
import { gemmCoalitionEvaluator } from './coalition-gemm.js';

export interface CoalitionEvaluator {
  outputs: number;
  /** f(x) per output. */
  fx: Float64Array;
  /** E_b f(b) per output. */
  fnull: Float64Array;
  /** Model rows evaluated so far. */
  rowsEvaluated: number;
  /** Whether the exact first-layer fast path is in use. */
  fastPath: boolean;
  /** v(S) for `count` masks (flat [count, G], 1 = present); returns [count, outputs]. */
  evaluate(masks: Uint8Array, count: number): Promise<Float64Array>;
}

export interface EvaluatorOptions {
  maxRowsPerCall: number;
  signal?: AbortSignal;
  /** Use the exact first-layer decomposition when the model allows it (default true). */
  fastPath?: boolean;
  /** Shared across rows: f(x) for this row, and the weighted mean model output over the background. */
  fx?: Float64Array;
  fnull?: Float64Array;
  net?: DenseNet | string | null;
}

/** Weighted mean of the model's outputs over the background rows. */
export async function backgroundMean(model: Model, bg: Background, inputs: number, opts: { maxRowsPerCall: number; signal?: AbortSignal }): Promise<Float64Array> {
  const y = await callChunked(model, bg.rows, bg.n, inputs, opts);
  const outputs = y.length / bg.n;
  const m = new Float64Array(outputs);
  for (let b = 0; b < bg.n; b++) for (let o = 0; o < outputs; o++) m[o] += bg.weights[b] * y[b * outputs + o];
  return m;
}

/** Builds the evaluator for one explained row `x` (flat, length = inputs). */
export async function coalitionEvaluator(model: Model, x: Float32Array, bg: Background, g: ResolvedGroups, opts: EvaluatorOptions): Promise<CoalitionEvaluator> {
  const inputs = x.length;
  const G = g.members.length;
  const fx = opts.fx ? Float64Array.from(opts.fx) : Float64Array.from((await model.call(x, 1)).values);
  const outputs = fx.length;
  const fnull = opts.fnull ? Float64Array.from(opts.fnull) : await backgroundMean(model, bg, inputs, opts);

  const ev: CoalitionEvaluator = {
    outputs, fx, fnull, rowsEvaluated: 0, fastPath: false,
    evaluate: async (masks, count) => {
      const out = new Float64Array(count * outputs);
      const perCall = Math.max(1, Math.floor(opts.maxRowsPerCall / bg.n));
      const buf = new Float32Array(Math.min(count, perCall) * bg.n * inputs);
      for (let s0 = 0; s0 < count; s0 += perCall) {
        checkAbort(opts.signal);
        const s1 = Math.min(count, s0 + perCall);
        let r = 0;
        for (let s = s0; s < s1; s++) {
          for (let b = 0; b < bg.n; b++, r++) {
            const row = r * inputs;
            buf.set(bg.rows.subarray(b * inputs, (b + 1) * inputs), row);
            for (let i = 0; i < inputs; i++) {
              const gi = g.groupOf[i];
              if (gi < 0 || masks[s * G + gi]) buf[row + i] = x[i];
            }
          }
        }
        const y = await model.call(buf, r);
        averageOverBackground(y.values, s0, s1, bg, outputs, out);
        ev.rowsEvaluated += r;
      }
      return out;
    },
  };
  // Inputs outside every group keep x's value, so the empty coalition is not plain E f(b).
  if (g.groupOf.some((gi) => gi < 0)) ev.fnull.set(await ev.evaluate(new Uint8Array(G), 1));
  if (opts.fastPath === false || !model.sequential) return ev;
  const net = opts.net !== undefined ? opts.net : denseNetOf(model.sequential);
  if (!net || typeof net === 'string' || net.inputs !== inputs) return ev;
  const fast = firstLayerEvaluator(net, x, bg, g, outputs, opts);
  // The fast path must reproduce the model: check f(x) and f(background) before trusting it.
  const all = new Uint8Array(G).fill(1);
  const none = new Uint8Array(G);
  const [vAll, vNone] = [fast.evaluate(all, 1), fast.evaluate(none, 1)];
  for (let o = 0; o < outputs; o++) {
    if (Math.abs(vAll[o] - fx[o]) > 1e-4 * (1 + Math.abs(fx[o])) || Math.abs(vNone[o] - fnull[o]) > 1e-4 * (1 + Math.abs(fnull[o]))) return ev;
  }
  ev.fastPath = true;
  ev.evaluate = async (masks, count) => {
    checkAbort(opts.signal);
    ev.rowsEvaluated += count * bg.n;
    return fast.evaluate(masks, count);
  };
  return ev;
}

function averageOverBackground(y: Float32Array, s0: number, s1: number, bg: Background, outputs: number, out: Float64Array): void {
  let r = 0;
  for (let s = s0; s < s1; s++) {
    for (let b = 0; b < bg.n; b++, r++) {
      const w = bg.weights[b];
      for (let o = 0; o < outputs; o++) out[s * outputs + o] += w * y[r * outputs + o];
    }
  }
}

/** Evaluate a model's rows in chunks; returns outputs [n, outputs]. */
export async function callChunked(model: Model, rows: Float32Array, n: number, inputs: number, opts: { maxRowsPerCall: number; signal?: AbortSignal }): Promise<Float32Array> {
  let out: Float32Array | null = null;
  for (let r0 = 0; r0 < n; r0 += opts.maxRowsPerCall) {
    checkAbort(opts.signal);
    const r1 = Math.min(n, r0 + opts.maxRowsPerCall);
    const y = await model.call(rows.subarray(r0 * inputs, r1 * inputs), r1 - r0);
    out ??= new Float32Array(n * y.outputs);
    out.set(y.values, r0 * y.outputs);
  }
  return out!;
}

/**
 * z(S, b) = base_b + sum over present groups g of (X_g - B_bg), with X_g = W_g·x_g, B_bg = W_g·b_g and
 * base_b = bias + W·b (inputs outside every group take x's value); coalition-gemm.ts evaluates these
 * sums and the rest of the network as matrix products on the backend.
 */
function firstLayerEvaluator(net: DenseNet, x: Float32Array, bg: Background, g: ResolvedGroups, outputs: number, opts: EvaluatorOptions) {
  const first = net.steps[0] as DenseStep;
  const units = first.outDim;
  const G = g.members.length;
  const inputs = x.length;
  const N = bg.n;
  const base = new Float64Array(N * units);
  // B laid out [G, N, units] so one group's background terms are contiguous.
  const B = new Float64Array(G * N * units);
  const X = new Float64Array(G * units);
  for (let i = 0; i < inputs; i++) {
    const gi = g.groupOf[i];
    if (gi < 0 || x[i] === 0) continue;
    for (let j = 0; j < units; j++) X[gi * units + j] += x[i] * first.w[i * units + j];
  }
  for (let b = 0; b < N; b++) {
    const bo = b * units;
    if (first.b) for (let j = 0; j < units; j++) base[bo + j] = first.b[j];
    for (let i = 0; i < inputs; i++) {
      const gi = g.groupOf[i];
      const v = gi < 0 ? x[i] : bg.rows[b * inputs + i];
      if (v === 0) continue;
      const wo = i * units;
      for (let j = 0; j < units; j++) base[bo + j] += v * first.w[wo + j];
      if (gi >= 0) {
        const co = (gi * N + b) * units;
        for (let j = 0; j < units; j++) B[co + j] += v * first.w[wo + j];
      }
    }
  }
  return { evaluate: gemmCoalitionEvaluator({ net, G, N, units, outputs, X, B, base, weights: bg.weights, maxRows: opts.maxRowsPerCall }) };
}

