// v(S) for Dense-first networks as matrix products: for a chunk of coalitions, the first layer's
// pre-activation for every (coalition, background row) is [M | 1] · [D; base] (M the 0/1 masks, D_g the
// change group g makes, base the all-absent value), then the rest of the network runs as GEMMs on the
// backend. Exact: the same sums as the model's own first layer, regrouped.

import { getBackend, type MatmulDims } from '../backend/backend.js';
import { isFusedActivation } from '../ops/activation.js';
import { type Activation, type DenseNet, applyActivation } from './dense-net.js';

export interface GemmCoalitionInput {
  net: DenseNet;
  /** Groups, background rows and first-layer units. */
  G: number;
  N: number;
  units: number;
  outputs: number;
  /** X[g, units]: group g's first-layer contribution from x. */
  X: Float64Array;
  /** B[g, N, units]: group g's contribution from background row b. */
  B: Float64Array;
  /** base[N, units]: first-layer pre-activation with every group absent (bias included). */
  base: Float64Array;
  /** Background weights (sum 1). */
  weights: Float64Array | Float32Array;
  /** Most (coalition, background) rows per chunk; bounds memory. */
  maxRows: number;
}

function dims(m: number, k: number, n: number): MatmulDims {
  return { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
}

/** Returns evaluate(masks [count, G], count) -> v(S) [count, outputs]. */
export function gemmCoalitionEvaluator(d: GemmCoalitionInput): (masks: Uint8Array, count: number) => Float64Array {
  const be = getBackend();
  const { G, N, units, outputs, net } = d;
  const width = N * units;
  // D' = [D; base]: row g holds X_g - B_{g,b} for every b; the last row is base.
  const D = be.allocFloat32((G + 1) * width);
  for (let g = 0; g < G; g++) {
    for (let b = 0; b < N; b++) {
      const o = g * width + b * units;
      const bo = (g * N + b) * units;
      for (let j = 0; j < units; j++) D[o + j] = d.X[g * units + j] - d.B[bo + j];
    }
  }
  for (let k = 0; k < width; k++) D[G * width + k] = d.base[k];
  const chunk = Math.max(1, Math.floor(d.maxRows / N));
  const masksF = be.allocFloat32(chunk * (G + 1));
  const first = be.allocFloat32(chunk * width);
  // Buffers for the later layers, [chunk * N, width of that layer].
  const later = net.steps.slice(1).map((s) => (s.kind === 'dense' ? be.allocFloat32(chunk * N * s.outDim) : null));
  const softmaxLast = net.steps[net.steps.length - 1].act.name === 'softmax';
  const e = new Float64Array(outputs);
  return (masks, count) => {
    const out = new Float64Array(count * outputs);
    for (let s0 = 0; s0 < count; s0 += chunk) {
      const c = Math.min(chunk, count - s0);
      const M = masksF.subarray(0, c * (G + 1));
      for (let s = 0; s < c; s++) {
        for (let g = 0; g < G; g++) M[s * (G + 1) + g] = masks[(s0 + s) * G + g];
        M[s * (G + 1) + G] = 1;
      }
      let h = first.subarray(0, c * width);
      be.matmul(M, D, h, dims(c, G + 1, width));
      const rows = c * N;
      const lastStep = net.steps.length - 1;
      let w = units;
      // A final softmax is folded into the averaging below (one pass over the outputs instead of two).
      const act = (i: number) => (i === lastStep && softmaxLast ? null : net.steps[i].act);
      const a0 = act(0);
      if (a0) activate(a0, h, rows, w);
      for (let i = 1; i < net.steps.length; i++) {
        const step = net.steps[i];
        if (step.kind === 'dense') {
          const next = later[i - 1]!.subarray(0, rows * step.outDim);
          be.matmul(h, step.w, next, dims(rows, step.inDim, step.outDim));
          if (step.b) be.biasActivation(next, step.b, next, rows, step.outDim, 'linear');
          h = next;
          w = step.outDim;
        }
        const ai = act(i);
        if (ai) activate(ai, h, rows, w);
      }
      // v(S) = sum_b weight_b f(x_S, b).
      for (let s = 0; s < c; s++) {
        const o0 = (s0 + s) * outputs;
        for (let b = 0; b < N; b++) {
          const wb = d.weights[b];
          const r = (s * N + b) * outputs;
          if (!softmaxLast) {
            for (let o = 0; o < outputs; o++) out[o0 + o] += wb * h[r + o];
            continue;
          }
          let max = -Infinity;
          for (let o = 0; o < outputs; o++) if (h[r + o] > max) max = h[r + o];
          let sum = 0;
          for (let o = 0; o < outputs; o++) sum += (e[o] = Math.exp(h[r + o] - max));
          const scale = wb / sum;
          for (let o = 0; o < outputs; o++) out[o0 + o] += scale * e[o];
        }
      }
    }
    return out;
  };
}

/** Elementwise activations through the backend's fused kernel where it has one. */
function activate(a: Activation, v: Float32Array, rows: number, width: number): void {
  if (a.name === 'linear') return;
  if (isFusedActivation(a.name)) getBackend().biasActivation(v, null, v, rows, width, a.name);
  else applyActivation(a, v, rows, width);
}
