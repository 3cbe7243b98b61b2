// DeepSHAP: DeepLIFT's rescale rule averaged over a background set (Lundberg & Lee 2017), for any
// glassbox model whose ops carry DeepLIFT rules (plan/deeplift.ts). Each explained row is paired with
// every background row and every output in one batched pass through the DeepLIFT plan; attributions
// are the multipliers times (x - b), weighted over the background. Hence
// sum(values) = f(x) - E f(background) up to rounding: the additivity gap is reported and tested.

import type { Tensor } from '../tensor/tensor.js';
import { deepLiftPlan } from '../plan/deeplift.js';
import { bucketRows } from '../plan/model-plans.js';
import { prepareBackground } from './background.js';
import { Explanation } from './explanation.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { BackgroundOptions, CommonOptions, Predictor } from './types.js';

export interface DeepShapOptions extends CommonOptions, BackgroundOptions {}

export async function deepShap(predictor: Predictor, x: Tensor, opts: DeepShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('deepShap', opts, ['background', 'summarize', 'maxBackground']);
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
  const maxRows = Math.max(rowsPerCall(opts), N);
  const data = floatRows(x);
  // One probe pair tells the output count K; pairs are laid out [output k][background b].
  const probe = deepLiftPlan(traceable, 1);
  const K = probe.outputs.y.length;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const values = new Float32Array(rows * G * K);
  const base = new Float32Array(rows * K);
  const preds = new Float32Array(rows * K);
  // Pairs per plan run: whole outputs' worth of background rows.
  const outputsPerRun = Math.max(1, Math.min(K, Math.floor(maxRows / N)));
  const pairs = outputsPerRun * N;
  const plan = deepLiftPlan(traceable, bucketRows(pairs, pairs));
  let gap = 0;
  for (let r = 0; r < rows; r++) {
    checkAbort(opts.signal);
    const xr = data.subarray(r * inputs, (r + 1) * inputs);
    const phi = new Float64Array(inputs * K);
    const fnull = new Float64Array(K);
    for (let k0 = 0; k0 < K; k0 += outputsPerRun) {
      const kn = Math.min(outputsPerRun, K - k0);
      const { x: px, r: pr, seed: ps } = plan.inputs;
      ps.fill(0);
      for (let k = 0; k < outputsPerRun; k++) {
        for (let b = 0; b < N; b++) {
          const p = k * N + b;
          px.set(xr, p * inputs);
          pr.set(bg.rows.subarray(b * inputs, (b + 1) * inputs), p * inputs);
          if (k < kn) ps[p * K + k0 + k] = 1;
        }
      }
      plan.run();
      const { m, y, yr } = plan.outputs;
      for (let k = 0; k < kn; k++) {
        for (let b = 0; b < N; b++) {
          const p = k * N + b;
          const w = bg.weights[b];
          for (let i = 0; i < inputs; i++) {
            const d = xr[i] - bg.rows[b * inputs + i];
            if (d !== 0) phi[i * K + k0 + k] += w * m[p * inputs + i] * d;
          }
          if (k0 === 0 && k === 0) for (let o = 0; o < K; o++) fnull[o] += w * yr[p * K + o];
        }
      }
      if (k0 === 0) for (let o = 0; o < K; o++) preds[r * K + o] = y[o];
    }
    for (let k = 0; k < K; k++) {
      base[r * K + k] = fnull[k];
      let s = 0;
      for (let g = 0; g < G; g++) {
        let v = 0;
        for (const i of groups.members[g]) v += phi[i * K + k];
        values[(r * G + g) * K + k] = v;
        s += v;
      }
      gap = Math.max(gap, Math.abs(s - (preds[r * K + k] - fnull[k])));
    }
    opts.onProgress?.({ method: 'deep-shap', done: r + 1, total: rows });
    await yieldToEventLoop();
  }
  return new Explanation({
    method: 'deep-shap', settings: { seed, backgroundRows: N, rule: 'rescale' }, kind: 'local', rows, features: G, outputs: K, values,
    stdErrors: null, baseValues: base, predictions: preds, data, inputShape: rowShape, featureNames: groups.names, inputNames,
    groups: groups.groups, outputNames: resolveOutputNames(opts, model, K), targets: null, diagnostics: { additivityGap: gap, engine: 'plan' },
  });
}
