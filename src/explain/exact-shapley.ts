// Exact interventional Shapley values by enumerating all 2^M coalitions (M <= maxFeatures).

import type { Tensor } from '../tensor/tensor.js';
import type { Explanation } from './explanation.js';
import { checkOptionKeys } from './predictor.js';
import { SHAPLEY_KEYS, type ShapleyOptions, explainShapley } from './shapley-common.js';
import type { Predictor } from './types.js';

export interface ExactShapleyOptions extends ShapleyOptions {
  /** Refuse more than this many features or groups (default 16: 65536 coalitions per row). */
  maxFeatures?: number;
}

/** phi_i = sum over S not holding i of |S|!(M-|S|-1)!/M! (v(S+i) - v(S)), v(S) = E_b f(x_S, b_rest). */
export async function exactShapley(model: Predictor, x: Tensor, opts: ExactShapleyOptions = {}): Promise<Explanation> {
  checkOptionKeys('exactShapley', opts, [...SHAPLEY_KEYS, 'maxFeatures']);
  const maxFeatures = opts.maxFeatures ?? 16;
  return explainShapley('exact-shapley', model, x, opts, { maxFeatures }, async (ev, groups) => {
    const M = groups.members.length;
    if (M > maxFeatures) {
      throw new Error(`exactShapley: ${M} features or groups need 2^${M} coalitions per row; use kernelShap or samplingShap, group features, or raise maxFeatures`);
    }
    const K = ev.outputs;
    const total = 2 ** M;
    const v = new Float64Array(total * K);
    const chunk = 4096;
    const masks = new Uint8Array(Math.min(chunk, total) * M);
    for (let s0 = 0; s0 < total; s0 += chunk) {
      const s1 = Math.min(total, s0 + chunk);
      for (let s = s0; s < s1; s++) for (let i = 0; i < M; i++) masks[(s - s0) * M + i] = (s >>> i) & 1;
      v.set(await ev.evaluate(masks, s1 - s0), s0 * K);
    }
    // Shapley weight of a coalition of size s that lacks i.
    const weight = new Float64Array(M);
    for (let s = 0; s < M; s++) weight[s] = 1 / (M * binomial(M - 1, s));
    const phi = new Float64Array(M * K);
    for (let S = 0; S < total; S++) {
      const size = popcount(S);
      for (let i = 0; i < M; i++) {
        if ((S >>> i) & 1) continue;
        const w = weight[size];
        const T = S | (1 << i);
        for (let o = 0; o < K; o++) phi[i * K + o] += w * (v[T * K + o] - v[S * K + o]);
      }
    }
    return { phi, se: null };
  });
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}
