// Scores for permutation importance (greater is better, as scikit-learn scorers): accuracy, loss, R^2, MSE, custom.

import { Tensor } from '../tensor/tensor.js';

export type ScoringName = 'accuracy' | 'loss' | 'r2' | 'mse';
/** A custom score of predictions against targets; greater must mean better. */
export type ScoreFn = (yTrue: Tensor, yPred: Tensor) => number;
export type Scoring = ScoringName | ScoreFn;

/** Score of predictions [n, outputs] against targets y (class indices [n], or values [n] / [n, outputs]). */
export function score(scoring: Scoring, y: Tensor, pred: Float32Array, n: number, outputs: number): number {
  if (typeof scoring === 'function') {
    const s = scoring(y, new Tensor(pred.slice(0, n * outputs), [n, outputs]));
    if (!Number.isFinite(s)) throw new Error(`permutationImportance: the custom scoring function returned ${s}`);
    return s;
  }
  const t = y.values;
  switch (scoring) {
    case 'accuracy': {
      let hit = 0;
      for (let r = 0; r < n; r++) hit += predictedClass(pred, r, outputs) === t[r] ? 1 : 0;
      return hit / n;
    }
    case 'loss': {
      if (y.dtype === 'float32' && !looksLikeLabels(y, outputs)) return -mse(t, pred, n, outputs);
      let loss = 0;
      for (let r = 0; r < n; r++) {
        const c = t[r];
        const p = outputs === 1 ? (c === 1 ? pred[r] : 1 - pred[r]) : pred[r * outputs + c];
        loss -= Math.log(Math.min(1, Math.max(p, 1e-15)));
      }
      return -loss / n;
    }
    case 'mse':
      return -mse(t, pred, n, outputs);
    case 'r2': {
      let res = 0;
      let tot = 0;
      for (let o = 0; o < outputs; o++) {
        let mean = 0;
        for (let r = 0; r < n; r++) mean += t[r * outputs + o] / n;
        for (let r = 0; r < n; r++) {
          res += (t[r * outputs + o] - pred[r * outputs + o]) ** 2;
          tot += (t[r * outputs + o] - mean) ** 2;
        }
      }
      return tot > 0 ? 1 - res / tot : 0;
    }
    default:
      throw new Error(`permutationImportance: unknown scoring '${String(scoring)}'; use 'accuracy', 'loss', 'r2', 'mse' or a function (yTrue, yPred) => number`);
  }
}

function predictedClass(pred: Float32Array, r: number, outputs: number): number {
  if (outputs === 1) return pred[r] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let o = 1; o < outputs; o++) if (pred[r * outputs + o] > pred[r * outputs + best]) best = o;
  return best;
}

function mse(t: ArrayLike<number>, pred: Float32Array, n: number, outputs: number): number {
  if (t.length !== n * outputs) throw new Error(`permutationImportance: targets have ${t.length} values for ${n} rows x ${outputs} outputs`);
  let s = 0;
  for (let i = 0; i < n * outputs; i++) s += (t[i] - pred[i]) ** 2;
  return s / (n * outputs);
}

function looksLikeLabels(y: Tensor, outputs: number): boolean {
  return y.rank === 1 && outputs > 1;
}

/** The default score: accuracy for class labels, R^2 for values. */
export function defaultScoring(y: Tensor, task: 'classification' | 'regression' | undefined): ScoringName {
  if (task) return task === 'classification' ? 'accuracy' : 'r2';
  return y.dtype === 'int32' ? 'accuracy' : 'r2';
}
