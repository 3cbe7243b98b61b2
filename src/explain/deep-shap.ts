// DeepSHAP: DeepLIFT's rules averaged over a background set (Lundberg & Lee 2017), for any glassbox model
// whose ops carry DeepLIFT rules (plan/deeplift.ts). Explained rows and background rows run forward once
// per batch; one backward pass covers every (row, background row, explained output) triple. Attributions
// are the multipliers times (x - b), weighted over the background, hence sum(values) = f(x) - E f(background)
// up to rounding: the additivity gap is always reported (and tested).

import type { Tensor } from '../tensor/tensor.js';
import { deepLiftPlan } from '../plan/deeplift.js';
import { rowsWithinMemory } from '../plan/gradient-plans.js';
import { prepareBackground } from './background.js';
import { Explanation } from './explanation.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import { predictTargets, targetOutputNames } from './targets.js';
import type { BackgroundOptions, CommonOptions, OutputSelection, Predictor } from './types.js';

export interface DeepShapOptions extends CommonOptions, BackgroundOptions {
  /** Outputs to explain: 'all' (default), 'predicted' (the argmax per row), or indices. */
  outputs?: OutputSelection;
}

export async function deepShap(predictor: Predictor, x: Tensor, opts: DeepShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('deepShap', opts, ['background', 'summarize', 'maxBackground', 'outputs']);
  checkRows(x);
  const rowShape = x.shape.slice(1);
  const model = asModel(predictor, rowShape);
  const traceable = model.traceable;
  if (!traceable) {
    throw new Error('deepShap: needs a glassbox model (its ops carry the DeepLIFT rules); for a plain function use kernelShap or gradientShap');
  }
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const seed = opts.seed ?? 0;
  const bg = prepareBackground(opts, rowShape, seed, 'deepShap');
  const N = bg.n;
  const data = floatRows(x);
  const maxRows = rowsPerCall(opts);
  const sel = opts.outputs ?? 'all';
  const { preds, K, targets, T } = await predictTargets(model, data, rows, sel, { maxRowsPerCall: maxRows, signal: opts.signal }, 'deepShap');
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  // Cotangent rows per run (targets x rows x background rows), bounded by maxRowsPerCall and memory.
  const budget = Math.max(N, Math.min(maxRows, rowsWithinMemory(traceable)));
  const Tc = Math.max(1, Math.min(T, Math.floor(budget / N)));
  const R = Math.max(1, Math.min(rows, Math.floor(budget / (Tc * N))));
  const plan = deepLiftPlan(traceable, { rows: R, references: N, targets: Tc });
  const values = new Float32Array(rows * G * T);
  const base = new Float32Array(rows * T);
  const predOut = new Float32Array(rows * T);
  const phi = new Float64Array(R * Tc * inputs);
  let fnull: Float64Array | null = null;
  let gap = 0;
  for (let r0 = 0; r0 < rows; r0 += R) {
    const n = Math.min(R, rows - r0);
    for (let t0 = 0; t0 < T; t0 += Tc) {
      checkAbort(opts.signal);
      const { x: px, r: pr, seed: ps } = plan.inputs;
      px.fill(0).set(data.subarray(r0 * inputs, (r0 + n) * inputs));
      pr.set(bg.rows);
      ps.fill(0);
      for (let tc = 0; tc < Tc && t0 + tc < T; tc++) {
        for (let i = 0; i < n; i++) for (let b = 0; b < N; b++) ps[((tc * R + i) * N + b) * K + targets[r0 + i][t0 + tc]] = 1;
      }
      plan.run();
      const { m, yr } = plan.outputs;
      if (!fnull) {
        fnull = new Float64Array(K);
        for (let b = 0; b < N; b++) for (let o = 0; o < K; o++) fnull[o] += bg.weights[b] * yr[b * K + o];
      }
      // phi[i, t, j] = sum_b w_b m[t, i, b, j] (x_ij - b_j).
      phi.fill(0);
      for (let tc = 0; tc < Tc && t0 + tc < T; tc++) {
        for (let i = 0; i < n; i++) {
          const xr = data.subarray((r0 + i) * inputs, (r0 + i + 1) * inputs);
          const acc = phi.subarray((i * Tc + tc) * inputs, (i * Tc + tc + 1) * inputs);
          for (let b = 0; b < N; b++) {
            const w = bg.weights[b];
            const mo = ((tc * R + i) * N + b) * inputs;
            const bo = b * inputs;
            for (let j = 0; j < inputs; j++) acc[j] += w * m[mo + j] * (xr[j] - bg.rows[bo + j]);
          }
        }
      }
      for (let i = 0; i < n; i++) {
        const row = r0 + i;
        for (let tc = 0; tc < Tc && t0 + tc < T; tc++) {
          const t = t0 + tc;
          const k = targets[row][t];
          const acc = phi.subarray((i * Tc + tc) * inputs, (i * Tc + tc + 1) * inputs);
          let total = 0;
          for (let gi = 0; gi < G; gi++) {
            let v = 0;
            for (const j of groups.members[gi]) v += acc[j];
            values[(row * G + gi) * T + t] = v;
            total += v;
          }
          base[row * T + t] = fnull![k];
          predOut[row * T + t] = preds[row * K + k];
          gap = Math.max(gap, Math.abs(total - (preds[row * K + k] - fnull![k])));
        }
      }
    }
    opts.onProgress?.({ method: 'deep-shap', done: r0 + n, total: rows });
    await yieldToEventLoop();
  }
  const named = targetOutputNames(sel, targets, resolveOutputNames(opts, model, K));
  return new Explanation({
    method: 'deep-shap', settings: { seed, backgroundRows: N, outputs: sel, rule: 'rescale; max for pooling; averaged Jacobian for softmax' },
    kind: 'local', rows, features: G, outputs: T, values, stdErrors: null, baseValues: base, predictions: predOut, data, inputShape: rowShape,
    featureNames: groups.names, inputNames, groups: groups.groups, ...named,
    diagnostics: { additivityGap: gap, engine: 'plan', pairsPerRun: R * Tc * N },
  });
}
