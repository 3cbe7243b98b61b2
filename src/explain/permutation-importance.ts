// Permutation importance as scikit-learn defines it: the drop in score when one feature (or group) is
// shuffled across rows, n repeats, mean and std; seeded; optional early stop on the standard error.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Rng } from '../util/random.js';
import { callChunked, chooseShortcut } from './coalitions.js';
import type { FirstLinear } from '../plan/linear-first.js';
import { bucketRows } from '../plan/model-plans.js';
import { getBackend } from '../backend/backend.js';
import { Explanation } from './explanation.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, resolveFeatureNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import { type Scoring, defaultScoring, score } from './scoring.js';
import type { CommonOptions, FastPath, Predictor } from './types.js';

export interface PermutationImportanceOptions extends CommonOptions {
  /** Targets: class indices [n] (int32) or values [n] / [n, outputs]. Required. */
  y?: Tensor;
  /** 'accuracy', 'loss' (negated), 'r2', 'mse' (negated) or a function; default accuracy for labels, R^2 for values. */
  scoring?: Scoring;
  /** Shuffles per feature (default 5); with `tolerance`, the most. */
  nRepeats?: number;
  /** Stop repeating a feature once its standard error is below this (at least 3 repeats). */
  tolerance?: number;
  /** The exact shortcut through the model's first linear map (default true: when it pays). */
  fastPath?: FastPath;
}

