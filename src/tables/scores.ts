// Scores in the user's units and the trivial baseline beside them: accuracy and log loss, or MSE, RMSE, MAE and R².

import { Tensor } from '../tensor/tensor.js';
import type { TableBaseline } from '../data/table-pipeline.js';
import { score } from '../explain/scoring.js';

export type Scores = Record<string, number>;

/** Scores of outputs (probabilities [n, classes], or values [n, 1] in target units) against targets in user units. */
export function tableScores(task: 'classification' | 'regression', yTrue: Tensor, out: Tensor): Scores {
  const n = out.shape[0];
  const k = out.size / Math.max(n, 1);
  const pred = out.values as Float32Array;
  if (task === 'classification') return { accuracy: score('accuracy', yTrue, pred, n, k), loss: -score('loss', yTrue, pred, n, k) };
  const mse = -score('mse', yTrue, pred, n, k);
  let abs = 0;
  for (let i = 0; i < n * k; i++) abs += Math.abs(yTrue.values[i] - pred[i]);
  return { mse, rmse: Math.sqrt(mse), mae: abs / (n * k), r2: score('r2', yTrue, pred, n, k) };
}

/** What the trivial model outputs for n rows: the training mean, or the training class shares. */
export function baselineOutputs(baseline: TableBaseline, n: number): Tensor {
  if (baseline.kind === 'mean') return new Tensor(new Float32Array(n).fill(baseline.value), [n, 1]);
  const total = baseline.classCounts.reduce((a, b) => a + b, 0);
  const k = baseline.classCounts.length;
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) baseline.classCounts.forEach((c, j) => (out[r * k + j] = c / total));
  return new Tensor(out, [n, k]);
}

/** The baseline's scores on the same rows, keys prefixed `baseline_`. */
export function baselineScores(baseline: TableBaseline, yTrue: Tensor): Scores {
  const task = baseline.kind === 'mean' ? 'regression' : 'classification';
  const s = tableScores(task, yTrue, baselineOutputs(baseline, yTrue.shape[0]));
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [`baseline_${k}`, v]));
}

/** The baseline's class counts from training labels (class indices). */
export function majorityBaseline(labels: Tensor, classes: number): TableBaseline {
  const counts = new Array<number>(classes).fill(0);
  for (const c of labels.values) counts[c]++;
  return { kind: 'majority', classCounts: counts };
}

/** A warning when the model scores no better than the baseline on the headline metric (accuracy, or MSE); else null. */
export function baselineWarning(scores: Scores, baseline: Scores): string | null {
  if (scores.accuracy !== undefined && baseline.baseline_accuracy !== undefined && !(scores.accuracy > baseline.baseline_accuracy)) {
    return `warning: the model's accuracy ${fmt(scores.accuracy)} does not beat always predicting the most frequent training class ` +
      `(${fmt(baseline.baseline_accuracy)}); train longer or on more rows, or check the features`;
  }
  if (scores.mse !== undefined && baseline.baseline_mse !== undefined && !(scores.mse < baseline.baseline_mse)) {
    return `warning: the model's MSE ${fmt(scores.mse)} does not beat always predicting the training mean (MSE ${fmt(baseline.baseline_mse)}); ` +
      'train longer or on more rows, or check the features';
  }
  return null;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
