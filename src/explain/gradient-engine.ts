// Input gradients for the gradient methods: batched forward/backward passes over many points and targets.

import { Tensor } from '../tensor/tensor.js';
import { valueAndGrad } from '../autograd/grad.js';
import { Explanation, type JsonValue } from './explanation.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkRows, floatRows, groupsFrom, isSequentialLike, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { CommonOptions, OutputSelection, Predictor, SequentialLike } from './types.js';
import { callChunked } from './coalitions.js';
import { type DenseNet, denseNetOf, forwardNet } from './dense-net.js';

export interface GradientOptions extends CommonOptions {
  /** Outputs to explain: 'all' (default), 'predicted' (the argmax per row), or indices. */
  outputs?: OutputSelection;
  /** Use exact hand-written gradients for Dense-only glassbox models where the method has them (default true). */
  fastPath?: boolean;
}

export const GRADIENT_KEYS = ['outputs', 'fastPath'] as const;

/** A differentiable view of the predictor: glassbox models through `apply`, functions as they are. */
export function differentiable(p: Predictor, method: string): (x: Tensor) => Tensor {
  if (isSequentialLike(p)) {
    const apply = p.apply;
    if (typeof apply !== 'function') throw new Error(`${method}: the model has no apply(x, {training}) to differentiate; use a model-agnostic method (kernelShap, lime)`);
    return (x) => apply.call(p, x, { training: false });
  }
  return (x) => {
    const y = p(x);
    if (!(y instanceof Tensor)) throw new Error(`${method}: needs a differentiable model: a glassbox model or a function returning a Tensor synchronously (built from glassbox ops)`);
    return y;
  };
}

/** What a method asks of the engine for one row: gradient points, and how to turn their gradients into attributions. */
export interface RowPlan {
  /** Points [P, inputs] at which gradients are taken. */
  points: Float32Array;
  count: number;
  /** Attribution [inputs] for one target from the gradients [P, inputs] at the points; optional SE [inputs]. */
  reduce(grads: Float32Array, target: number, t: number): { attr: Float32Array; se?: Float32Array };
}

export interface GradientRunInit {
  method: string;
  settings: Record<string, JsonValue>;
  predictor: Predictor;
  x: Tensor;
  opts: GradientOptions;
  plan(row: Float32Array, r: number): RowPlan;
  /** Base value per row and target (e.g. f(baseline)); default 0. */
  baseValues?(targets: Int32Array[], outputs: number): Promise<Float32Array>;
  /** Exact attributions [T][inputs] for one row of a Dense network without autograd (optional fast path). */
  dense?(net: DenseNet, row: Float32Array, targets: Int32Array): Float32Array[];
  /** Adds method-specific diagnostics from the finished attributions. */
  diagnose?(e: { values: Float32Array; base: Float32Array; preds: Float32Array; T: number; G: number }): Record<string, JsonValue>;
}