export async function permutationImportance(predictor: Predictor, x: Tensor, opts: PermutationImportanceOptions = {}): Promise<Explanation> {
  checkOptionKeys('permutationImportance', opts, ['y', 'scoring', 'nRepeats', 'tolerance', 'fastPath']);
  checkRows(x);
  const y = opts.y;
  if (!y) throw new Error('permutationImportance: needs targets: pass { y } (class indices or values, one per row of x)');
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new Error(`permutationImportance: y has shape ${formatShape(y.shape)} but x has ${n} rows`);
  const nRepeats = opts.nRepeats ?? 5;
  if (!Number.isInteger(nRepeats) || nRepeats < 1) throw new Error(`permutationImportance: nRepeats must be a positive integer, got ${nRepeats}`);
  const model = asModel(predictor, x.shape.slice(1));
  const scoring = opts.scoring ?? defaultScoring(y, model.metadata?.task);
  const inputs = x.size / n;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const data = floatRows(x);
  const seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const maxRows = rowsPerCall(opts);
  // With the exact fast path, the model itself predicts a sample of rows to check it; else all rows.
  // Through z, a shuffled row costs one multiply-add per unit of z for each column of the group.
  const meanGroup = groups.members.reduce((s, m) => s + m.length, 0) / G;
  const shortcut = chooseShortcut(model, inputs, meanGroup, opts.fastPath);
  const first = shortcut.first;
  const checked = first ? Math.min(n, 512) : n;
  const modelPred = await callChunked(model, data, checked, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const fast = first ? fastPermuter(first, data, n, modelPred, checked, maxRows) : null;
  const basePred = fast ? fast.baseline : checked === n ? modelPred : await callChunked(model, data, n, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const outputs = basePred.length / n;
  const baseline = score(scoring, y, basePred, n, outputs);

  const mean = new Float32Array(G);
  const std = new Float32Array(G);
  const se = new Float32Array(G);
  const repeatsUsed: number[] = [];
  const buf = new Float32Array(Math.min(n, maxRows) * inputs);
  let modelRows = fast ? 0 : n;
  for (let g = 0; g < G; g++) {
    const drops: number[] = [];
    const cols = groups.members[g];
    for (let k = 0; k < nRepeats; k++) {
      checkAbort(opts.signal);
      const perm = rng.permutation(n);
      let pred: Float32Array;
      if (fast) pred = fast.permuted(cols, perm);
      else {
        // Only rows whose group values change go to the model: the others keep their prediction (exact).
        pred = Float32Array.from(basePred);
        let filled = 0;
        const rowsOf = new Int32Array(Math.min(n, maxRows));
        const flush = async () => {
          const yv = (await model.call(buf, filled)).values;
          for (let i = 0; i < filled; i++) pred.set(yv.subarray(i * outputs, (i + 1) * outputs), rowsOf[i] * outputs);
          modelRows += filled;
          filled = 0;
        };
        for (let r = 0; r < n; r++) {
          const from = perm[r] * inputs;
          let moved = false;
          for (let m = 0; m < cols.length && !moved; m++) moved = data[from + cols[m]] !== data[r * inputs + cols[m]];
          if (!moved) continue;
          const at = filled * inputs;
          buf.set(data.subarray(r * inputs, (r + 1) * inputs), at);
          for (let m = 0; m < cols.length; m++) buf[at + cols[m]] = data[from + cols[m]];
          rowsOf[filled++] = r;
          if (filled === rowsOf.length) await flush();
        }
        if (filled > 0) await flush();
      }
      drops.push(baseline - score(scoring, y, pred, n, outputs));
      if (opts.tolerance !== undefined && drops.length >= 3 && stats(drops).se < opts.tolerance) break;
    }
    const s = stats(drops);
    [mean[g], std[g], se[g]] = [s.mean, s.std, s.se];
    repeatsUsed.push(drops.length);
    opts.onProgress?.({ method: 'permutation-importance', done: g + 1, total: G });
    await yieldToEventLoop();
  }
  const scoringName = typeof scoring === 'function' ? 'custom' : scoring;
  return new Explanation({
    method: 'permutation-importance', settings: { scoring: scoringName, nRepeats, seed, tolerance: opts.tolerance ?? null, rows: n },
    kind: 'global', rows: 1, features: G, outputs: 1, values: mean, stdErrors: se, baseValues: Float32Array.of(baseline),
    predictions: null, data: null, inputShape: x.shape.slice(1), featureNames: groups.names, inputNames, groups: groups.groups,
    outputNames: [scoringName], targets: null,
    diagnostics: { baselineScore: baseline, std: Array.from(std), repeats: repeatsUsed, ...(fast ? {} : { modelRows }), fastPath: fast !== null, shortcut: fast || !first ? shortcut.choice : 'not used: it did not reproduce the model' },
  });
}

/** Mean, population std (as scikit-learn's importances_std) and standard error of the mean. */
function stats(v: number[]): { mean: number; std: number; se: number } {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
  const sample = v.length > 1 ? (variance * v.length) / (v.length - 1) : 0;
  return { mean: m, std: Math.sqrt(variance), se: Math.sqrt(sample / v.length) };
}

/**
 * For models whose input first meets one linear map: z = x W + b once; shuffling group g changes z by
 * (x_perm,g - x_g) W_g, so each repeat costs a rank-|g| update plus the rest of the model (a plan from z)
 * for the rows that changed. Verified against the model's own predictions on the first rows.
 */
function fastPermuter(first: FirstLinear, data: Float32Array, n: number, basePred: Float32Array, checked: number, maxRows: number) {
  const be = getBackend();
  const { kernel: w, bias, units, inputs } = first;
  const z = new Float32Array(n * units);
  be.matmul(data, w, z, { batch: 1, m: n, k: inputs, n: units, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
  if (bias) be.biasActivation(z, bias, z, n, units, 'linear');
  const own = runRest(first, z, n, maxRows);
  // The model's own outputs for the first `checked` rows must match ours before ours are trusted.
  for (let i = 0; i < checked * (own.length / n); i++) if (Math.abs(own[i] - basePred[i]) > 1e-4 * (1 + Math.abs(basePred[i]))) return null;
  const outputs = own.length / n;
  const zp = new Float32Array(n * units);
  const changed = new Int32Array(n);
  let diff = new Float32Array(0);
  let wg = new Float32Array(0);
  return {
    baseline: own,
    permuted(cols: Int32Array | number[], perm: Int32Array): Float32Array {
      // Only rows whose group values actually change need the rest of the model: gather their
      // differences d = x_perm,g - x_g, then z' = z + d W_g as one small GEMM.
      const k = cols.length;
      if (diff.length < n * k) diff = new Float32Array(n * k);
      if (wg.length < k * units) wg = new Float32Array(k * units);
      for (let c = 0; c < k; c++) wg.set(w.subarray(cols[c] * units, (cols[c] + 1) * units), c * units);
      let nc = 0;
      for (let r = 0; r < n; r++) {
        const pr = perm[r];
        let moved = false;
        for (let c = 0; c < k; c++) {
          const d = data[pr * inputs + cols[c]] - data[r * inputs + cols[c]];
          diff[nc * k + c] = d;
          if (d !== 0) moved = true;
        }
        if (moved) changed[nc++] = r;
      }
      const pred = Float32Array.from(own);
      if (nc === 0) return pred;
      be.matmul(diff.subarray(0, nc * k), wg.subarray(0, k * units), zp.subarray(0, nc * units), { batch: 1, m: nc, k, n: units, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      for (let i = 0; i < nc; i++) {
        const zo = changed[i] * units;
        for (let j = 0; j < units; j++) zp[i * units + j] += z[zo + j];
      }
      const y = runRest(first, zp, nc, maxRows);
      for (let i = 0; i < nc; i++) pred.set(y.subarray(i * outputs, (i + 1) * outputs), changed[i] * outputs);
      return pred;
    },
  };
}

/** The rest of the model on z [rows, units], in padded chunks of at most maxRows rows. */
function runRest(first: FirstLinear, z: Float32Array, rows: number, callRows: number): Float32Array {
  const units = first.units;
  const maxRows = Math.min(callRows, first.memoryRows);
  let out: Float32Array | null = null;
  for (let r0 = 0; r0 < rows; r0 += maxRows) {
    const n = Math.min(maxRows, rows - r0);
    const plan = first.rest(bucketRows(n, maxRows));
    const input = plan.inputs.z;
    input.fill(0).set(z.subarray(r0 * units, (r0 + n) * units));
    plan.run();
    const y = plan.outputs.y;
    const perRow = y.length / (input.length / units);
    out ??= new Float32Array(rows * perRow);
    out.set(y.subarray(0, n * perRow), r0 * perRow);
  }
  return out ?? new Float32Array(0);
}
