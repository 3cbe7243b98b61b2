// The part of LIME shared by tabular and image data: kernel weights, top-k selection and the weighted ridge fit.

import { Explanation, type JsonValue } from './explanation.js';
import { weightedRidge } from './linalg.js';
import type { FeatureGroup } from './types.js';

/** LIME's exponential kernel on a distance: sqrt(exp(-d^2 / width^2)). */
export function limeKernel(d: number, width: number): number {
  return Math.sqrt(Math.exp(-(d * d) / (width * width)));
}

export interface LimeRowFit {
  coef: Float64Array; // [P, K]
  se: Float64Array; // [P, K]
  intercept: Float64Array; // [K]
  r2: Float64Array; // [K]
}

/**
 * For each output: a weighted ridge (alpha 0.01) on all features picks the `topK` largest |coef|
 * ("highest_weights" in lime), then Ridge(alpha) on those gives the explanation and its R^2.
 */
export function fitLime(Z: Float64Array, S: number, P: number, Y: Float64Array, K: number, w: Float64Array, topK: number, alpha: number): LimeRowFit {
  const coef = new Float64Array(P * K);
  const se = new Float64Array(P * K);
  const intercept = new Float64Array(K);
  const r2 = new Float64Array(K);
  // The selection fit on all features shares X'WX across outputs: one solve with K right-hand sides.
  const all = topK < P ? weightedRidge(Z, S, P, Y, K, w, 0.01, undefined, false) : null;
  for (let o = 0; o < K; o++) {
    const y = new Float64Array(S);
    for (let s = 0; s < S; s++) y[s] = Y[s * K + o];
    let cols: number[] | undefined;
    if (all) {
      const c = (i: number) => Math.abs(all.coef[i * K + o]);
      cols = Array.from({ length: P }, (_, i) => i).sort((a, b) => c(b) - c(a) || a - b).slice(0, topK);
    }
    const fit = weightedRidge(Z, S, P, y, 1, w, alpha, cols);
    for (let p = 0; p < P; p++) {
      coef[p * K + o] = fit.coef[p];
      se[p * K + o] = fit.se[p];
    }
    intercept[o] = fit.intercept[0];
    r2[o] = fit.r2[0];
  }
  return { coef, se, intercept, r2 };
}

export interface LimeResultInit {
  method: string;
  settings: Record<string, JsonValue>;
  rows: number;
  units: number;
  outputs: number;
  fits: LimeRowFit[];
  predictions: Float32Array;
  data: Float32Array;
  inputShape: number[];
  featureNames: string[];
  inputNames: string[];
  groups: FeatureGroup[] | null;
  outputNames: string[];
  samples: number[];
}

/** Packs per-row LIME fits into an Explanation (values = surrogate coefficients, base = intercepts). */
export function limeExplanation(r: LimeResultInit): Explanation {
  const { rows, units, outputs } = r;
  const values = new Float32Array(rows * units * outputs);
  const ses = new Float32Array(rows * units * outputs);
  const base = new Float32Array(rows * outputs);
  r.fits.forEach((f, i) => {
    values.set(f.coef, i * units * outputs);
    ses.set(f.se, i * units * outputs);
    base.set(f.intercept, i * outputs);
  });
  // The surrogate's prediction at the instance (all units present) vs the model's.
  const localPrediction = r.fits.map((f) => Array.from({ length: outputs }, (_, o) => {
    let s = f.intercept[o];
    for (let p = 0; p < units; p++) s += f.coef[p * outputs + o];
    return s;
  }));
  return new Explanation({
    method: r.method, settings: r.settings, kind: 'local', rows, features: units, outputs, values, stdErrors: ses, baseValues: base,
    predictions: r.predictions, data: r.data, inputShape: r.inputShape, featureNames: r.featureNames, inputNames: r.inputNames,
    groups: r.groups, outputNames: r.outputNames, targets: null,
    diagnostics: { r2: r.fits.map((f) => Array.from(f.r2)), localPrediction, samples: r.samples },
  });
}
