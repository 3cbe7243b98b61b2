// GradientSHAP / expected gradients (Erion et al., as captum and shap): E over background rows b and
// alpha ~ U(0,1) of grad f(b + alpha (x - b)) * (x - b); approximates SHAP values, reports standard errors.

import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { prepareBackground } from './background.js';
import { callChunked } from './coalitions.js';
import type { Explanation } from './explanation.js';
import { GRADIENT_KEYS, type GradientOptions, runGradientMethod } from './gradient-engine.js';
import { meanWithSe } from './gradients.js';
import { completeness } from './integrated-gradients.js';
import { asModel, checkOptionKeys, rowsPerCall } from './predictor.js';
import type { BackgroundOptions, Predictor } from './types.js';

export interface GradientShapOptions extends GradientOptions, BackgroundOptions {
  /** Samples (background row, alpha) per explained row (default 200). */
  nSamples?: number;
  /** Std of Gaussian noise added to each sample point (default 0). */
  stdevs?: number;
}

export async function gradientShap(model: Predictor, x: Tensor, opts: GradientShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('gradientShap', opts, [...GRADIENT_KEYS, 'background', 'summarize', 'maxBackground', 'nSamples', 'stdevs']);
  const seed = opts.seed ?? 0;
  const bg = prepareBackground(opts, x.shape.slice(1), seed, 'gradientShap');
  const n = opts.nSamples ?? 200;
  const stdevs = opts.stdevs ?? 0;
  const rng = new Rng(seed);
  const inputs = x.size / x.shape[0];
  // Cumulative background weights for weighted draws.
  const cum = new Float64Array(bg.n);
  bg.weights.forEach((w, i) => (cum[i] = (i ? cum[i - 1] : 0) + w));
  const draw = () => {
    const u = rng.next();
    let i = 0;
    while (i < bg.n - 1 && cum[i] <= u) i++;
    return i;
  };
  return runGradientMethod({
    method: 'gradient-shap', settings: { nSamples: n, stdevs, seed, backgroundRows: bg.n }, predictor: model, x, opts,
    plan: (row) => {
      const points = new Float32Array(n * inputs);
      const diff = new Float32Array(n * inputs);
      for (let p = 0; p < n; p++) {
        const b = draw();
        const a = rng.next();
        for (let i = 0; i < inputs; i++) {
          const bi = bg.rows[b * inputs + i];
          diff[p * inputs + i] = row[i] - bi;
          points[p * inputs + i] = bi + a * (row[i] - bi) + (stdevs > 0 ? stdevs * rng.normal() : 0);
        }
      }
      return {
        points, count: n,
        reduce: (g) => meanWithSe(g, n, inputs, (i, p) => diff[p * inputs + i]),
      };
    },
    baseValues: async (targets, K) => {
      const m = asModel(model, x.shape.slice(1));
      const fb = await callChunked(m, bg.rows, bg.n, inputs, { maxRowsPerCall: rowsPerCall(opts), signal: opts.signal });
      const mean = new Float64Array(K);
      for (let b = 0; b < bg.n; b++) for (let k = 0; k < K; k++) mean[k] += bg.weights[b] * fb[b * K + k];
      const T = targets[0].length;
      const out = new Float32Array(targets.length * T);
      targets.forEach((ts, r) => ts.forEach((k, t) => (out[r * T + t] = mean[k])));
      return out;
    },
    diagnose: ({ values, base, preds, T, G }) => {
      const c = completeness(values, base, preds, T, G);
      return { additivityGap: c.completenessGap, relativeAdditivityGap: c.relativeCompletenessGap };
    },
  });
}
