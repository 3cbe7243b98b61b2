// Layer integrated gradients (as captum's LayerIntegratedGradients): integrated gradients of the rest of
// the model with respect to a named layer's output h, along the straight path from h(baseline) to h(x),
// while paths around the layer keep seeing x. Attributions are per unit of the layer's output and sum to
// f(x) - f(baseline) up to the quadrature (the completeness gap is reported).

import type { Tensor } from '../tensor/tensor.js';
import { bucketRows } from '../plan/model-plans.js';
import { layerRestGradientsPlan, layerValuesPlan, rowsWithinMemory } from '../plan/gradient-plans.js';
import { Explanation } from './explanation.js';
import { resolveGroups } from './groups.js';
import { completeness, quadrature, type IntegrationRule } from './integrated-gradients.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import { predictTargets, targetOutputNames } from './targets.js';
import type { CommonOptions, OutputSelection, Predictor } from './types.js';

export interface LayerIntegratedGradientsOptions extends CommonOptions {
  /** The layer whose output units are attributed. Required. */
  layer?: string;
  /** Outputs to explain: 'all' (default), 'predicted' (the argmax per row), or indices. */
  outputs?: OutputSelection;
  /** Baseline input x' as one row (default zeros); the path runs from h(x') to h(x). */
  baseline?: Tensor;
  /** Points on the path (default 64). */
  steps?: number;
  /** Quadrature rule (default 'gauss-legendre'). */
  method?: IntegrationRule;
}

export async function layerIntegratedGradients(predictor: Predictor, x: Tensor, opts: LayerIntegratedGradientsOptions = {}): Promise<Explanation> {
  checkOptionKeys('layerIntegratedGradients', opts, ['layer', 'outputs', 'baseline', 'steps', 'method']);
  const layer = opts.layer;
  if (typeof layer !== 'string') throw new Error("layerIntegratedGradients: name the layer to attribute to: { layer: 'conv2d_1' } (model.summary() lists the names)");
  checkRows(x);
  const rowShape = x.shape.slice(1);
  const model = asModel(predictor, rowShape);
  const traceable = model.traceable;
  if (!traceable) throw new Error('layerIntegratedGradients: needs a glassbox model (it differentiates from inside it); for a plain function use integratedGradients');
  const steps = opts.steps ?? 64;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`layerIntegratedGradients: steps must be a positive integer, got ${steps}`);
  const rule = opts.method ?? 'gauss-legendre';
  const [alphas, weights] = quadrature(rule, steps);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const data = floatRows(x);
  const base = opts.baseline ? floatRows(opts.baseline) : new Float32Array(inputs);
  if (base.length !== inputs) throw new Error(`layerIntegratedGradients: the baseline has ${base.length} values but rows have ${inputs}; pass one row`);
  const maxRows = Math.min(rowsPerCall(opts), rowsWithinMemory(traceable));
  const sel = opts.outputs ?? 'all';
  const { preds, K, targets, T } = await predictTargets(model, data, rows, sel, { maxRowsPerCall: maxRows, signal: opts.signal }, 'layerIntegratedGradients');
  // The layer's output for the rows and for the baseline.
  const h = layerValues(traceable, layer, data, rows, inputs, maxRows);
  const hb = layerValues(traceable, layer, base, 1, inputs, 1);
  const width = hb.values.length;
  const groups = resolveGroups(groupsFrom(opts, model), width, Array.from({ length: width }, (_, u) => `${layer}[${u}]`));
  const G = groups.members.length;
  const values = new Float32Array(rows * G * T);
  const chunk = Math.max(steps, Math.floor(maxRows / T));
  const rowsPerRun = Math.max(1, Math.floor(chunk / steps));
  for (let r0 = 0; r0 < rows; r0 += rowsPerRun) {
    checkAbort(opts.signal);
    const n = Math.min(rowsPerRun, rows - r0);
    const P = bucketRows(n * steps, rowsPerRun * steps);
    const plan = layerRestGradientsPlan(traceable, P, T, layer);
    const { h: ph, x: px, dy } = plan.inputs;
    ph.fill(0);
    px.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      const hx = h.values.subarray((r0 + i) * width, (r0 + i + 1) * width);
      const xr = data.subarray((r0 + i) * inputs, (r0 + i + 1) * inputs);
      for (let k = 0; k < steps; k++) {
        const p = i * steps + k;
        for (let u = 0; u < width; u++) ph[p * width + u] = hb.values[u] + alphas[k] * (hx[u] - hb.values[u]);
        px.set(xr, p * inputs);
        for (let t = 0; t < T; t++) dy[(t * P + p) * K + targets[r0 + i][t]] = 1;
      }
    }
    plan.run();
    const dh = plan.outputs.dh;
    for (let i = 0; i < n; i++) {
      const row = r0 + i;
      const hx = h.values.subarray(row * width, (row + 1) * width);
      for (let t = 0; t < T; t++) {
        const attr = new Float64Array(width);
        for (let k = 0; k < steps; k++) {
          const go = (t * P + i * steps + k) * width;
          for (let u = 0; u < width; u++) attr[u] += weights[k] * dh[go + u];
        }
        for (let g = 0; g < G; g++) {
          let s = 0;
          for (const u of groups.members[g]) s += (hx[u] - hb.values[u]) * attr[u];
          values[(row * G + g) * T + t] = s;
        }
      }
    }
    opts.onProgress?.({ method: 'layer-integrated-gradients', done: r0 + n, total: rows });
    await yieldToEventLoop();
  }
  const fb = (await model.call(Float32Array.from(base), 1)).values;
  const baseValues = new Float32Array(rows * T);
  const predOut = new Float32Array(rows * T);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < T; t++) {
      baseValues[r * T + t] = fb[targets[r][t]];
      predOut[r * T + t] = preds[r * K + targets[r][t]];
    }
  }
  return new Explanation({
    method: 'layer-integrated-gradients', settings: { layer, steps, method: rule, baseline: opts.baseline ? 'given' : 'zeros', outputs: sel },
    kind: 'local', rows, features: G, outputs: T, values, stdErrors: null, baseValues, predictions: predOut, data: h.values, inputShape: h.shape,
    featureNames: groups.names, inputNames: Array.from({ length: width }, (_, u) => `${layer}[${u}]`), groups: groups.groups,
    ...targetOutputNames(sel, targets, resolveOutputNames(opts, model, K)),
    diagnostics: { ...completeness(values, baseValues, predOut, T, G), engine: 'plan', layerShape: h.shape },
  });
}

/** The layer's output for `rows` rows of `data`, and its shape per row. */
function layerValues(model: NonNullable<ReturnType<typeof asModel>['traceable']>, layer: string, data: Float32Array, rows: number, inputs: number, maxRows: number) {
  let out: Float32Array | null = null;
  let shape: number[] = [];
  const chunk = Math.max(1, Math.min(maxRows, rows));
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const plan = layerValuesPlan(model, bucketRows(n, chunk), layer);
    plan.inputs.x.fill(0).set(data.subarray(r0 * inputs, (r0 + n) * inputs));
    plan.run();
    shape = plan.outputShape('h').slice(1);
    const width = shape.reduce((a, b) => a * b, 1);
    out ??= new Float32Array(rows * width);
    out.set(plan.outputs.h.subarray(0, n * width), r0 * width);
  }
  return { values: out!, shape };
}
