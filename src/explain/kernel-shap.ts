// KernelSHAP (Lundberg & Lee 2017) as the shap package does it: Shapley-kernel weights, small coalition
// sizes enumerated first, paired sampling for the rest, efficiency imposed exactly; jackknife standard
// errors over sampled pairs, and optional early stopping when they fall under a tolerance.

import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/random.js';
import type { CoalitionEvaluator } from './coalitions.js';
import { binomial } from './exact-shapley.js';
import type { Explanation } from './explanation.js';
import { solve } from './linalg.js';
import { checkOptionKeys } from './predictor.js';
import { type RowResult, SHAPLEY_KEYS, type ShapleyOptions, explainShapley } from './shapley-common.js';
import type { Predictor } from './types.js';

export interface KernelShapOptions extends ShapleyOptions {
  /** Coalitions evaluated per row (default 2*M + 2048, at most 2^M - 2). */
  nSamples?: number;
  /** Stop sampling once every standard error is below this (default: use all nSamples). */
  tolerance?: number;
  /** Keep only this many features per output, chosen by a lasso path (default: all). */
  l1Features?: number;
  /** Jackknife folds for standard errors (default 10). */
  folds?: number;
}

/** Explains rows of x with KernelSHAP; values [rows, M, outputs] sum to f(x) - E f(background). */
export async function kernelShap(model: Predictor, x: Tensor, opts: KernelShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('kernelShap', opts, [...SHAPLEY_KEYS, 'nSamples', 'tolerance', 'l1Features', 'folds']);
  if (opts.nSamples !== undefined && (!Number.isInteger(opts.nSamples) || opts.nSamples < 1)) throw new Error(`kernelShap: nSamples must be a positive integer, got ${opts.nSamples}`);
  const settings = { nSamples: opts.nSamples ?? 'auto', tolerance: opts.tolerance ?? null, l1Features: opts.l1Features ?? null };
  return explainShapley('kernel-shap', model, x, opts, settings, (ev, groups, rng) => kernelShapRow(ev, groups.members.length, rng, opts));
}

async function kernelShapRow(ev: CoalitionEvaluator, M: number, rng: Rng, opts: KernelShapOptions): Promise<RowResult> {
  const K = ev.outputs;
  const delta = new Float64Array(K);
  for (let o = 0; o < K; o++) delta[o] = ev.fx[o] - ev.fnull[o];
  if (M === 1) return { phi: delta, se: null, diagnostics: { coalitions: 0 } };
  const maxSamples = M >= 30 ? Infinity : 2 ** M - 2;
  const nSamples = Math.min(opts.nSamples ?? 2 * M + 2048, maxSamples);
  const P = M - 1;
  const reg = new Regression(P, K, M, delta, opts.folds ?? 10);

  // Shapley kernel mass per coalition size s and its complement M - s, sizes 1..ceil((M-1)/2).
  const numSizes = Math.ceil((M - 1) / 2);
  const numPaired = Math.floor((M - 1) / 2);
  const weightVector = new Float64Array(numSizes);
  for (let s = 1; s <= numSizes; s++) weightVector[s - 1] = ((M - 1) / (s * (M - s))) * (s <= numPaired ? 2 : 1);
  normalise(weightVector);
  const remaining = Float64Array.from(weightVector);
  let samplesLeft = nSamples;
  let fullSizes = 0;
  const fixedMasks: Uint8Array[] = [];
  const fixedWeights: number[] = [];
  for (let s = 1; s <= numSizes; s++) {
    const paired = s <= numPaired;
    const count = binomial(M, s) * (paired ? 2 : 1);
    if (samplesLeft * remaining[s - 1] / count < 1 - 1e-8) break;
    fullSizes++;
    samplesLeft -= count;
    if (remaining[s - 1] < 1) {
      const scale = 1 - remaining[s - 1];
      for (let i = 0; i < remaining.length; i++) remaining[i] /= scale;
    }
    const w = weightVector[s - 1] / binomial(M, s) / (paired ? 2 : 1);
    forEachSubset(M, s, (m) => {
      fixedMasks.push(m);
      fixedWeights.push(w);
      if (paired) {
        fixedMasks.push(m.map((b) => 1 - b));
        fixedWeights.push(w);
      }
    });
  }
  if (fixedMasks.length > 0) {
    const v = await ev.evaluate(concatMasks(fixedMasks, M), fixedMasks.length);
    fixedMasks.forEach((m, i) => reg.addFixed(m, v.subarray(i * K, (i + 1) * K), fixedWeights[i], ev.fnull));
  }
  let sampled = 0;
  if (fullSizes < numSizes && samplesLeft > 0) {
    // Sizes left to sample; paired sizes' mass halved because each draw adds two coalitions (as shap).
    const rest = Float64Array.from(weightVector.subarray(fullSizes));
    for (let s = fullSizes + 1; s <= numPaired; s++) rest[s - 1 - fullSizes] /= 2;
    normalise(rest);
    let weightLeft = 0;
    for (let i = fullSizes; i < numSizes; i++) weightLeft += weightVector[i];
    reg.weightLeft = weightLeft;
    const seen = new Map<string, number>();
    const cache: Float64Array[] = [];
    const rounds = opts.tolerance !== undefined ? 8 : 1;
    const perRound = Math.ceil(samplesLeft / rounds);
    let draws = 0;
    while (sampled < samplesLeft && draws < 20 * nSamples) {
      const target = Math.min(samplesLeft, sampled + perRound);
      const pairs: Uint8Array[][] = [];
      const fresh: Uint8Array[] = [];
      while (sampled < target && draws < 20 * nSamples) {
        const s = fullSizes + 1 + rng.weightedIndex(rest);
        const m = randomSubset(M, s, rng);
        const pair = s <= numPaired ? [m, m.map((b) => 1 - b)] : [m];
        for (const q of pair) {
          const key = q.join('');
          if (!seen.has(key)) {
            seen.set(key, -1);
            fresh.push(q);
            sampled++;
          }
        }
        pairs.push(pair);
        draws++;
      }
      const v = await ev.evaluate(concatMasks(fresh, M), fresh.length);
      fresh.forEach((q, i) => {
        seen.set(q.join(''), cache.length);
        cache.push(v.slice(i * K, (i + 1) * K));
      });
      for (const pair of pairs) reg.addDraw(pair, pair.map((q) => cache[seen.get(q.join(''))!]), ev.fnull);
      if (opts.tolerance !== undefined && sampled < samplesLeft) {
        const se = reg.jackknife();
        if (se && Math.max(...se) < opts.tolerance) break;
      }
    }
  }
  const phi = reg.solve(opts.l1Features);
  const se = reg.weightLeft > 0 ? reg.jackknife(opts.l1Features) : null;
  return { phi, se, diagnostics: { coalitions: fixedMasks.length + sampled, enumeratedSizes: fullSizes } };
}

