// Occlusion (Zeiler & Fergus 2014, as captum's Occlusion): a window slides over the input grid with a
// stride, its inputs (all channels) are set to a baseline, and every input covered gets the mean over the
// windows covering it of f(x) - f(x occluded). Model-agnostic: batched calls of the model only.

import type { Tensor } from '../tensor/tensor.js';
import { inferenceGraph } from '../plan/model-plans.js';
import { inputGrid } from '../plan/layer-values.js';
import { callChunked } from './coalitions.js';
import { Explanation } from './explanation.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop, type Model,
} from './predictor.js';
import type { CommonOptions, Predictor } from './types.js';

export interface OcclusionOptions extends Omit<CommonOptions, 'groups'> {
  /** Window [height, width] (or one side) on the image grid (default 4 on images, 1 on flat rows). */
  window?: number | [number, number];
  /** Steps between windows (default: the window, so windows tile the grid). */
  stride?: number | [number, number];
  /** What occluded inputs become: a number (default 0) or one row. */
  baseline?: number | Tensor;
  /** The grid of one row, [height, width] or [height, width, channels] (default: the rows' own shape or the model's image input, else one line). */
  imageShape?: number[];
}

export async function occlusion(predictor: Predictor, x: Tensor, opts: OcclusionOptions = {}): Promise<Explanation> {
  checkOptionKeys('occlusion', opts, ['window', 'stride', 'baseline', 'imageShape']);
  if ((opts as CommonOptions).groups !== undefined) throw new Error('occlusion: attributes to every input through its windows; groups do not apply (use window and stride)');
  checkRows(x);
  const rowShape = x.shape.slice(1);
  const model = asModel(predictor, rowShape);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  const [H, W, C] = gridOf(model, x, opts.imageShape);
  if (H * W * C !== inputs) throw new Error(`occlusion: imageShape ${H}x${W}x${C} does not match the ${inputs} values of a row`);
  const image = H > 1;
  const pair = (v: number | [number, number] | undefined, fallback: [number, number], what: string): [number, number] => {
    const p: [number, number] = v === undefined ? fallback : typeof v === 'number' ? (image ? [v, v] : [1, v]) : v;
    if (!p.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`occlusion: ${what} must be positive integers, got ${JSON.stringify(v)}`);
    return p;
  };
  const win = pair(opts.window, image ? [Math.min(4, H), Math.min(4, W)] : [1, 1], 'window');
  if (win[0] > H || win[1] > W) throw new Error(`occlusion: window ${win[0]}x${win[1]} is larger than the ${H}x${W} grid`);
  const stride = pair(opts.stride, win, 'stride');
  const baseline = baselineRow(opts.baseline, inputs);
  const windows = windowOrigins(H, win[0], stride[0]).flatMap((r) => windowOrigins(W, win[1], stride[1]).map((c) => [r, c] as const));
  const data = floatRows(x);
  const maxRows = rowsPerCall(opts);
  const fx = await callChunked(model, data, rows, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const K = fx.length / rows;
  // How many windows cover each input (the same for every row).
  const count = new Float32Array(inputs);
  for (const [r, c] of windows) forEachCovered(r, c, win, W, C, (i) => count[i]++);
  const values = new Float32Array(rows * inputs * K);
  const perCall = Math.max(1, Math.floor(maxRows / windows.length)) * windows.length;
  const batch = new Float32Array(Math.min(rows * windows.length, perCall) * inputs);
  let modelRows = rows;
  const jobs = rows * windows.length;
  for (let j0 = 0; j0 < jobs; j0 += perCall) {
    checkAbort(opts.signal);
    const j1 = Math.min(jobs, j0 + perCall);
    for (let j = j0; j < j1; j++) {
      const row = Math.floor(j / windows.length);
      const [r, c] = windows[j % windows.length];
      const o = (j - j0) * inputs;
      batch.set(data.subarray(row * inputs, (row + 1) * inputs), o);
      forEachCovered(r, c, win, W, C, (i) => (batch[o + i] = baseline[i]));
    }
    const y = (await model.call(batch, j1 - j0)).values;
    modelRows += j1 - j0;
    for (let j = j0; j < j1; j++) {
      const row = Math.floor(j / windows.length);
      const [r, c] = windows[j % windows.length];
      const yo = (j - j0) * K;
      forEachCovered(r, c, win, W, C, (i) => {
        const vo = (row * inputs + i) * K;
        for (let k = 0; k < K; k++) values[vo + k] += (fx[row * K + k] - y[yo + k]) / count[i];
      });
    }
    opts.onProgress?.({ method: 'occlusion', done: Math.floor(j1 / windows.length), total: rows });
    await yieldToEventLoop();
  }
  const baseValues = (await model.call(tile(baseline, 1), 1)).values;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  return new Explanation({
    method: 'occlusion', settings: { window: win, stride, baseline: typeof opts.baseline === 'number' || opts.baseline === undefined ? (opts.baseline ?? 0) : 'given row' },
    kind: 'local', rows, features: inputs, outputs: K, values, stdErrors: null, baseValues: tile(baseValues, rows), predictions: fx, data, inputShape: rowShape,
    featureNames: inputNames, inputNames, groups: null, outputNames: resolveOutputNames(opts, model, K), targets: null,
    diagnostics: { windowsPerRow: windows.length, imageGrid: [H, W, C], modelRows },
  });
}

/** Window starts 0, stride, 2 stride, ... and one flush with the far edge, so every position is covered. */
export function windowOrigins(size: number, window: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s + window <= size; s += stride) starts.push(s);
  if (starts[starts.length - 1] + window < size) starts.push(size - window);
  return starts;
}

