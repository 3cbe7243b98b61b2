// LIME for tabular data (Ribeiro et al. 2016, as the lime package): quartile discretisation, perturbations
// drawn from training statistics, exponential kernel of width 0.75*sqrt(M), weighted ridge on top-k features.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Rng } from '../util/random.js';
import { callChunked } from './coalitions.js';
import type { Explanation } from './explanation.js';
import { resolveGroups } from './groups.js';
import { fitLime, limeExplanation, limeKernel, type LimeRowFit } from './lime-core.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { CommonOptions, Predictor } from './types.js';

export interface LimeOptions extends CommonOptions {
  /** Training rows: their statistics drive the perturbations. Required. */
  background?: Tensor;
  /** Perturbed samples per row (default 5000); with `tolerance`, the most. */
  nSamples?: number;
  /** Kernel width (default 0.75 * sqrt(number of features)). */
  kernelWidth?: number;
  /** Features kept in the surrogate (default 10). */
  topK?: number;
  /** 'quartile' (default): binary "same quartile as x" features; 'none': standardised values. */
  discretize?: 'quartile' | 'none';
  /** Ridge penalty of the surrogate (default 1). */
  alpha?: number;
  /** Stop adding samples (in rounds of 1000) once every coefficient's standard error is below this. */
  tolerance?: number;
}

interface ColumnStats {
  mean: number;
  std: number;
  /** Quartile boundaries (deduplicated) and per-bin frequency, mean, std, range. */
  cuts: number[];
  freq: number[];
  binMean: number[];
  binStd: number[];
  binLo: number[];
  binHi: number[];
}