/**
 * Weighted least squares under sum(phi) = delta. Keeps the plain Gram matrix A = sum w z z' and
 * b = sum w z (v - fnull) over all M features; a solve over a kept set S eliminates S's last member q:
 * A'_ij = A_ij - A_iq - A_qj + A_qq, b'_i = b_i - b_q - delta (A_iq - A_qq). Sampled draws are kept
 * per fold for the jackknife.
 */
class Regression {
  readonly aFixed: Float64Array;
  readonly bFixed: Float64Array;
  readonly aFold: Float64Array[];
  readonly bFold: Float64Array[];
  readonly nFold: Float64Array;
  weightLeft = 0;
  private nextFold = 0;

  constructor(readonly P: number, readonly K: number, readonly M: number, readonly delta: Float64Array, readonly folds: number) {
    this.aFixed = new Float64Array(M * M);
    this.bFixed = new Float64Array(M * K);
    this.aFold = Array.from({ length: folds }, () => new Float64Array(M * M));
    this.bFold = Array.from({ length: folds }, () => new Float64Array(M * K));
    this.nFold = new Float64Array(folds);
  }

  private accumulate(a: Float64Array, b: Float64Array, m: Uint8Array, v: Float64Array, w: number, fnull: Float64Array): void {
    const { K, M } = this;
    for (let i = 0; i < M; i++) {
      if (!m[i]) continue;
      for (let j = 0; j < M; j++) if (m[j]) a[i * M + j] += w;
      for (let o = 0; o < K; o++) b[i * K + o] += w * (v[o] - fnull[o]);
    }
  }

  addFixed(m: Uint8Array, v: Float64Array, w: number, fnull: Float64Array): void {
    this.accumulate(this.aFixed, this.bFixed, m, v, w, fnull);
  }

  /** One sampled draw (a coalition and, if paired, its complement); the pair stays in one fold. */
  addDraw(masks: Uint8Array[], vs: Float64Array[], fnull: Float64Array): void {
    const f = this.nextFold;
    this.nextFold = (f + 1) % this.folds;
    masks.forEach((m, i) => this.accumulate(this.aFold[f], this.bFold[f], m, vs[i], 1, fnull));
    this.nFold[f] += masks.length;
  }

  /** The Gram system with fold `skip` left out (-1: none), sampled weights rescaled to weightLeft. */
  private system(skip: number): { a: Float64Array; b: Float64Array } {
    const a = Float64Array.from(this.aFixed);
    const b = Float64Array.from(this.bFixed);
    let n = 0;
    for (let f = 0; f < this.folds; f++) if (f !== skip) n += this.nFold[f];
    if (n > 0) {
      const c = this.weightLeft / n;
      for (let f = 0; f < this.folds; f++) {
        if (f === skip) continue;
        for (let i = 0; i < a.length; i++) a[i] += c * this.aFold[f][i];
        for (let i = 0; i < b.length; i++) b[i] += c * this.bFold[f][i];
      }
    }
    return { a, b };
  }