function forEachCovered(r0: number, c0: number, win: [number, number], W: number, C: number, f: (i: number) => void): void {
  for (let r = r0; r < r0 + win[0]; r++) for (let c = c0; c < c0 + win[1]; c++) for (let ch = 0; ch < C; ch++) f((r * W + c) * C + ch);
}

function baselineRow(b: number | Tensor | undefined, inputs: number): Float32Array {
  if (b === undefined || typeof b === 'number') {
    const v = b ?? 0;
    if (!Number.isFinite(v)) throw new Error(`occlusion: baseline must be a finite number or one row, got ${v}`);
    return new Float32Array(inputs).fill(v);
  }
  const row = floatRows(b);
  if (row.length !== inputs) throw new Error(`occlusion: the baseline has ${row.length} values but rows have ${inputs}; pass one row or a number`);
  return row;
}

function tile(v: Float32Array, n: number): Float32Array {
  const out = new Float32Array(v.length * n);
  for (let i = 0; i < n; i++) out.set(v, i * v.length);
  return out;
}

/** [height, width, channels] of one row: given, the rows' own shape, the model's image input, or one line of values. */
function gridOf(model: Model, x: Tensor, given: number[] | undefined): [number, number, number] {
  if (given) {
    if (given.length < 2 || given.length > 3 || !given.every((d) => Number.isInteger(d) && d > 0)) throw new Error('occlusion: imageShape must be [height, width] or [height, width, channels]');
    return [given[0], given[1], given[2] ?? 1];
  }
  if (x.rank === 4) return [x.shape[1], x.shape[2], x.shape[3]];
  if (x.rank === 3) return [x.shape[1], x.shape[2], 1];
  if (model.traceable) {
    const probe = inferenceGraph(model.traceable, 1, 'float32');
    const grid = inputGrid(probe.graph, probe.x);
    if (grid) return grid;
  }
  const shape = model.metadata && (model.metadata as { imageShape?: number[] }).imageShape;
  if (Array.isArray(shape) && shape.length >= 2) return [shape[0], shape[1], shape[2] ?? 1];
  return [1, x.size / x.shape[0], 1];
}
