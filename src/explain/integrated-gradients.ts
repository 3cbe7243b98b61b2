// Integrated gradients (Sundararajan et al. 2017): (x - x') * integral of grad f along the straight path,
// by Gauss-Legendre (default) or a Riemann rule; the completeness gap sum(attr) - (f(x) - f(x')) is reported.
// When the input first meets a linear map followed by relu / leaky relu (plan/linear-first.ts), the path's
// kinks in that layer are known exactly, and Gauss-Legendre runs piecewise between them.

import type { Tensor } from '../tensor/tensor.js';
import type { Explanation } from './explanation.js';
import { GRADIENT_KEYS, type GradientOptions, runGradientMethod } from './gradient-engine.js';
import { asModel, checkOptionKeys, floatRows } from './predictor.js';
import { firstLinear, type FirstLinear } from '../plan/linear-first.js';
import type { Predictor } from './types.js';
import { gaussLegendreNodes } from '../util/quadrature.js';

export type IntegrationRule = 'gauss-legendre' | 'riemann-trapezoid' | 'riemann-left' | 'riemann-right' | 'riemann-middle';

export interface IntegratedGradientsOptions extends GradientOptions {
  /** Baseline x' as one row [1, ...] or [inputs] (default zeros). */
  baseline?: Tensor;
  /** Points on the path (default 64). */
  steps?: number;
  /** Quadrature rule (default 'gauss-legendre'). */
  method?: IntegrationRule;
}

export async function integratedGradients(model: Predictor, x: Tensor, opts: IntegratedGradientsOptions = {}): Promise<Explanation> {
  checkOptionKeys('integratedGradients', opts, [...GRADIENT_KEYS, 'baseline', 'steps', 'method']);
  const steps = opts.steps ?? 64;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`integratedGradients: steps must be a positive integer, got ${steps}`);
  const rule = opts.method ?? 'gauss-legendre';
  const [alphas, weights] = quadrature(rule, steps);
  const inputs = x.size / Math.max(1, x.shape[0]);
  const base = opts.baseline ? floatRows(opts.baseline) : new Float32Array(inputs);
  if (base.length !== inputs) throw new Error(`integratedGradients: the baseline has ${base.length} values but rows have ${inputs}; pass one row`);
  const traceable = asModel(model, x.shape.slice(1)).traceable;
  const first = rule === 'gauss-legendre' && traceable ? firstLinear(traceable) : null;
  // Dense first layers only: a convolution's units (thousands of positions x channels) would cut the path into more pieces than steps.
  const dense = first && (first.op === 'linear' || first.op === 'matMul') && first.inputs === inputs;
  const kinked = dense && (first.activation === 'relu' || first.activation === 'leakyRelu') ? first : null;
  return runGradientMethod({
    method: 'integrated-gradients', settings: { steps, method: rule, baseline: opts.baseline ? 'given' : 'zeros' }, predictor: model, x, opts,
    plan: (row) => {
      const [a, w] = kinked ? piecewiseNodes(kinked, row, base, steps) : [alphas, weights];
      const count = a.length;
      const diff = new Float32Array(inputs);
      for (let i = 0; i < inputs; i++) diff[i] = row[i] - base[i];
      const points = new Float32Array(count * inputs);
      for (let k = 0; k < count; k++) {
        const ak = a[k];
        const o = k * inputs;
        for (let i = 0; i < inputs; i++) points[o + i] = base[i] + ak * diff[i];
      }
      return {
        points, count,
        // attr = (x - x') * sum_k w_k grad f(x_k), summed point by point (rows of g are contiguous).
        reduce: (g) => {
          const acc = new Float64Array(inputs);
          for (let k = 0; k < count; k++) {
            const wk = w[k];
            const o = k * inputs;
            for (let i = 0; i < inputs; i++) acc[i] += wk * g[o + i];
          }
          const attr = new Float32Array(inputs);
          for (let i = 0; i < inputs; i++) attr[i] = diff[i] * acc[i];
          return { attr };
        },
      };
    },
    baseValues: async (targets, K) => {
      const m = asModel(model, x.shape.slice(1));
      const fb = (await m.call(Float32Array.from(base), 1)).values;
      const out = new Float32Array(targets.length * targets[0].length);
      targets.forEach((ts, r) => ts.forEach((k, t) => (out[r * ts.length + t] = fb[k] ?? NaN)));
      void K;
      return out;
    },
    diagnose: ({ values, base: b, preds, T, G }) => ({ ...completeness(values, b, preds, T, G), piecewise: kinked !== null }),
  });
}