export async function lime(predictor: Predictor, x: Tensor, opts: LimeOptions = {}): Promise<Explanation> {
  checkOptionKeys('lime', opts, ['background', 'nSamples', 'kernelWidth', 'topK', 'discretize', 'alpha', 'tolerance']);
  checkRows(x);
  const train = opts.background;
  if (!train) throw new Error('lime: needs training rows for its perturbations: pass { background: rows }');
  checkRows(train, 'background');
  const rowShape = x.shape.slice(1);
  const inputs = x.size / x.shape[0];
  if (train.size / train.shape[0] !== inputs) throw new Error(`lime: background rows have shape ${formatShape(train.shape.slice(1))} but x rows have ${formatShape(rowShape)}`);
  const discretize = opts.discretize ?? 'quartile';
  if (discretize !== 'quartile' && discretize !== 'none') throw new Error(`lime: discretize must be 'quartile' or 'none', got '${discretize}'`);
  const model = asModel(predictor, rowShape);
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const P = groups.members.length;
  const nSamples = opts.nSamples ?? 5000;
  const width = opts.kernelWidth ?? 0.75 * Math.sqrt(P);
  const topK = Math.min(opts.topK ?? 10, P);
  const alpha = opts.alpha ?? 1;
  const seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const tr = floatRows(train);
  const nTrain = train.shape[0];
  const stats = Array.from({ length: inputs }, (_, c) => columnStats(tr, nTrain, inputs, c));
  const data = floatRows(x);
  const rows = x.shape[0];
  const maxRows = rowsPerCall(opts);
  const fits: LimeRowFit[] = [];
  const samples: number[] = [];
  let outputs = 0;
  let predictions = new Float32Array(0);
  for (let r = 0; r < rows; r++) {
    checkAbort(opts.signal);
    const xr = data.subarray(r * inputs, (r + 1) * inputs);
    const Z: number[] = [];
    const W: number[] = [];
    let Y = new Float64Array(0);
    let fit: LimeRowFit | null = null;
    while (W.length < nSamples) {
      const count = opts.tolerance !== undefined ? Math.min(1000, nSamples - W.length) : nSamples;
      const rowsBuf = new Float32Array(count * inputs);
      for (let s = 0; s < count; s++) {
        const first = W.length === 0 && s === 0;
        const z = perturb(xr, rowsBuf.subarray(s * inputs, (s + 1) * inputs), groups.members, stats, tr, nTrain, inputs, discretize, rng, first);
        let d2 = 0;
        for (const v of z) d2 += discretize === 'none' ? 0 : (1 - v) ** 2;
        if (discretize === 'none') for (let p = 0; p < P; p++) d2 += (z[p] - zOf(xr, groups.members[p], stats)) ** 2;
        Z.push(...z);
        W.push(limeKernel(Math.sqrt(d2), width));
      }
      const y = await callChunked(model, rowsBuf, count, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
      outputs = y.length / count;
      const next = new Float64Array(Y.length + y.length);
      next.set(Y);
      next.set(y, Y.length);
      Y = next;
      fit = fitLime(Float64Array.from(Z), W.length, P, Y, outputs, Float64Array.from(W), topK, alpha);
      if (opts.tolerance === undefined || Math.max(...fit.se) < opts.tolerance) break;
    }
    if (r === 0) predictions = new Float32Array(rows * outputs);
    for (let o = 0; o < outputs; o++) predictions[r * outputs + o] = Y[o];
    fits.push(fit!);
    samples.push(W.length);
    opts.onProgress?.({ method: 'lime', done: r + 1, total: rows });
    await yieldToEventLoop();
  }
  return limeExplanation({
    method: 'lime', settings: { nSamples, kernelWidth: width, topK, discretize, alpha, seed, tolerance: opts.tolerance ?? null },
    rows, units: P, outputs, fits, predictions, data, inputShape: rowShape, featureNames: groups.names, inputNames,
    groups: groups.groups, outputNames: resolveOutputNames(opts, model, outputs), samples,
  });
}

/** Interpretable value of the instance for unit p when not discretised: its standardised value. */
function zOf(xr: Float32Array, members: Int32Array, stats: ColumnStats[]): number {
  if (members.length !== 1) return 1;
  const c = members[0];
  return (xr[c] - stats[c].mean) / stats[c].std;
}

/** Writes one perturbed row into `out`; returns its interpretable representation (one value per unit). */
function perturb(xr: Float32Array, out: Float32Array, members: Int32Array[], stats: ColumnStats[], tr: Float32Array, nTrain: number, inputs: number,
  discretize: 'quartile' | 'none', rng: Rng, first: boolean): number[] {
  out.set(xr);
  const z: number[] = [];
  for (const m of members) {
    if (first) {
      z.push(m.length === 1 && discretize === 'none' ? zOf(xr, m, stats) : 1);
      continue;
    }
    if (m.length > 1) {
      // A group is kept whole or replaced whole by a random training row's values.
      const keep = rng.next() < 0.5;
      if (!keep) {
        const t = rng.int(nTrain);
        for (const c of m) out[c] = tr[t * inputs + c];
      }
      z.push(keep ? 1 : 0);
      continue;
    }
    const c = m[0];
    const st = stats[c];
    if (discretize === 'none') {
      out[c] = st.mean + st.std * rng.normal();
      z.push((out[c] - st.mean) / st.std);
      continue;
    }
    const bin = rng.weightedIndex(st.freq);
    out[c] = sampleInBin(st, bin, rng);
    z.push(bin === binOf(st.cuts, xr[c]) ? 1 : 0);
  }
  return z;
}

function columnStats(tr: Float32Array, n: number, inputs: number, c: number): ColumnStats {
  const v = Float64Array.from({ length: n }, (_, r) => tr[r * inputs + c]).sort();
  const q = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    return v[lo] + (v[Math.min(n - 1, lo + 1)] - v[lo]) * (pos - lo);
  };
  const cuts = [...new Set([q(0.25), q(0.5), q(0.75)])].sort((a, b) => a - b);
  const bins = cuts.length + 1;
  const freq = new Array(bins).fill(0);
  const sum = new Array(bins).fill(0);
  const sq = new Array(bins).fill(0);
  const lo = new Array(bins).fill(Infinity);
  const hi = new Array(bins).fill(-Infinity);
  let mean = 0;
  for (const x of v) {
    const b = binOf(cuts, x);
    freq[b]++;
    sum[b] += x;
    sq[b] += x * x;
    lo[b] = Math.min(lo[b], x);
    hi[b] = Math.max(hi[b], x);
    mean += x / n;
  }
  let varAll = 0;
  for (const x of v) varAll += (x - mean) ** 2 / n;
  const binMean = sum.map((s, b) => (freq[b] ? s / freq[b] : 0));
  const binStd = sq.map((s, b) => (freq[b] ? Math.sqrt(Math.max(0, s / freq[b] - binMean[b] ** 2)) : 0));
  return { mean, std: Math.sqrt(varAll) || 1, cuts, freq: freq.map((f) => f / n), binMean, binStd, binLo: lo, binHi: hi };
}

/** Bin index as numpy.searchsorted(cuts, x, side='left'): bins are (-inf, c0], (c0, c1], ... */
function binOf(cuts: number[], x: number): number {
  let b = 0;
  while (b < cuts.length && x > cuts[b]) b++;
  return b;
}

/** A value in the bin: normal with the bin's training mean and std, truncated to its range (as lime). */
function sampleInBin(st: ColumnStats, b: number, rng: Rng): number {
  if (st.binStd[b] === 0 || !Number.isFinite(st.binLo[b])) return st.binMean[b];
  for (let t = 0; t < 20; t++) {
    const v = st.binMean[b] + st.binStd[b] * rng.normal();
    if (v >= st.binLo[b] && v <= st.binHi[b]) return v;
  }
  return Math.min(st.binHi[b], Math.max(st.binLo[b], st.binMean[b]));
}
