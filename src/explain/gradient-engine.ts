// Input gradients for the gradient methods: batched forward/backward passes over many points and targets.

import { Tensor } from '../tensor/tensor.js';
import { valueAndGrad } from '../autograd/grad.js';
import { bucketRows } from '../plan/model-plans.js';
import { inputGradientsPlan, rowsWithinMemory } from '../plan/gradient-plans.js';
import { Explanation, type JsonValue } from './explanation.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkRows, floatRows, groupsFrom, isSequentialLike, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { CommonOptions, OutputSelection, Predictor } from './types.js';
import type { Traceable } from '../plan/model-plans.js';
import { predictTargets, targetOutputNames } from './targets.js';

export interface GradientOptions extends CommonOptions {
  /** Outputs to explain: 'all' (default), 'predicted' (the argmax per row), or indices. */
  outputs?: OutputSelection;
}

export const GRADIENT_KEYS = ['outputs'] as const;

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
  /** Adds method-specific diagnostics from the finished attributions. */
  diagnose?(e: { values: Float32Array; base: Float32Array; preds: Float32Array; T: number; G: number }): Record<string, JsonValue>;
}

/** Runs a gradient method over rows, batching points of several rows into one backward pass. */
export async function runGradientMethod(init: GradientRunInit): Promise<Explanation> {
  const { x, opts, method } = init;
  checkRows(x);
  differentiable(init.predictor, method); // refuses a model that cannot be differentiated, before any work
  const rowShape = x.shape.slice(1);
  const model = asModel(init.predictor, rowShape);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const data = floatRows(x);
  // Rows per backward pass (points x targets): maxRowsPerCall, and for a plan what keeps its buffers near 256 MiB.
  const maxRows = model.traceable ? Math.min(rowsPerCall(opts), rowsWithinMemory(model.traceable)) : rowsPerCall(opts);
  const sel = opts.outputs ?? 'all';
  const { preds, K, targets, T } = await predictTargets(model, data, rows, sel, { maxRowsPerCall: maxRows, signal: opts.signal }, method);
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const values = new Float32Array(rows * G * T);
  let ses: Float32Array | null = null;
  const grads = gradientSource(init.predictor, model.traceable, rowShape, K, method);
  let r = 0;
  // Each row's plan is made once, in row order (methods draw their random points there), even when it waits for the next block.
  let next: RowPlan | null = null;
  while (r < rows) {
    checkAbort(opts.signal);
    // A block of rows whose points x targets fit in one call.
    const plans: RowPlan[] = [];
    let total = 0;
    while (r + plans.length < rows) {
      const plan: RowPlan = next ?? init.plan(data.subarray((r + plans.length) * inputs, (r + plans.length + 1) * inputs), r + plans.length);
      next = null;
      if (plans.length > 0 && total + plan.count * T > maxRows) {
        next = plan;
        break;
      }
      plans.push(plan);
      total += plan.count * T;
    }
    forEachGradient(grads, plans, targets.slice(r, r + plans.length), T, K, inputs, maxRows, (i, t, g) => {
      const { attr, se } = plans[i].reduce(g, targets[r + i][t], t);
      const at = ((r + i) * G) * T + t;
      if (se) ses ??= new Float32Array(rows * G * T);
      for (let gi = 0; gi < G; gi++) {
        const members = groups.members[gi];
        let s = 0;
        let s2 = 0;
        for (let m = 0; m < members.length; m++) {
          s += attr[members[m]];
          if (se) s2 += se[members[m]] * se[members[m]];
        }
        values[at + gi * T] = s;
        if (se) ses![at + gi * T] = Math.sqrt(s2);
      }
    });
    r += plans.length;
    opts.onProgress?.({ method, done: r, total: rows });
    await yieldToEventLoop();
  }
  const base = init.baseValues ? await init.baseValues(targets, K) : new Float32Array(rows * T);
  const predOut = new Float32Array(rows * T);
  for (let i = 0; i < rows; i++) for (let t = 0; t < T; t++) predOut[i * T + t] = preds[i * K + targets[i][t]];
  const named = targetOutputNames(sel, targets, resolveOutputNames(opts, model, K));
  return new Explanation({
    method, settings: { ...init.settings, outputs: Array.isArray(sel) ? sel : sel }, kind: 'local', rows, features: G, outputs: T, values, stdErrors: ses,
    baseValues: base, predictions: predOut, data, inputShape: rowShape, featureNames: groups.names, inputNames, groups: groups.groups,
    ...named,
    diagnostics: { ...(init.diagnose ? init.diagnose({ values, base, preds: predOut, T, G }) : {}), engine: model.traceable ? 'plan' : 'eager' },
  });
}