/** Runs a gradient method over rows, batching points of several rows into one backward pass. */
export async function runGradientMethod(init: GradientRunInit): Promise<Explanation> {
  const { x, opts, method } = init;
  checkRows(x);
  const f = differentiable(init.predictor, method);
  const rowShape = x.shape.slice(1);
  const model = asModel(init.predictor, rowShape);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const data = floatRows(x);
  const maxRows = rowsPerCall(opts);
  const preds = await callChunked(model, data, rows, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const K = preds.length / rows;
  const sel = opts.outputs ?? 'all';
  const targets: Int32Array[] = [];
  for (let r = 0; r < rows; r++) targets.push(targetsFor(sel, preds.subarray(r * K, (r + 1) * K), K, method));
  const T = targets[0].length;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const values = new Float32Array(rows * G * T);
  let ses: Float32Array | null = null;
  const vg = valueAndGrad(f);
  const net = init.dense && opts.fastPath !== false ? verifiedNet(model.sequential, data, rows, preds) : null;
  let r = 0;
  while (net && r < rows) {
    checkAbort(opts.signal);
    const attrs = init.dense!(net, data.subarray(r * inputs, (r + 1) * inputs), targets[r]);
    attrs.forEach((attr, t) => {
      for (let g = 0; g < G; g++) {
        let s = 0;
        for (const c of groups.members[g]) s += attr[c];
        values[(r * G + g) * T + t] = s;
      }
    });
    r++;
    if (r % 64 === 0 || r === rows) {
      opts.onProgress?.({ method, done: r, total: rows });
      await yieldToEventLoop();
    }
  }
  while (r < rows) {
    checkAbort(opts.signal);
    // A block of rows whose points x targets fit in one call.
    const plans: RowPlan[] = [];
    let total = 0;
    while (r + plans.length < rows) {
      const plan = init.plan(data.subarray((r + plans.length) * inputs, (r + plans.length + 1) * inputs), r + plans.length);
      if (plans.length > 0 && total + plan.count * T > maxRows) break;
      plans.push(plan);
      total += plan.count * T;
    }
    const grads = await gradientsOf(vg, plans, targets.slice(r, r + plans.length), T, K, inputs, rowShape, maxRows, method);
    plans.forEach((plan, i) => {
      for (let t = 0; t < T; t++) {
        const { attr, se } = plan.reduce(grads[i][t], targets[r + i][t], t);
        for (let g = 0; g < G; g++) {
          let s = 0;
          let s2 = 0;
          for (const c of groups.members[g]) {
            s += attr[c];
            if (se) s2 += se[c] * se[c];
          }
          values[((r + i) * G + g) * T + t] = s;
          if (se) {
            ses ??= new Float32Array(rows * G * T);
            ses[((r + i) * G + g) * T + t] = Math.sqrt(s2);
          }
        }
      }
    });
    r += plans.length;
    opts.onProgress?.({ method, done: r, total: rows });
    await yieldToEventLoop();
  }
  const base = init.baseValues ? await init.baseValues(targets, K) : new Float32Array(rows * T);
  const predOut = new Float32Array(rows * T);
  for (let i = 0; i < rows; i++) for (let t = 0; t < T; t++) predOut[i * T + t] = preds[i * K + targets[i][t]];
  const outputNames = resolveOutputNames(opts, model, K);
  const perRow = sel === 'predicted';
  return new Explanation({
    method, settings: { ...init.settings, outputs: Array.isArray(sel) ? sel : sel }, kind: 'local', rows, features: G, outputs: T, values, stdErrors: ses,
    baseValues: base, predictions: predOut, data, inputShape: rowShape, featureNames: groups.names, inputNames, groups: groups.groups,
    outputNames: perRow ? outputNames : targets[0].length === K ? outputNames : Array.from(targets[0], (k) => outputNames[k]),
    targets: perRow ? Int32Array.from(targets, (t) => t[0]) : null,
    diagnostics: { ...(init.diagnose ? init.diagnose({ values, base, preds: predOut, T, G }) : {}), ...(init.dense ? { fastPath: net !== null } : {}) },
  });
}

/** The model as a DenseNet, if it is one and our forward pass reproduces its predictions. */
function verifiedNet(seq: SequentialLike | null, data: Float32Array, rows: number, preds: Float32Array): DenseNet | null {
  if (!seq) return null;
  const net = denseNetOf(seq);
  if (typeof net === 'string' || net.inputs * rows !== data.length) return null;
  const n = Math.min(rows, 256);
  const own = forwardNet(net, data, n);
  for (let i = 0; i < own.length; i++) if (Math.abs(own[i] - preds[i]) > 1e-4 * (1 + Math.abs(preds[i]))) return null;
  return net;
}

function targetsFor(sel: OutputSelection, pred: Float32Array, K: number, method: string): Int32Array {
  if (sel === 'all') return Int32Array.from({ length: K }, (_, i) => i);
  if (sel === 'predicted') {
    let best = 0;
    for (let k = 1; k < K; k++) if (pred[k] > pred[best]) best = k;
    return Int32Array.of(best);
  }
  if (!Array.isArray(sel) || sel.length === 0 || sel.some((k) => !Number.isInteger(k) || k < 0 || k >= K)) {
    throw new Error(`${method}: outputs must be 'all', 'predicted' or indices in 0..${K - 1}, got ${JSON.stringify(sel)}`);
  }
  return Int32Array.from(sel);
}

/** Gradients [plan][target] -> [P, inputs] for every point of every plan, in calls of at most maxRows rows. */
async function gradientsOf(vg: (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor }, plans: RowPlan[], targets: Int32Array[], T: number, K: number,
  inputs: number, rowShape: number[], maxRows: number, method: string): Promise<Float32Array[][]> {
  // Lay out (plan, target, point) triples, then run them in chunks.
  const jobs: { plan: number; t: number; p: number }[] = [];
  plans.forEach((plan, i) => {
    for (let t = 0; t < T; t++) for (let p = 0; p < plan.count; p++) jobs.push({ plan: i, t, p });
  });
  const out = plans.map((plan) => Array.from({ length: T }, () => new Float32Array(plan.count * inputs)));
  for (let j0 = 0; j0 < jobs.length; j0 += maxRows) {
    const j1 = Math.min(jobs.length, j0 + maxRows);
    const n = j1 - j0;
    const xb = new Float32Array(n * inputs);
    const dy = new Float32Array(n * K);
    for (let j = j0; j < j1; j++) {
      const { plan, t, p } = jobs[j];
      xb.set(plans[plan].points.subarray(p * inputs, (p + 1) * inputs), (j - j0) * inputs);
      dy[(j - j0) * K + targets[plan][t]] = 1;
    }
    const { value, grad } = vg(new Tensor(xb, [n, ...rowShape]), new Tensor(dy, [n, K]));
    if (value.gradScope === 0) {
      throw new Error(`${method}: the model's output does not depend differentiably on its input (was it built from glassbox ops?)`);
    }
    if (value.shape[0] !== n || value.size !== n * K) throw new Error(`${method}: the differentiable model returned shape [${value.shape}] for ${n} rows`);
    const gv = grad.values;
    for (let j = j0; j < j1; j++) {
      const { plan, t, p } = jobs[j];
      out[plan][t].set(gv.subarray((j - j0) * inputs, (j - j0 + 1) * inputs), p * inputs);
    }
  }
  return out;
}
