// v(S) for models whose input first meets one linear map z = x W + b (see plan/linear-first.ts): for a
// chunk of coalitions, z for every (coalition, background row) is [M | 1] · [D; base] (M the 0/1 masks,
// D_g the change group g makes, base the all-absent value), one GEMM on the backend written straight
// into the input of the plan that runs the rest of the model. Exact: the model's own sums, regrouped.

import { getBackend } from '../backend/backend.js';
import type { FirstLinear } from '../plan/linear-first.js';
import type { Background } from './background.js';
import type { ResolvedGroups } from './groups.js';

/** evaluate(masks [count, G], count) -> v(S) [count, outputs]; dispose() returns its backend buffers at once. */
export function linearCoalitionEvaluator(fl: FirstLinear, x: Float32Array, bg: Background, g: ResolvedGroups, maxRows: number): { evaluate: (masks: Uint8Array, count: number) => Float64Array; dispose: () => void } {
  const be = getBackend();
  const { kernel: w, units, inputs } = fl;
  const G = g.members.length;
  const N = bg.n;
  const width = N * units;
  // Rows D[g] = X_g - B_{g,b} for every background row b (X_g = W_g·x_g, B_gb = W_g·b_g); the last row is
  // base_b = bias + W·b, where inputs outside every group take x's value.
  const D = be.allocFloat32((G + 1) * width);
  const X = new Float64Array(G * units);
  for (let i = 0; i < inputs; i++) {
    const gi = g.groupOf[i];
    if (gi < 0 || x[i] === 0) continue;
    for (let j = 0; j < units; j++) X[gi * units + j] += x[i] * w[i * units + j];
  }
  const acc = new Float64Array((G + 1) * units);
  for (let b = 0; b < N; b++) {
    acc.fill(0);
    if (fl.bias) for (let j = 0; j < units; j++) acc[G * units + j] = fl.bias[j];
    for (let i = 0; i < inputs; i++) {
      const gi = g.groupOf[i];
      const v = gi < 0 ? x[i] : bg.rows[b * inputs + i];
      if (v === 0) continue;
      const wo = i * units;
      for (let j = 0; j < units; j++) acc[G * units + j] += v * w[wo + j];
      if (gi >= 0) for (let j = 0; j < units; j++) acc[gi * units + j] += v * w[wo + j];
    }
    for (let gi = 0; gi < G; gi++) for (let j = 0; j < units; j++) D[gi * width + b * units + j] = X[gi * units + j] - acc[gi * units + j];
    for (let j = 0; j < units; j++) D[G * width + b * units + j] = acc[G * units + j];
  }
  const chunk = Math.max(1, Math.floor(Math.min(maxRows, fl.memoryRows) / N));
  const rest = fl.rest(chunk * N);
  const M = be.allocFloat32(chunk * (G + 1));
  const evaluate = (masks: Uint8Array, count: number): Float64Array => {
    const y = rest.outputs.y;
    const outputs = y.length / (chunk * N);
    const out = new Float64Array(count * outputs);
    for (let s0 = 0; s0 < count; s0 += chunk) {
      const c = Math.min(chunk, count - s0);
      M.fill(0);
      for (let s = 0; s < c; s++) {
        for (let gi = 0; gi < G; gi++) M[s * (G + 1) + gi] = masks[(s0 + s) * G + gi];
        M[s * (G + 1) + G] = 1;
      }
      be.matmul(M, D, rest.inputs.z as Float32Array, { batch: 1, m: chunk, k: G + 1, n: width, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      rest.run();
      // v(S) = sum_b weight_b f(x_S, b).
      for (let s = 0; s < c; s++) {
        for (let b = 0; b < N; b++) {
          const wb = bg.weights[b];
          const r = (s * N + b) * outputs;
          for (let o = 0; o < outputs; o++) out[(s0 + s) * outputs + o] += wb * y[r + o];
        }
      }
    }
    return out;
  };
  return {
    evaluate,
    dispose: () => {
      be.free(D);
      be.free(M);
    },
  };
}
