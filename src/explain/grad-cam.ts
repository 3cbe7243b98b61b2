// Grad-CAM (Selvaraju et al. 2017): the feature maps A of a convolution (default: the last one), weighted
// per channel by the mean gradient of the explained output over the map, summed, passed through a ReLU and
// upsampled (bilinear) to the input's image grid. One forward pass and one backward pass to the maps for
// every explained output of every row.

import type { Tensor } from '../tensor/tensor.js';
import { bucketRows } from '../plan/model-plans.js';
import { layerGradientsPlan, rowsWithinMemory } from '../plan/gradient-plans.js';
import { inferenceGraph } from '../plan/model-plans.js';
import { inputGrid } from '../plan/layer-values.js';
import { Explanation } from './explanation.js';
import { patchGroups } from './groups.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import { predictTargets, targetOutputNames } from './targets.js';
import type { CommonOptions, OutputSelection, Predictor } from './types.js';

export interface GradCamOptions extends Omit<CommonOptions, 'groups'> {
  /** The layer whose output maps are weighted (default: the model's last convolution). */
  layer?: string;
  /** Outputs to explain: 'all' (default), 'predicted' (the argmax per row), or indices. */
  outputs?: OutputSelection;
  /** Keep only positive evidence, as the paper does (default true). */
  relu?: boolean;
  /** How the map is brought to the input grid: 'bilinear' (default) or 'nearest'. */
  upsample?: 'bilinear' | 'nearest';
}

export async function gradCam(predictor: Predictor, x: Tensor, opts: GradCamOptions = {}): Promise<Explanation> {
  checkOptionKeys('gradCam', opts, ['layer', 'outputs', 'relu', 'upsample']);
  if ((opts as CommonOptions).groups !== undefined) throw new Error('gradCam: attributes to the pixels of the input grid; groups do not apply (drop the groups option)');
  checkRows(x);
  const rowShape = x.shape.slice(1);
  const model = asModel(predictor, rowShape);
  const traceable = model.traceable;
  if (!traceable) throw new Error('gradCam: needs a glassbox model (it reads a convolution\'s feature maps); for a plain function use occlusion or kernelShap');
  const upsample = opts.upsample ?? 'bilinear';
  if (upsample !== 'bilinear' && upsample !== 'nearest') throw new Error(`gradCam: upsample must be 'bilinear' or 'nearest', got '${String(upsample)}'`);
  const relu = opts.relu ?? true;
  const probe = inferenceGraph(traceable, 1, 'float32');
  const grid = inputGrid(probe.graph, probe.x);
  if (!grid) throw new Error(`gradCam: cannot place the map on the input: rows of shape [${rowShape}] are not images [height, width, channels] nor reshaped into one first`);
  const [H, W, C] = grid;
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const data = floatRows(x);
  const maxRows = Math.min(rowsPerCall(opts), rowsWithinMemory(traceable));
  const sel = opts.outputs ?? 'all';
  const { preds, K, targets, T } = await predictTargets(model, data, rows, sel, { maxRowsPerCall: maxRows, signal: opts.signal }, 'gradCam');
  const values = new Float32Array(rows * H * W * T);
  const chunk = Math.max(1, Math.floor(maxRows / T));
  let mapShape: number[] = [];
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    checkAbort(opts.signal);
    const n = Math.min(chunk, rows - r0);
    const P = bucketRows(n, chunk);
    const plan = layerGradientsPlan(traceable, P, T, opts.layer ?? null);
    plan.inputs.x.fill(0).set(data.subarray(r0 * inputs, (r0 + n) * inputs));
    const dy = plan.inputs.dy.fill(0);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) dy[(t * P + i) * K + targets[r0 + i][t]] = 1;
    plan.run();
    const hShape = plan.outputShape('h');
    const [mh, mw, mc] = featureMapShape(hShape, opts.layer);
    mapShape = [mh, mw, mc];
    const { h, dh } = plan.outputs;
    const cam = new Float32Array(mh * mw);
    const alpha = new Float64Array(mc);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < n; i++) {
        // alpha_c = mean over the map of d y / d A_c; cam = sum_c alpha_c A_c.
        const go = (t * P + i) * mh * mw * mc;
        const ho = i * mh * mw * mc;
        alpha.fill(0);
        for (let p = 0; p < mh * mw; p++) for (let c = 0; c < mc; c++) alpha[c] += dh[go + p * mc + c];
        for (let c = 0; c < mc; c++) alpha[c] /= mh * mw;
        for (let p = 0; p < mh * mw; p++) {
          let s = 0;
          for (let c = 0; c < mc; c++) s += alpha[c] * h[ho + p * mc + c];
          cam[p] = relu ? Math.max(0, s) : s;
        }
        const up = resizeMap(cam, mh, mw, H, W, upsample);
        const row = r0 + i;
        for (let p = 0; p < H * W; p++) values[(row * H * W + p) * T + t] = up[p];
      }
    }
    opts.onProgress?.({ method: 'grad-cam', done: r0 + n, total: rows });
    await yieldToEventLoop();
  }
  // One value per pixel: with several channels, each pixel is a group of its channels.
  const groups = C > 1 ? patchGroups(H, W, 1, C) : null;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const predOut = new Float32Array(rows * T);
  for (let r = 0; r < rows; r++) for (let t = 0; t < T; t++) predOut[r * T + t] = preds[r * K + targets[r][t]];
  return new Explanation({
    method: 'grad-cam', settings: { layer: opts.layer ?? 'last convolution', outputs: sel, relu, upsample }, kind: 'local', rows,
    features: H * W, outputs: T, values, stdErrors: null, baseValues: new Float32Array(rows * T), predictions: predOut, data, inputShape: rowShape,
    featureNames: groups ? groups.map((g) => g.name) : inputNames, inputNames, groups,
    ...targetOutputNames(sel, targets, resolveOutputNames(opts, model, K)),
    diagnostics: { engine: 'plan', mapShape, imageGrid: [H, W, C] },
  });
}

function featureMapShape(shape: readonly number[], layer: string | undefined): [number, number, number] {
  if (shape.length === 4) return [shape[1], shape[2], shape[3]];
  if (shape.length === 3) return [1, shape[1], shape[2]];
  throw new Error(`gradCam: the output of ${layer ? `layer '${layer}'` : 'the chosen layer'} has shape [${shape}], not feature maps [rows, height, width, channels]`);
}

/**
 * Resizes a [h, w] map to [H, W]: bilinear with half-pixel centres (as tf.image.resize and OpenCV), or
 * nearest neighbour.
 */
export function resizeMap(map: Float32Array, h: number, w: number, H: number, W: number, mode: 'bilinear' | 'nearest'): Float32Array {
  const out = new Float32Array(H * W);
  if (h === H && w === W) {
    out.set(map);
    return out;
  }
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < H; i++) {
    const sy = clamp(((i + 0.5) * h) / H - 0.5, h - 1);
    for (let j = 0; j < W; j++) {
      const sx = clamp(((j + 0.5) * w) / W - 0.5, w - 1);
      if (mode === 'nearest') {
        out[i * W + j] = map[Math.min(h - 1, Math.floor(((i + 0.5) * h) / H)) * w + Math.min(w - 1, Math.floor(((j + 0.5) * w) / W))];
        continue;
      }
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(y0 + 1, h - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const fy = sy - y0;
      const fx = sx - x0;
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[i * W + j] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
