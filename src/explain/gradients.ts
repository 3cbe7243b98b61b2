// Local gradient attributions: saliency |df/dx|, gradient x input, and SmoothGrad (mean gradient under noise).

import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import type { Explanation } from './explanation.js';
import { GRADIENT_KEYS, type GradientOptions, runGradientMethod } from './gradient-engine.js';
import { checkOptionKeys } from './predictor.js';
import type { Predictor } from './types.js';

export interface SaliencyOptions extends GradientOptions {
  /** Absolute value of the gradient (default true, as captum's Saliency). */
  abs?: boolean;
}

export async function saliency(model: Predictor, x: Tensor, opts: SaliencyOptions = {}): Promise<Explanation> {
  checkOptionKeys('saliency', opts, [...GRADIENT_KEYS, 'abs']);
  const abs = opts.abs ?? true;
  return runGradientMethod({
    method: 'saliency', settings: { abs }, predictor: model, x, opts,
    plan: (row) => ({ points: row, count: 1, reduce: (g) => ({ attr: abs ? g.map(Math.abs) : g }) }),
  });
}

export async function gradientTimesInput(model: Predictor, x: Tensor, opts: GradientOptions = {}): Promise<Explanation> {
  checkOptionKeys('gradientTimesInput', opts, [...GRADIENT_KEYS]);
  return runGradientMethod({
    method: 'gradient-times-input', settings: {}, predictor: model, x, opts,
    plan: (row) => ({ points: row, count: 1, reduce: (g) => ({ attr: g.map((v, i) => v * row[i]) }) }),
  });
}

export interface SmoothGradOptions extends GradientOptions {
  /** Noisy copies per row (default 50). */
  nSamples?: number;
  /** Noise std as a fraction of the row's value range (default 0.15, as the paper). */
  noiseLevel?: number;
  /** Multiply the mean gradient by the input (default false). */
  timesInput?: boolean;
}

export async function smoothGrad(model: Predictor, x: Tensor, opts: SmoothGradOptions = {}): Promise<Explanation> {
  checkOptionKeys('smoothGrad', opts, [...GRADIENT_KEYS, 'nSamples', 'noiseLevel', 'timesInput']);
  const n = opts.nSamples ?? 50;
  const level = opts.noiseLevel ?? 0.15;
  const rng = new Rng(opts.seed ?? 0);
  return runGradientMethod({
    method: 'smooth-grad', settings: { nSamples: n, noiseLevel: level, timesInput: opts.timesInput ?? false, seed: opts.seed ?? 0 }, predictor: model, x, opts,
    plan: (row) => {
      const d = row.length;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of row) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const sigma = level * (hi - lo || 1);
      const points = new Float32Array(n * d);
      for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) points[p * d + i] = row[i] + sigma * rng.normal();
      return { points, count: n, reduce: (g) => meanWithSe(g, n, d, (i) => (opts.timesInput ? row[i] : 1)) };
    },
  });
}

/** Mean over P samples of g[p, i] * scale(i), with its standard error. */
export function meanWithSe(g: Float32Array, P: number, d: number, scale: (i: number, p: number) => number): { attr: Float32Array; se: Float32Array } {
  const attr = new Float32Array(d);
  const se = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    let s2 = 0;
    for (let p = 0; p < P; p++) {
      const v = g[p * d + i] * scale(i, p);
      s += v;
      s2 += v * v;
    }
    const m = s / P;
    attr[i] = m;
    se[i] = P > 1 ? Math.sqrt(Math.max(0, (s2 - P * m * m) / (P - 1)) / P) : 0;
  }
  return { attr, se };
}
