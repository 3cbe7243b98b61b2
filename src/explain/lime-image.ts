// LIME for images (as lime_image): superpixels switched on and off, hidden ones filled with their mean or
// a colour, cosine-distance kernel of width 0.25, weighted ridge on the on/off features.

import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { callChunked } from './coalitions.js';
import type { Explanation } from './explanation.js';
import { fitLime, limeExplanation, limeKernel, type LimeRowFit } from './lime-core.js';
import { gridSegments, slicSegments } from './segmentation.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { CommonOptions, FeatureGroup, Predictor } from './types.js';

export interface LimeImageOptions extends CommonOptions {
  /** [height, width] or [height, width, channels] of one image (default: from x's shape, or square from its width). */
  imageShape?: number[];
  /** 'grid' (default) or 'slic'; ignored when `groups` gives the superpixels. */
  segmentation?: 'grid' | 'slic';
  /** Grid patch size in pixels (default 4). */
  patchSize?: number;
  /** SLIC: about this many superpixels (default 50). */
  segments?: number;
  /** Fill for hidden superpixels: a number, or 'mean' of the superpixel (default, as lime). */
  hideColor?: number | 'mean';
  /** Samples per image (default 1000). */
  nSamples?: number;
  /** Superpixels kept in the surrogate (default all). */
  topK?: number;
  /** Kernel width on cosine distance (default 0.25). */
  kernelWidth?: number;
  /** Ridge penalty (default 1). */
  alpha?: number;
}

export async function limeImage(predictor: Predictor, x: Tensor, opts: LimeImageOptions = {}): Promise<Explanation> {
  checkOptionKeys('limeImage', opts, ['imageShape', 'segmentation', 'patchSize', 'segments', 'hideColor', 'nSamples', 'topK', 'kernelWidth', 'alpha']);
  checkRows(x);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const [height, width, channels] = imageShapeOf(x, opts.imageShape);
  if (height * width * channels !== inputs) throw new Error(`limeImage: imageShape ${height}x${width}x${channels} does not match ${inputs} values per row`);
  const model = asModel(predictor, x.shape.slice(1));
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const nSamples = opts.nSamples ?? 1000;
  const kernelWidth = opts.kernelWidth ?? 0.25;
  const alpha = opts.alpha ?? 1;
  const seed = opts.seed ?? 0;
  const segmentation = opts.segmentation ?? 'grid';
  if (segmentation !== 'grid' && segmentation !== 'slic') throw new Error(`limeImage: segmentation must be 'grid' or 'slic', got '${segmentation}'`);
  const rng = new Rng(seed);
  const data = floatRows(x);
  const maxRows = rowsPerCall(opts);
  const fits: LimeRowFit[] = [];
  let outputs = 0;
  let predictions = new Float32Array(0);
  let firstGroups: FeatureGroup[] | null = null;
  for (let r = 0; r < rows; r++) {
    checkAbort(opts.signal);
    const img = data.subarray(r * inputs, (r + 1) * inputs);
    const segs = opts.groups ?? (segmentation === 'grid'
      ? gridSegments(height, width, channels, opts.patchSize ?? 4)
      : slicSegments(img, height, width, channels, opts.segments ?? 50));
    if (firstGroups && segs.length !== firstGroups.length) {
      throw new Error('limeImage: SLIC gave images different numbers of segments; explain one image per call, or use grid segmentation');
    }
    firstGroups ??= segs;
    const P = segs.length;
    const fill = segs.map((g) => (opts.hideColor === undefined || opts.hideColor === 'mean' ? g.indices.reduce((s, i) => s + img[i], 0) / g.indices.length : opts.hideColor));
    const Z = new Float64Array(nSamples * P);
    const W = new Float64Array(nSamples);
    const buf = new Float32Array(nSamples * inputs);
    for (let s = 0; s < nSamples; s++) {
      const row = buf.subarray(s * inputs, (s + 1) * inputs);
      row.set(img);
      let on = 0;
      for (let p = 0; p < P; p++) {
        const z = s === 0 || rng.next() < 0.5 ? 1 : 0;
        Z[s * P + p] = z;
        on += z;
        if (!z) for (const i of segs[p].indices) row[i] = fill[p];
      }
      // Cosine distance between z and the all-ones vector: 1 - on / sqrt(on * P).
      const d = on === 0 ? 1 : 1 - on / Math.sqrt(on * P);
      W[s] = limeKernel(d * 100, kernelWidth * 100);
    }
    const y = Float64Array.from(await callChunked(model, buf, nSamples, inputs, { maxRowsPerCall: maxRows, signal: opts.signal }));
    outputs = y.length / nSamples;
    if (r === 0) predictions = new Float32Array(rows * outputs);
    for (let o = 0; o < outputs; o++) predictions[r * outputs + o] = y[o];
    fits.push(fitLime(Z, nSamples, P, y, outputs, W, Math.min(opts.topK ?? P, P), alpha));
    opts.onProgress?.({ method: 'lime-image', done: r + 1, total: rows });
    await yieldToEventLoop();
  }
  const groups = firstGroups!;
  return limeExplanation({
    method: 'lime-image', settings: { nSamples, segmentation: opts.groups ? 'given' : segmentation, kernelWidth, alpha, seed, hideColor: opts.hideColor ?? 'mean' },
    rows, units: groups.length, outputs, fits, predictions, data, inputShape: x.shape.slice(1), featureNames: groups.map((g) => g.name),
    inputNames, groups, outputNames: resolveOutputNames(opts, model, outputs), samples: fits.map(() => nSamples),
  });
}

/** [height, width, channels] from the option, x's shape [n, h, w, c], or a square of x's row width. */
export function imageShapeOf(x: Tensor, given?: number[]): [number, number, number] {
  if (given) {
    if (given.length < 2 || given.length > 3) throw new Error('imageShape must be [height, width] or [height, width, channels]');
    return [given[0], given[1], given[2] ?? 1];
  }
  if (x.rank === 4) return [x.shape[1], x.shape[2], x.shape[3]];
  if (x.rank === 3) return [x.shape[1], x.shape[2], 1];
  const side = Math.round(Math.sqrt(x.shape[1]));
  if (side * side !== x.shape[1]) throw new Error(`imageShape: cannot infer an image shape from rows of ${x.shape[1]} values; pass { imageShape: [height, width] }`);
  return [side, side, 1];
}
