// Value of coalitions for interventional Shapley methods: v(S) = E_b[f(x_S, b_rest)], streamed in chunks.
// Generic path: builds perturbed rows chunk by chunk (memory bounded by maxRowsPerCall) and calls the model.
// Fast path for Dense-first models: the first layer's pre-activation is decomposed per group, so a
// coalition row costs |S| vector adds instead of a full first-layer product; checked against the model.

import type { Background } from './background.js';
import type { ResolvedGroups } from './groups.js';
import type { Model } from './predictor.js';
import { checkAbort } from './predictor.js';
import { type DenseNet, type DenseStep, applyActivation, denseNetOf, forwardFrom } from './dense-net.js';

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
}

/** Builds the evaluator for one explained row `x` (flat, length = inputs). */
export async function coalitionEvaluator(model: Model, x: Float32Array, bg: Background, g: ResolvedGroups, opts: EvaluatorOptions): Promise<CoalitionEvaluator> {
  const inputs = x.length;
  const G = g.members.length;
  const fxCall = await model.call(x, 1);
  const outputs = fxCall.outputs;
  const fx = Float64Array.from(fxCall.values);
  const bgOut = await callChunked(model, bg.rows, bg.n, inputs, opts);
  const fnull = new Float64Array(outputs);
  for (let b = 0; b < bg.n; b++) for (let o = 0; o < outputs; o++) fnull[o] += bg.weights[b] * bgOut[b * outputs + o];

  const ev: CoalitionEvaluator = {
    outputs, fx, fnull, rowsEvaluated: 1 + bg.n, fastPath: false,
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
  const net = denseNetOf(model.sequential);
  if (typeof net === 'string' || net.inputs !== inputs) return ev;
  const fast = firstLayerEvaluator(net, x, bg, g, outputs, opts);
  // The fast path must reproduce the model: check f(x) and f(background) before trusting it.
  const all = new Uint8Array(G).fill(1);
  const none = new Uint8Array(G);
  const [vAll, vNone] = [fast(all, 1), fast(none, 1)];
  for (let o = 0; o < outputs; o++) {
    if (Math.abs(vAll[o] - fx[o]) > 1e-4 * (1 + Math.abs(fx[o])) || Math.abs(vNone[o] - fnull[o]) > 1e-4 * (1 + Math.abs(fnull[o]))) return ev;
  }
  ev.fastPath = true;
  ev.evaluate = async (masks, count) => {
    checkAbort(opts.signal);
    ev.rowsEvaluated += count * bg.n;
    return fast(masks, count);
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
 * z(S, b) = W·b + bias + sum over present groups g of W_g·(x_g − b_g): exact for the first Dense layer.
 * Inputs outside every group always keep x's value.
 */
function firstLayerEvaluator(net: DenseNet, x: Float32Array, bg: Background, g: ResolvedGroups, outputs: number, opts: EvaluatorOptions) {
  const first = net.steps[0] as DenseStep;
  const units = first.outDim;
  const G = g.members.length;
  const inputs = x.length;
  const base = new Float32Array(bg.n * units);
  const contrib = new Float32Array(bg.n * G * units);
  for (let b = 0; b < bg.n; b++) {
    const bo = b * units;
    if (first.b) base.set(first.b, bo);
    for (let i = 0; i < inputs; i++) {
      const bi = bg.rows[b * inputs + i];
      const gi = g.groupOf[i];
      const v = gi < 0 ? x[i] : bi;
      const wo = i * units;
      if (v !== 0) for (let j = 0; j < units; j++) base[bo + j] += v * first.w[wo + j];
      if (gi >= 0) {
        const d = x[i] - bi;
        if (d === 0) continue;
        const co = (b * G + gi) * units;
        for (let j = 0; j < units; j++) contrib[co + j] += d * first.w[wo + j];
      }
    }
  }
  const perCall = Math.max(1, Math.floor(opts.maxRowsPerCall / bg.n));
  return (masks: Uint8Array, count: number): Float64Array => {
    const out = new Float64Array(count * outputs);
    const present = new Int32Array(G);
    for (let s0 = 0; s0 < count; s0 += perCall) {
      const s1 = Math.min(count, s0 + perCall);
      const n = (s1 - s0) * bg.n;
      const h = new Float32Array(n * units);
      let r = 0;
      for (let s = s0; s < s1; s++) {
        let np = 0;
        for (let gi = 0; gi < G; gi++) if (masks[s * G + gi]) present[np++] = gi;
        for (let b = 0; b < bg.n; b++, r++) {
          const ho = r * units;
          h.set(base.subarray(b * units, (b + 1) * units), ho);
          for (let p = 0; p < np; p++) {
            const co = (b * G + present[p]) * units;
            for (let j = 0; j < units; j++) h[ho + j] += contrib[co + j];
          }
        }
      }
      applyActivation(first.act, h, n, units);
      const y = forwardFrom(net, 1, h, n, units).values;
      averageOverBackground(y, s0, s1, bg, outputs, out);
    }
    return out;
  };
}