/**
 * Gradients at n points for T cotangents each: x [n, inputs], dy [T * n, K] laid out [target][point];
 * returns gradients laid out [target][point] with `stride` rows per target (>= n), valid until the next call.
 * One forward pass over the points, one backward pass for every target.
 */
type GradientBatch = (x: Float32Array, dy: Float32Array, n: number, T: number) => { grads: Float32Array; stride: number };

/** Input gradients through the model's gradient plan, or eagerly through autograd for a plain function. */
function gradientSource(p: Predictor, traceable: Traceable | null, rowShape: number[], K: number, method: string): GradientBatch {
  const inputs = rowShape.reduce((a, b) => a * b, 1);
  if (traceable) {
    return (x, dy, n, T) => {
      const P = bucketRows(n, 1 << 30);
      const plan = inputGradientsPlan(traceable, P, T);
      const px = plan.inputs.x;
      px.set(x.subarray(0, n * inputs));
      if (P > n) px.fill(0, n * inputs);
      // The plan's cotangent rows are [T][P]: each target's n rows start its block of P.
      const pdy = plan.inputs.dy.fill(0);
      for (let t = 0; t < T; t++) pdy.set(dy.subarray(t * n * K, (t + 1) * n * K), t * P * K);
      plan.run();
      return { grads: plan.outputs.dx as Float32Array, stride: P };
    };
  }
  // A plain function runs eagerly: the points repeated once per target, one backward pass over them all.
  const vg = valueAndGrad(differentiable(p, method));
  return (x, dy, n, T) => {
    const xs = new Float32Array(T * n * inputs);
    for (let t = 0; t < T; t++) xs.set(x.subarray(0, n * inputs), t * n * inputs);
    const { value, grad } = vg(new Tensor(xs, [T * n, ...rowShape]), new Tensor(dy.subarray(0, T * n * K), [T * n, K]));
    if (value.gradScope === 0) {
      throw new Error(`${method}: the model's output does not depend differentiably on its input (was it built from glassbox ops?)`);
    }
    if (value.shape[0] !== T * n || value.size !== T * n * K) throw new Error(`${method}: the differentiable model returned shape [${value.shape}] for ${T * n} rows`);
    return { grads: grad.values as Float32Array, stride: n };
  };
}

/**
 * Calls use(plan, target, gradients [count, inputs]) for every row plan and target. Plans whose points fit
 * in one call together run in one call and read their gradients where the call left them; a plan too
 * large for one call runs in chunks of at most maxRows / T points, its gradients gathered first.
 */
function forEachGradient(
  grads: GradientBatch, plans: RowPlan[], targets: Int32Array[], T: number, K: number, inputs: number, maxRows: number,
  use: (plan: number, t: number, g: Float32Array) => void,
): void {
  const chunk = Math.max(1, Math.floor(maxRows / T));
  const n = plans.reduce((s, p) => s + p.count, 0);
  if (n <= chunk) {
    const xb = new Float32Array(n * inputs);
    const dy = new Float32Array(T * n * K);
    let start = 0;
    plans.forEach((plan, i) => {
      xb.set(plan.points.subarray(0, plan.count * inputs), start * inputs);
      for (let t = 0; t < T; t++) for (let p = 0; p < plan.count; p++) dy[(t * n + start + p) * K + targets[i][t]] = 1;
      start += plan.count;
    });
    const { grads: g, stride } = grads(xb, dy, n, T);
    start = 0;
    plans.forEach((plan, i) => {
      for (let t = 0; t < T; t++) use(i, t, g.subarray((t * stride + start) * inputs, (t * stride + start + plan.count) * inputs));
      start += plan.count;
    });
    return;
  }
  // One plan per call here (the caller puts a plan that fills a call in a block of its own), in chunks of points.
  plans.forEach((plan, i) => {
    const out = Array.from({ length: T }, () => new Float32Array(plan.count * inputs));
    for (let p0 = 0; p0 < plan.count; p0 += chunk) {
      const m = Math.min(chunk, plan.count - p0);
      const dy = new Float32Array(T * m * K);
      for (let t = 0; t < T; t++) for (let p = 0; p < m; p++) dy[(t * m + p) * K + targets[i][t]] = 1;
      const { grads: g, stride } = grads(plan.points.subarray(p0 * inputs, (p0 + m) * inputs), dy, m, T);
      for (let t = 0; t < T; t++) out[t].set(g.subarray(t * stride * inputs, (t * stride + m) * inputs), p0 * inputs);
    }
    for (let t = 0; t < T; t++) use(i, t, out[t]);
  });
}