/** Completeness gap |sum(attr) - (f(x) - f(x'))|: max absolute, and max relative to |f(x) - f(x')|. */
export function completeness(values: Float32Array, base: Float32Array, preds: Float32Array, T: number, G: number): { completenessGap: number; relativeCompletenessGap: number } {
  let abs = 0;
  let rel = 0;
  const rows = preds.length / T;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let g = 0; g < G; g++) s += values[(r * G + g) * T + t];
      const delta = preds[r * T + t] - base[r * T + t];
      const gap = Math.abs(s - delta);
      abs = Math.max(abs, gap);
      rel = Math.max(rel, gap / Math.max(Math.abs(delta), 1e-6));
    }
  }
  return { completenessGap: abs, relativeCompletenessGap: rel };
}

/** Nodes in [0, 1] and weights summing to 1 for the rule. */
export function quadrature(rule: IntegrationRule, n: number): [Float64Array, Float64Array] {
  const a = new Float64Array(n);
  const w = new Float64Array(n).fill(1 / n);
  switch (rule) {
    case 'gauss-legendre':
      return gaussLegendreNodes(n);
    case 'riemann-left':
      for (let k = 0; k < n; k++) a[k] = k / n;
      return [a, w];
    case 'riemann-right':
      for (let k = 0; k < n; k++) a[k] = (k + 1) / n;
      return [a, w];
    case 'riemann-middle':
      for (let k = 0; k < n; k++) a[k] = (k + 0.5) / n;
      return [a, w];
    case 'riemann-trapezoid':
      if (n === 1) return [Float64Array.of(0.5), Float64Array.of(1)];
      for (let k = 0; k < n; k++) {
        a[k] = k / (n - 1);
        w[k] = (k === 0 || k === n - 1 ? 0.5 : 1) / (n - 1);
      }
      return [a, w];
    default:
      throw new Error(`integratedGradients: unknown method '${String(rule)}'; use gauss-legendre or riemann-{trapezoid,left,right,middle}`);
  }
}


/**
 * Gauss-Legendre nodes on each piece of [0, 1] between the points where the first layer's units switch:
 * there z(t) = z(base) + t (z(x) - z(base)) crosses 0. Steps are spread by piece length, at least one
 * per piece, so the kinks cost no accuracy.
 */
function piecewiseNodes(first: FirstLinear, x: Float32Array, base: Float32Array, steps: number): [Float64Array, Float64Array] {
  const { kernel: w, units, inputs } = first;
  const zb = new Float64Array(units);
  const u = new Float64Array(units);
  if (first.bias) for (let j = 0; j < units; j++) zb[j] = first.bias[j];
  for (let i = 0; i < inputs; i++) {
    const bi = base[i];
    const di = x[i] - bi;
    if (bi === 0 && di === 0) continue;
    for (let j = 0; j < units; j++) {
      zb[j] += bi * w[i * units + j];
      u[j] += di * w[i * units + j];
    }
  }
  const cuts = [0, 1];
  for (let j = 0; j < units; j++) {
    if (u[j] === 0) continue;
    const t = -zb[j] / u[j];
    if (t > 1e-9 && t < 1 - 1e-9) cuts.push(t);
  }
  cuts.sort((p, q) => p - q);
  const a: number[] = [];
  const wt: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i];
    const len = cuts[i + 1] - lo;
    if (len <= 1e-12) continue;
    const n = Math.max(1, Math.ceil(steps * len));
    const [gx, gw] = gaussLegendreNodes(n);
    for (let k = 0; k < n; k++) {
      a.push(lo + len * gx[k]);
      wt.push(len * gw[k]);
    }
  }
  return [Float64Array.from(a), Float64Array.from(wt)];
}
