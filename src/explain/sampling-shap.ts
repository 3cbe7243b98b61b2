// Permutation-sampling Shapley values (Strumbelj & Kononenko) with antithetic pairs: each permutation is
// walked forwards and backwards; standard errors come from the spread of pair estimates, and sampling can
// stop once they fall under a tolerance. Every permutation's contributions sum exactly to f(x) - v(empty).

import type { Tensor } from '../tensor/tensor.js';
import type { Explanation } from './explanation.js';
import { checkOptionKeys } from './predictor.js';
import { SHAPLEY_KEYS, type ShapleyOptions, explainShapley } from './shapley-common.js';
import type { Predictor } from './types.js';

export interface SamplingShapOptions extends ShapleyOptions {
  /** Most antithetic permutation pairs per row (default max(16, ceil(1024 / M))). */
  nPermutations?: number;
  /** Stop once every standard error is below this (checked after each round of pairs). */
  tolerance?: number;
  /** Pairs evaluated per round (default 8). */
  roundSize?: number;
}

export async function samplingShap(model: Predictor, x: Tensor, opts: SamplingShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('samplingShap', opts, [...SHAPLEY_KEYS, 'nPermutations', 'tolerance', 'roundSize']);
  const settings = { nPermutations: opts.nPermutations ?? 'auto', tolerance: opts.tolerance ?? null };
  return explainShapley('sampling-shap', model, x, opts, settings, async (ev, groups, rng) => {
    const M = groups.members.length;
    const K = ev.outputs;
    const maxPairs = opts.nPermutations ?? Math.max(16, Math.ceil(1024 / M));
    const round = opts.roundSize ?? 8;
    const sum = new Float64Array(M * K);
    const sumSq = new Float64Array(M * K);
    const est = new Float64Array(M * K);
    let pairs = 0;
    while (pairs < maxPairs) {
      const n = Math.min(round, maxPairs - pairs);
      const perms: Int32Array[] = [];
      // Prefix masks of each permutation and of its reverse: sizes 1..M-1 (empty and full are known).
      const masks = new Uint8Array(n * 2 * (M - 1) * M);
      for (let p = 0; p < n; p++) {
        const perm = rng.permutation(M);
        perms.push(perm);
        for (let dir = 0; dir < 2; dir++) {
          const m = new Uint8Array(M);
          for (let k = 0; k < M - 1; k++) {
            m[perm[dir === 0 ? k : M - 1 - k]] = 1;
            masks.set(m, ((p * 2 + dir) * (M - 1) + k) * M);
          }
        }
      }
      const v = M > 1 ? await ev.evaluate(masks, n * 2 * (M - 1)) : new Float64Array(0);
      const valueAt = (p: number, dir: number, k: number, o: number): number => {
        if (k === 0) return ev.fnull[o];
        if (k === M) return ev.fx[o];
        return v[((p * 2 + dir) * (M - 1) + k - 1) * K + o];
      };
      for (let p = 0; p < n; p++) {
        est.fill(0);
        for (let dir = 0; dir < 2; dir++) {
          for (let k = 0; k < M; k++) {
            const i = perms[p][dir === 0 ? k : M - 1 - k];
            for (let o = 0; o < K; o++) est[i * K + o] += 0.5 * (valueAt(p, dir, k + 1, o) - valueAt(p, dir, k, o));
          }
        }
        for (let j = 0; j < est.length; j++) {
          sum[j] += est[j];
          sumSq[j] += est[j] * est[j];
        }
      }
      pairs += n;
      if (opts.tolerance !== undefined && pairs >= 2 && Math.max(...stdErrors(sum, sumSq, pairs)) < opts.tolerance) break;
    }
    const phi = sum.map((s) => s / pairs);
    return { phi, se: pairs >= 2 ? stdErrors(sum, sumSq, pairs) : null, diagnostics: { permutationPairs: pairs } };
  });
}

function stdErrors(sum: Float64Array, sumSq: Float64Array, n: number): Float64Array {
  return sum.map((s, j) => Math.sqrt(Math.max(0, (sumSq[j] - (s * s) / n) / (n - 1)) / n));
}
