// Metrics against hand-counted examples: accuracy variants, mse, mae, precision, recall, AUC.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { getMetric, rocAuc, type Metric } from './metrics.js';

const once = (m: Metric, t: gb.Tensor, p: gb.Tensor) => {
  m.reset();
  m.update(t, p);
  return m.result();
};

describe('accuracy', () => {
  it('binary accuracy thresholds predictions at 0.5', () => {
    // hits: 0.9->1 yes, 0.4->0 yes, 0.3->0 vs 1 no, 0.6->1 vs 0 no
    expect(once(getMetric('accuracy', 'binaryCrossentropy'), gb.tensor2d([[1], [0], [1], [0]]), gb.tensor2d([[0.9], [0.4], [0.3], [0.6]]))).toBe(0.5);
    expect(once(getMetric('binaryAccuracy', 'meanSquaredError'), gb.tensor1d([1, 1, 0]), gb.tensor2d([[0.7], [0.2], [0.1]]))).toBeCloseTo(2 / 3, 12);
  });

  it('categorical accuracy compares argmax with one-hot or index targets', () => {
    const p = gb.tensor2d([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]]);
    // argmax: 1, 0, 2, 1
    expect(once(getMetric('accuracy', 'categoricalCrossentropy'), gb.oneHot(gb.tensor1d([1, 0, 0, 2], undefined, 'int32'), 3), p)).toBe(0.5);
    expect(once(getMetric('accuracy', 'sparseCategoricalCrossentropy'), gb.tensor1d([1, 0, 2, 2], undefined, 'int32'), p)).toBe(0.75);
    expect(once(getMetric('sparseCategoricalAccuracy', 'meanSquaredError'), gb.tensor2d([[1], [2], [2], [1]]), p)).toBe(0.75);
    expect(getMetric('acc', 'sparseCategoricalCrossentropy').name).toBe('accuracy');
  });

  it('streams over batches and resets', () => {
    const m = getMetric('accuracy', 'sparseCategoricalCrossentropy');
    m.update(gb.tensor1d([0, 1]), gb.tensor2d([[0.9, 0.1], [0.8, 0.2]])); // 1 of 2
    m.update(gb.tensor1d([1, 1, 1]), gb.tensor2d([[0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])); // 3 of 3
    expect(m.result()).toBe(4 / 5);
    m.reset();
    expect(m.result()).toBeNaN();
  });
});

describe('regression metrics', () => {
  const t = gb.tensor2d([[1, 2], [3, 4]]);
  const p = gb.tensor2d([[1.5, 2], [2, 6]]);
  it('mse is the mean squared error over every value', () => {
    expect(once(getMetric('mse', 'meanSquaredError'), t, p)).toBeCloseTo((0.25 + 0 + 1 + 4) / 4, 12);
  });
  it('mae is the mean absolute error over every value', () => {
    expect(once(getMetric('meanAbsoluteError', 'meanSquaredError'), t, p)).toBeCloseTo((0.5 + 0 + 1 + 2) / 4, 12);
  });
});

describe('precision and recall', () => {
  it('binary: tp / (tp + fp) and tp / (tp + fn) at threshold 0.5', () => {
    const t = gb.tensor1d([1, 1, 0, 0, 1, 1]);
    const p = gb.tensor2d([[0.9], [0.2], [0.7], [0.1], [0.8], [0.3]]);
    // tp = rows 0, 4; fp = row 2; fn = rows 1, 5
    expect(once(getMetric('precision', 'binaryCrossentropy'), t, p)).toBeCloseTo(2 / 3, 12);
    expect(once(getMetric('recall', 'binaryCrossentropy'), t, p)).toBeCloseTo(2 / 4, 12);
  });

  it('multi-class: macro average of one-vs-rest on the argmax', () => {
    const t = gb.tensor1d([0, 0, 1, 1, 2, 2], undefined, 'int32');
    const predicted = [0, 1, 1, 1, 2, 0];
    const p = gb.oneHot(gb.tensor1d(predicted, undefined, 'int32'), 3);
    // class 0: tp 1, fp 1 (row 5), fn 1 (row 1) -> P 1/2, R 1/2
    // class 1: tp 2, fp 1 (row 1), fn 0         -> P 2/3, R 1
    // class 2: tp 1, fp 0, fn 1 (row 5)         -> P 1,   R 1/2
    expect(once(getMetric('precision', 'sparseCategoricalCrossentropy'), t, p)).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 12);
    expect(once(getMetric('recall', 'sparseCategoricalCrossentropy'), t, p)).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 12);
  });
});

describe('AUC', () => {
  it('rocAuc counts ties as one half', () => {
    // positives 0.35, 0.8, 0.4; negatives 0.1, 0.4.
    // 0.35: beats 0.1 (1), loses to 0.4 (0); 0.8: beats both (2); 0.4: beats 0.1 (1), ties 0.4 (0.5) -> 4.5 / 6
    expect(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4], [0, 0, 1, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5], [1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.1, 0.9], [0, 1])).toBe(1);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('the auc metric streams binary outputs', () => {
    const m = getMetric('auc', 'binaryCrossentropy');
    m.update(gb.tensor1d([0, 0, 1]), gb.tensor2d([[0.1], [0.4], [0.35]]));
    m.update(gb.tensor1d([1, 1]), gb.tensor2d([[0.8], [0.4]]));
    expect(m.result()).toBeCloseTo(0.75, 12);
  });

  it('multi-class auc is the macro mean of one-vs-rest AUCs', () => {
    const t = gb.tensor1d([0, 1, 2, 0], undefined, 'int32');
    const p = gb.tensor2d([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.3, 0.5], [0.3, 0.5, 0.2]]);
    const perClass = [0, 1, 2].map((c) => rocAuc([0, 1, 2, 3].map((r) => p.values[r * 3 + c]), [0, 1, 2, 0].map((l) => +(l === c))));
    // class 0: positives 0.6, 0.3 vs negatives 0.5, 0.2 -> (2 + 1) / 4
    expect(perClass[0]).toBeCloseTo(0.75, 12);
    expect(once(getMetric('AUC', 'sparseCategoricalCrossentropy'), t, p)).toBeCloseTo((perClass[0] + perClass[1] + perClass[2]) / 3, 12);
  });
});

describe('metric names', () => {
  it('unknown metrics throw with the list', () => {
    expect(() => getMetric('f1', 'meanSquaredError')).toThrow(/unknown metric 'f1'; use accuracy, mse/);
  });
});