  /** phi [M, K]; with l1Features, each output keeps the features a lasso path picks first. */
  solve(l1Features?: number, skip = -1): Float64Array {
    const { K, M } = this;
    const { a, b } = this.system(skip);
    const phi = new Float64Array(M * K);
    const all = Array.from({ length: M }, (_, i) => i);
    for (let o = 0; o < K; o++) {
      const keep = l1Features === undefined || l1Features >= M ? all : lassoSelect(a, b, M, K, o, this.delta[o], Math.max(1, l1Features));
      const q = keep[keep.length - 1];
      const rest = keep.slice(0, -1);
      const n = rest.length;
      const aq = new Float64Array(n * n);
      const bq = new Float64Array(n);
      let tr = 0;
      rest.forEach((i, ii) => {
        bq[ii] = b[i * K + o] - b[q * K + o] - this.delta[o] * (a[i * M + q] - a[q * M + q]);
        rest.forEach((j, jj) => (aq[ii * n + jj] = a[i * M + j] - a[i * M + q] - a[q * M + j] + a[q * M + q]));
        tr += aq[ii * n + ii];
      });
      // A whisper of ridge keeps a rank-deficient sample solvable without moving a well-posed answer.
      for (let ii = 0; ii < n; ii++) aq[ii * n + ii] += 1e-12 * (tr / n || 1);
      const sol = n > 0 ? solve(aq, bq, n, 1) : new Float64Array(0);
      let sum = 0;
      rest.forEach((i, ii) => {
        phi[i * K + o] = sol[ii];
        sum += sol[ii];
      });
      phi[q * K + o] = this.delta[o] - sum;
    }
    return phi;
  }

  /** Delete-a-fold jackknife standard errors [M, K]; null when nothing was sampled. */
  jackknife(l1Features?: number): Float64Array | null {
    const used = Array.from({ length: this.folds }, (_, f) => f).filter((f) => this.nFold[f] > 0);
    if (used.length < 2) return null;
    const ests = used.map((f) => this.solve(l1Features, f));
    const n = ests[0].length;
    const se = new Float64Array(n);
    const F = used.length;
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (const e of ests) m += e[i] / F;
      let s = 0;
      for (const e of ests) s += (e[i] - m) ** 2;
      se[i] = Math.sqrt(((F - 1) / F) * s);
    }
    return se;
  }
}

/**
 * The `k` features a lasso path keeps first for output o: coordinate descent on the Gram system plus a
 * heavily weighted efficiency row (sum(phi) = delta), with the penalty lowered until k are non-zero.
 */
function lassoSelect(a: Float64Array, b: Float64Array, M: number, K: number, o: number, delta: number, k: number): number[] {
  let scale = 0;
  for (let i = 0; i < M; i++) scale = Math.max(scale, a[i * M + i]);
  const c = 100 * (scale || 1);
  const A = (i: number, j: number) => a[i * M + j] + c;
  const B = (i: number) => b[i * K + o] + c * delta;
  let lmax = 0;
  for (let i = 0; i < M; i++) lmax = Math.max(lmax, Math.abs(B(i)));
  const beta = new Float64Array(M);
  let chosen: number[] = [];
  for (let step = 1; step <= 80; step++) {
    const lambda = lmax * Math.pow(0.85, step);
    for (let sweep = 0; sweep < 100; sweep++) {
      let change = 0;
      for (let j = 0; j < M; j++) {
        let r = B(j);
        for (let l = 0; l < M; l++) if (l !== j) r -= A(j, l) * beta[l];
        const next = (Math.sign(r) * Math.max(0, Math.abs(r) - lambda)) / A(j, j);
        change = Math.max(change, Math.abs(next - beta[j]));
        beta[j] = next;
      }
      if (change < 1e-10 * (1 + Math.abs(delta))) break;
    }
    const nz = Array.from({ length: M }, (_, i) => i).filter((i) => beta[i] !== 0);
    if (nz.length > k) break;
    chosen = nz;
    if (nz.length === k) break;
  }
  if (chosen.length === 0) {
    // Nothing entered the path: keep the feature with the largest correlation.
    let best = 0;
    for (let i = 1; i < M; i++) if (Math.abs(B(i)) > Math.abs(B(best))) best = i;
    chosen = [best];
  }
  return chosen;
}

function normalise(v: Float64Array): void {
  let s = 0;
  for (const x of v) s += x;
  for (let i = 0; i < v.length; i++) v[i] /= s;
}

function randomSubset(M: number, s: number, rng: Rng): Uint8Array {
  const m = new Uint8Array(M);
  // Partial Fisher-Yates: the first s of a random permutation.
  const idx = Array.from({ length: M }, (_, i) => i);
  for (let i = 0; i < s; i++) {
    const j = i + rng.int(M - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
    m[idx[i]] = 1;
  }
  return m;
}

function forEachSubset(M: number, s: number, f: (m: Uint8Array) => void): void {
  const idx = Array.from({ length: s }, (_, i) => i);
  for (;;) {
    const m = new Uint8Array(M);
    for (const i of idx) m[i] = 1;
    f(m);
    let i = s - 1;
    while (i >= 0 && idx[i] === M - s + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < s; j++) idx[j] = idx[j - 1] + 1;
  }
}

function concatMasks(masks: Uint8Array[], M: number): Uint8Array {
  const out = new Uint8Array(masks.length * M);
  masks.forEach((m, i) => out.set(m, i * M));
  return out;
}
