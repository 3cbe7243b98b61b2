// Background sets for interventional Shapley values: checking, sampling and weighted k-means summaries.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Rng } from '../util/random.js';
import type { BackgroundOptions, WeightedBackground } from './types.js';
import { checkRows, floatRows } from './predictor.js';

/** A background ready to use: rows flat [n, inputs] and weights summing to 1. */
export interface Background {
  rows: Float32Array;
  n: number;
  weights: Float64Array;
}

/** Draws k rows without replacement (equal weights). */
export function sampleBackground(x: Tensor, k: number, opts: { seed?: number } = {}): WeightedBackground {
  checkRows(x, 'background');
  const n = x.shape[0];
  const width = x.size / n;
  const take = Math.min(k, n);
  const perm = new Rng(opts.seed ?? 0).permutation(n);
  const src = floatRows(x);
  const out = new Float32Array(take * width);
  for (let i = 0; i < take; i++) out.set(src.subarray(perm[i] * width, (perm[i] + 1) * width), i * width);
  return { data: new Tensor(out, [take, ...x.shape.slice(1)]), weights: new Float32Array(take).fill(1 / take) };
}

/**
 * Weighted k-means (k-means++ seeding, Lloyd iterations): k centres, each weighted by the share of
 * rows it holds, so E over the summary approximates E over the data (as shap.kmeans).
 */
export function kmeansBackground(x: Tensor, k: number, opts: { seed?: number; iterations?: number; weights?: Float32Array } = {}): WeightedBackground {
  checkRows(x, 'background');
  const n = x.shape[0];
  const d = x.size / n;
  if (k >= n) return { data: x, weights: normalise(opts.weights ?? new Float32Array(n).fill(1)) };
  const rng = new Rng(opts.seed ?? 0);
  const data = floatRows(x);
  const w = opts.weights ?? new Float32Array(n).fill(1);
  const centres = new Float64Array(k * d);
  const dist = new Float64Array(n).fill(Infinity);
  const dist2 = (i: number, c: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - centres[c * d + j];
      s += t * t;
    }
    return s;
  };
  // k-means++: each next centre drawn with probability proportional to weight * squared distance.
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) centres[c * d + j] = data[pick * d + j];
    let total = 0;
    for (let i = 0; i < n; i++) {
      dist[i] = Math.min(dist[i], dist2(i, c));
      total += w[i] * dist[i];
    }
    let r = rng.next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= w[i] * dist[i];
      if (r <= 0) { pick = i; break; }
    }
  }
  const assign = new Int32Array(n);
  const mass = new Float64Array(k);
  for (let it = 0; it < (opts.iterations ?? 20); it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const t = dist2(i, c);
        if (t < bestD) { bestD = t; best = c; }
      }
      if (assign[i] !== best || it === 0) changed = changed || assign[i] !== best;
      assign[i] = best;
    }
    mass.fill(0);
    const sums = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      mass[c] += w[i];
      for (let j = 0; j < d; j++) sums[c * d + j] += w[i] * data[i * d + j];
    }
    for (let c = 0; c < k; c++) if (mass[c] > 0) for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j] / mass[c];
    if (!changed && it > 0) break;
  }
  return { data: new Tensor(Float32Array.from(centres), [k, ...x.shape.slice(1)]), weights: normalise(Float32Array.from(mass)) };
}

function normalise(w: Float32Array): Float32Array {
  let s = 0;
  for (const v of w) s += v;
  return w.map((v) => v / s);
}

/** Checks and, if large, summarises the background; `rowShape` must match the explained rows. */
export function prepareBackground(opts: BackgroundOptions, rowShape: number[], seed: number, method: string): Background {
  const given = opts.background;
  if (given === undefined) {
    throw new Error(`${method}: needs a background set: pass { background: rows } (e.g. 100 training rows) to stand in for absent features`);
  }
  let wb: WeightedBackground = given instanceof Tensor ? { data: given, weights: new Float32Array(given.shape[0]).fill(1 / given.shape[0]) } : given;
  checkRows(wb.data, 'background');
  const shape = wb.data.shape.slice(1);
  if (shape.length !== rowShape.length || shape.some((s, i) => s !== rowShape[i])) {
    throw new Error(`${method}: background rows have shape ${formatShape(shape)} but the explained rows have ${formatShape(rowShape)}`);
  }
  if (wb.weights.length !== wb.data.shape[0]) throw new Error(`${method}: ${wb.weights.length} background weights for ${wb.data.shape[0]} rows`);
  const max = opts.maxBackground ?? 100;
  const how = opts.summarize ?? 'sample';
  if (!['kmeans', 'sample', 'none'].includes(how)) throw new Error(`${method}: summarize must be 'kmeans', 'sample' or 'none', got '${how}'`);
  if (wb.data.shape[0] > max && how !== 'none' && given instanceof Tensor) {
    wb = how === 'kmeans' ? kmeansBackground(given, max, { seed }) : sampleBackground(given, max, { seed });
  }
  const weights = Float64Array.from(wb.weights);
  let s = 0;
  for (const v of weights) {
    if (!(v >= 0)) throw new Error(`${method}: background weights must be non-negative`);
    s += v;
  }
  for (let i = 0; i < weights.length; i++) weights[i] /= s;
  return { rows: floatRows(wb.data), n: wb.data.shape[0], weights };
}
