// Which outputs a per-output explainer explains for each row: all of them, the predicted class, or a list.

import type { OutputSelection } from './types.js';
import type { Model } from './predictor.js';
import { callChunked } from './coalitions.js';

/** The outputs explained for one row with predictions `pred` (K of them). */
export function targetsFor(sel: OutputSelection, pred: ArrayLike<number>, K: number, method: string): Int32Array {
  if (sel === 'all') return Int32Array.from({ length: K }, (_, i) => i);
  if (sel === 'predicted') {
    let best = 0;
    for (let k = 1; k < K; k++) if (pred[k] > pred[best]) best = k;
    return Int32Array.of(best);
  }
  if (!Array.isArray(sel) || sel.length === 0 || sel.some((k) => !Number.isInteger(k) || k < 0 || k >= K)) {
    throw new Error(`${method}: outputs must be 'all', 'predicted' or indices in 0..${K - 1}, got ${JSON.stringify(sel)}`);
  }
  return Int32Array.from(sel);
}

/** Targets of every row from predictions [rows, K]. */
export function targetsOfRows(sel: OutputSelection, preds: Float32Array, rows: number, method: string): Int32Array[] {
  const K = preds.length / rows;
  return Array.from({ length: rows }, (_, r) => targetsFor(sel, preds.subarray(r * K, (r + 1) * K), K, method));
}

/** Output names of an explanation of these targets: per row ('predicted'), or the names of the targets. */
export function targetOutputNames(sel: OutputSelection, targets: Int32Array[], names: string[]): { outputNames: string[]; targets: Int32Array | null } {
  if (sel === 'predicted') return { outputNames: names, targets: Int32Array.from(targets, (t) => t[0]) };
  return { outputNames: targets[0].length === names.length ? names : Array.from(targets[0], (k) => names[k]), targets: null };
}

/** The model's outputs for every row (in calls of at most maxRows rows) and the targets each row explains. */
export async function predictTargets(
  model: Model, data: Float32Array, rows: number, sel: OutputSelection, opts: { maxRowsPerCall: number; signal?: AbortSignal }, method: string,
): Promise<{ preds: Float32Array; K: number; targets: Int32Array[]; T: number }> {
  const preds = await callChunked(model, data, rows, data.length / rows, opts);
  const targets = targetsOfRows(sel, preds, rows, method);
  return { preds, K: preds.length / rows, targets, T: targets[0].length };
}
