// The per-row driver shared by the Shapley methods: names, groups, background, progress, additivity check.

import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { type Background, prepareBackground } from './background.js';
import { type CoalitionEvaluator, backgroundMean, callChunked, chooseShortcut, coalitionEvaluator } from './coalitions.js';
import { Explanation, type JsonValue } from './explanation.js';
import { type ResolvedGroups, resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkRows, floatRows, groupsFrom, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { BackgroundOptions, CommonOptions, FastPath, Predictor } from './types.js';

export interface RowResult {
  /** Attributions [G, outputs]. */
  phi: Float64Array;
  /** Standard errors [G, outputs], or null when exact. */
  se: Float64Array | null;
  diagnostics?: Record<string, number>;
}

export interface ShapleyOptions extends CommonOptions, BackgroundOptions {
  /** The exact shortcut through the model's first linear map (default true: when it pays). */
  fastPath?: FastPath;
  /** x is a shard of a larger set (distributed runs): its rows give the numbers they give in a run over the whole set. */
  shard?: ShardPlacement;
}

/** Where a shard's rows sit in the whole set, and f(x) as `shapleyPredictions` computed it over the whole set. */
export interface ShardPlacement {
  /** Index of x's first row in the whole set: row r draws from the random stream of row firstRow + r. */
  firstRow: number;
  /** f(x) for x's rows, flat [rows, outputs]: a row's prediction can differ in the last bit with the batch it is computed in. */
  predictions: Float32Array;
}

/** f(x) for every row as the Shapley driver computes it (one chunked call over the set), for shards to share. */
export async function shapleyPredictions(predictor: Predictor, x: Tensor, opts: CommonOptions = {}): Promise<Float32Array> {
  checkRows(x);
  const model = asModel(predictor, x.shape.slice(1));
  return callChunked(model, floatRows(x), x.shape[0], x.size / x.shape[0], { maxRowsPerCall: rowsPerCall(opts), signal: opts.signal });
}

export type RowSolver = (ev: CoalitionEvaluator, groups: ResolvedGroups, rng: Rng, row: number) => Promise<RowResult>;

/** Explains each row of x with `solve`, which sees a coalition evaluator for that row. */
export async function explainShapley(method: string, predictor: Predictor, x: Tensor, opts: ShapleyOptions, settings: Record<string, JsonValue>, solve: RowSolver): Promise<Explanation> {
  checkRows(x);
  const rowShape = x.shape.slice(1);
  const model = asModel(predictor, rowShape);
  const inputs = x.size / x.shape[0];
  const seed = opts.seed ?? 0;
  const bg: Background = prepareBackground(opts, rowShape, seed, method);
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const rows = x.shape[0];
  const data = floatRows(x);
  const rng = new Rng(seed);
  const shard = opts.shard ? checkShard(opts.shard, rows) : null;
  // Row r's stream is the r-th fork of the seed's generator: a shard skips the forks of the rows before it.
  for (let r = 0; r < (shard?.firstRow ?? 0); r++) rng.fork();
  let outputs = 0;
  let values = new Float32Array(0);
  let ses: Float32Array | null = null;
  let base = new Float32Array(0);
  let preds = new Float32Array(0);
  let maxGap = 0;
  let rowsEvaluated = 0;
  let fastPath = false;
  const diag: Record<string, number[]> = {};
  const callOpts = { maxRowsPerCall: rowsPerCall(opts), signal: opts.signal };
  // Model calls shared by every row: f(x) for all rows, and the background mean.
  const fxAll = shard?.predictions ?? await callChunked(model, data, rows, inputs, callOpts);
  const K = fxAll.length / rows;
  const fnull = await backgroundMean(model, bg, inputs, callOpts);
  // Through z, a coalition's row costs (groups + 1) multiply-adds per unit of z (linear-coalitions.ts).
  const shortcut = chooseShortcut(model, inputs, G + 1, opts.fastPath);
  for (let r = 0; r < rows; r++) {
    checkAbort(opts.signal);
    const ev = await coalitionEvaluator(model, data.subarray(r * inputs, (r + 1) * inputs), bg, groups, {
      ...callOpts, fx: Float64Array.from(fxAll.subarray(r * K, (r + 1) * K)), fnull, first: shortcut.first,
    });
    if (r === 0) {
      outputs = ev.outputs;
      if (outputs !== K) throw new Error(`explain: shard.predictions hold ${K} outputs per row, the model gives ${outputs}`);
      values = new Float32Array(rows * G * outputs);
      base = new Float32Array(rows * outputs);
      preds = new Float32Array(rows * outputs);
    }
    let res: RowResult;
    try {
      res = await solve(ev, groups, rng.fork(), r);
    } finally {
      ev.dispose();
    }
    values.set(res.phi, r * G * outputs);
    if (res.se) {
      ses ??= new Float32Array(rows * G * outputs);
      ses.set(res.se, r * G * outputs);
    }
    for (let o = 0; o < outputs; o++) {
      base[r * outputs + o] = ev.fnull[o];
      preds[r * outputs + o] = ev.fx[o];
      let s = 0;
      for (let g = 0; g < G; g++) s += res.phi[g * outputs + o];
      maxGap = Math.max(maxGap, Math.abs(s - (ev.fx[o] - ev.fnull[o])));
    }
    for (const [k, v] of Object.entries(res.diagnostics ?? {})) (diag[k] ??= []).push(v);
    // A shard counts its background rows but not f(x), which it was given.
    rowsEvaluated += ev.rowsEvaluated + (r === 0 ? (shard ? 0 : rows) + bg.n : 0);
    fastPath ||= ev.fastPath;
    opts.onProgress?.({ method, done: r + 1, total: rows });
    await yieldToEventLoop();
  }
  return new Explanation({
    method, settings: { ...settings, seed, backgroundRows: bg.n }, kind: 'local', rows, features: G, outputs, values, stdErrors: ses,
    baseValues: base, predictions: preds, data, inputShape: rowShape, featureNames: groups.names, inputNames,
    groups: groups.groups, outputNames: resolveOutputNames(opts, model, outputs), targets: null,
    diagnostics: { additivityGap: maxGap, modelRows: rowsEvaluated, fastPath, shortcut: shortcut.choice, ...diag },
  });
}

export const SHAPLEY_KEYS = ['background', 'summarize', 'maxBackground', 'fastPath', 'shard'] as const;

function checkShard(s: ShardPlacement, rows: number): ShardPlacement {
  if (!Number.isSafeInteger(s.firstRow) || s.firstRow < 0) throw new Error(`explain: shard.firstRow must be a non-negative integer, got ${s.firstRow}`);
  if (!(s.predictions instanceof Float32Array) || s.predictions.length === 0 || s.predictions.length % rows !== 0) {
    throw new Error(`explain: shard.predictions must be a Float32Array of [${rows}, outputs] values`);
  }
  return s;
}
