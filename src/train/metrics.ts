// Streaming metrics accumulated over an epoch: accuracy variants, mse, mae, precision, recall, AUC.

import type { Tensor } from '../tensor/tensor.js';

export interface Metric {
  readonly name: string;
  reset(): void;
  /** Adds a batch: targets as given to fit, predictions as probabilities / values. */
  update(yTrue: Tensor, yPred: Tensor): void;
  result(): number;
}

/** Reads targets as class indices, whether given as indices ([n] or [n,1]) or one-hot rows. */
function classIndex(yTrue: Tensor, row: number, classes: number): number {
  if (yTrue.size === yTrue.shape[0]) return yTrue.values[row];
  let best = 0;
  for (let c = 1; c < classes; c++) if (yTrue.values[row * classes + c] > yTrue.values[row * classes + best]) best = c;
  return best;
}

function argMaxRow(p: Tensor, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (p.values[row * classes + c] > p.values[row * classes + best]) best = c;
  return best;
}

class MeanMetric implements Metric {
  private total = 0;
  private count = 0;
  constructor(readonly name: string, private readonly perBatch: (t: Tensor, p: Tensor) => [number, number]) {}
  reset() {
    this.total = 0;
    this.count = 0;
  }
  update(t: Tensor, p: Tensor) {
    const [sum, n] = this.perBatch(t, p);
    this.total += sum;
    this.count += n;
  }
  result() {
    return this.count === 0 ? NaN : this.total / this.count;
  }
}

export const categoricalAccuracy = (name = 'accuracy') =>
  new MeanMetric(name, (t, p) => {
    const rows = p.shape[0];
    const classes = p.size / rows;
    let hits = 0;
    for (let r = 0; r < rows; r++) if (classIndex(t, r, classes) === argMaxRow(p, r, classes)) hits++;
    return [hits, rows];
  });

export const binaryAccuracy = (name = 'accuracy', threshold = 0.5) =>
  new MeanMetric(name, (t, p) => {
    let hits = 0;
    for (let i = 0; i < p.size; i++) if ((p.values[i] > threshold ? 1 : 0) === (t.values[i] > 0.5 ? 1 : 0)) hits++;
    return [hits, p.size];
  });

export const meanSquaredErrorMetric = (name = 'mse') =>
  new MeanMetric(name, (t, p) => {
    let s = 0;
    for (let i = 0; i < p.size; i++) s += (p.values[i] - t.values[i]) ** 2;
    return [s, p.size];
  });

export const meanAbsoluteErrorMetric = (name = 'mae') =>
  new MeanMetric(name, (t, p) => {
    let s = 0;
    for (let i = 0; i < p.size; i++) s += Math.abs(p.values[i] - t.values[i]);
    return [s, p.size];
  });

/**
 * Precision or recall. Binary/multi-label outputs use threshold 0.5; multi-class outputs
 * (softmax) are macro-averaged over classes, one-vs-rest on the argmax.
 */
class ConfusionMetric implements Metric {
  private tp = new Map<number, number>();
  private fp = new Map<number, number>();
  private fn = new Map<number, number>();
  constructor(readonly name: string, private readonly kind: 'precision' | 'recall', private readonly multiClass: boolean) {}
  reset() {
    this.tp.clear();
    this.fp.clear();
    this.fn.clear();
  }
  private bump(m: Map<number, number>, k: number) {
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  update(t: Tensor, p: Tensor) {
    const rows = p.shape[0];
    const classes = p.size / rows;
    if (this.multiClass && classes > 1) {
      for (let r = 0; r < rows; r++) {
        const truth = classIndex(t, r, classes);
        const pred = argMaxRow(p, r, classes);
        if (truth === pred) this.bump(this.tp, truth);
        else {
          this.bump(this.fp, pred);
          this.bump(this.fn, truth);
        }
      }
      return;
    }
    for (let i = 0; i < p.size; i++) {
      const truth = t.values[i] > 0.5;
      const pred = p.values[i] > 0.5;
      if (truth && pred) this.bump(this.tp, 0);
      else if (pred) this.bump(this.fp, 0);
      else if (truth) this.bump(this.fn, 0);
    }
  }
  result() {
    const classes = new Set([...this.tp.keys(), ...this.fp.keys(), ...this.fn.keys()]);
    if (classes.size === 0) return 0;
    let total = 0;
    for (const c of classes) {
      const tp = this.tp.get(c) ?? 0;
      const other = (this.kind === 'precision' ? this.fp : this.fn).get(c) ?? 0;
      total += tp + other === 0 ? 0 : tp / (tp + other);
    }
    return total / classes.size;
  }
}

/** Exact ROC AUC (rank statistic, ties counted half); multi-class is macro one-vs-rest. */
class AucMetric implements Metric {
  private scores: number[][] = [];
  private labels: number[][] = [];
  constructor(readonly name: string) {}
  reset() {
    this.scores = [];
    this.labels = [];
  }
  update(t: Tensor, p: Tensor) {
    const rows = p.shape[0];
    const classes = p.size / rows;
    const sparse = t.size === rows && classes > 1;
    for (let c = 0; c < classes; c++) {
      this.scores[c] ??= [];
      this.labels[c] ??= [];
      for (let r = 0; r < rows; r++) {
        this.scores[c].push(p.values[r * classes + c]);
        this.labels[c].push(sparse ? +(t.values[r] === c) : +(t.values[r * classes + c] > 0.5));
      }
    }
  }
  result() {
    const aucs = this.scores.map((s, c) => rocAuc(s, this.labels[c])).filter((a) => !Number.isNaN(a));
    return aucs.length === 0 ? NaN : aucs.reduce((a, b) => a + b, 0) / aucs.length;
  }
}

export function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) j++;
    const avgRank = (i + j + 1) / 2; // 1-based ranks averaged over ties
    for (let k = i; k < j; k++) if (labels[order[k]]) {
      pos++;
      rankSum += avgRank;
    }
    i = j;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export type MetricSpec = string | Metric;

/** Resolves a metric name; 'accuracy' picks binary or categorical from the loss, as Keras does. */
export function getMetric(spec: MetricSpec, lossName: string): Metric {
  if (typeof spec !== 'string') return spec;
  const multiClass = lossName === 'categoricalCrossentropy' || lossName === 'sparseCategoricalCrossentropy';
  switch (spec) {
    case 'accuracy':
    case 'acc':
      return multiClass ? categoricalAccuracy('accuracy') : binaryAccuracy('accuracy');
    case 'categoricalAccuracy':
      return categoricalAccuracy('categoricalAccuracy');
    case 'sparseCategoricalAccuracy':
      return categoricalAccuracy('sparseCategoricalAccuracy');
    case 'binaryAccuracy':
      return binaryAccuracy('binaryAccuracy');
    case 'mse':
    case 'meanSquaredError':
      return meanSquaredErrorMetric(spec);
    case 'mae':
    case 'meanAbsoluteError':
      return meanAbsoluteErrorMetric(spec);
    case 'precision':
      return new ConfusionMetric('precision', 'precision', multiClass);
    case 'recall':
      return new ConfusionMetric('recall', 'recall', multiClass);
    case 'auc':
    case 'AUC':
      return new AucMetric('auc');
    default:
      throw new Error(`unknown metric '${spec}'; use accuracy, mse, mae, precision, recall or auc`);
  }
}
