// Losses against hand-computed values, their stability at the edges, their gradients, and the fused path.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { getLoss, losses, EPSILON } from './losses.js';
import { gradientsOf } from '../autograd/grad.js';
import { checkGradients } from '../../test/gradcheck.js';
import { expectClose } from '../../test/training/helpers.js';

const per = (name: string, yTrue: gb.Tensor, yPred: gb.Tensor, options: Record<string, unknown> = {}) =>
  Array.from(getLoss({ name, ...options }).perExample(yTrue, yPred).values);

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logSumExp = (zs: number[]) => Math.log(zs.reduce((s, z) => s + Math.exp(z), 0));

describe('regression losses by hand', () => {
  const yTrue = gb.tensor2d([[1, 2], [3, 4]]);
  const yPred = gb.tensor2d([[1.5, 2], [2, 5]]);

  it('meanSquaredError: mean over outputs of squared errors', () => {
    expectClose(per('meanSquaredError', yTrue, yPred), [(0.25 + 0) / 2, (1 + 1) / 2]);
    expectClose(per('mse', gb.tensor1d([1, 2]), gb.tensor2d([[3], [2]])), [4, 0]);
  });

  it('meanAbsoluteError: mean over outputs of absolute errors', () => {
    expectClose(per('meanAbsoluteError', yTrue, yPred), [(0.5 + 0) / 2, (1 + 1) / 2]);
  });

  it('huber: 0.5 e^2 inside delta, delta (|e| - delta/2) outside', () => {
    const t = gb.tensor2d([[0, 0], [0, 0]]);
    const p = gb.tensor2d([[0.5, -2.5], [1, 0.2]]);
    expectClose(per('huber', t, p), [(0.5 * 0.25 + 1 * (2.5 - 0.5)) / 2, (0.5 * 1 + 0.5 * 0.04) / 2]);
    // delta = 2: the 2.5 error is linear as 2 * (2.5 - 1), the 1 error quadratic.
    expectClose(per('huber', t, p, { delta: 2 }), [(0.125 + 2 * (2.5 - 1)) / 2, (0.5 + 0.02) / 2]);
  });
});

describe('cross-entropies by hand', () => {
  it('binaryCrossentropy on probabilities and on logits', () => {
    const y = gb.tensor2d([[1], [0]]);
    expectClose(per('binaryCrossentropy', y, gb.tensor2d([[0.8], [0.3]])), [-Math.log(0.8), -Math.log(0.7)]);
    expectClose(per('binaryCrossentropy', y, gb.tensor2d([[1.2], [-0.4]]), { fromLogits: true }), [-Math.log(sigmoid(1.2)), -Math.log(1 - sigmoid(-0.4))]);
    // Several outputs per row (multi-label): averaged over the outputs.
    expectClose(per('binaryCrossentropy', gb.tensor2d([[1, 0]]), gb.tensor2d([[0.9, 0.2]])), [(-Math.log(0.9) - Math.log(0.8)) / 2]);
  });

  it('categoricalCrossentropy on probabilities (renormalised) and on logits', () => {
    const y = gb.tensor2d([[0, 1, 0], [0.2, 0, 0.8]]);
    expectClose(per('categoricalCrossentropy', y, gb.tensor2d([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])), [
      -Math.log(0.7), -(0.2 * Math.log(0.5) + 0.8 * Math.log(0.25)),
    ]);
    // Rows that do not sum to one are divided by their sum first (as Keras does).
    expectClose(per('categoricalCrossentropy', gb.tensor2d([[0, 1, 0]]), gb.tensor2d([[0.4, 1.4, 0.2]])), [-Math.log(0.7)]);
    expectClose(per('categoricalCrossentropy', gb.tensor2d([[0, 0, 1]]), gb.tensor2d([[1, 2, 3]]), { fromLogits: true }), [logSumExp([1, 2, 3]) - 3]);
  });

  it('sparseCategoricalCrossentropy on probabilities and on logits, labels [n] or [n, 1]', () => {
    const probs = gb.tensor2d([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]);
    expectClose(per('sparseCategoricalCrossentropy', gb.tensor1d([1, 0], undefined, 'int32'), probs), [-Math.log(0.7), -Math.log(0.5)]);
    expectClose(per('sparseCategoricalCrossentropy', gb.tensor2d([[1], [0]]), probs), [-Math.log(0.7), -Math.log(0.5)]);
    const logits = gb.tensor2d([[1, 2, 3], [0.5, -1, 0]]);
    expectClose(per('sparseCategoricalCrossentropy', gb.tensor1d([0, 2], undefined, 'int32'), logits, { fromLogits: true }), [
      logSumExp([1, 2, 3]) - 1, logSumExp([0.5, -1, 0]) - 0,
    ]);
  });

  it('losses.* factories and snake_case names give the same functions', () => {
    const y = gb.tensor2d([[1], [0]]);
    const p = gb.tensor2d([[0.6], [0.1]]);
    expect(Array.from(losses.binaryCrossentropy().perExample(y, p).values)).toEqual(per('binary_crossentropy', y, p));
    expect(getLoss({ name: 'huber', delta: 3 }).getConfig()).toEqual({ name: 'huber', delta: 3 });
  });

  it('mismatched target and prediction shapes are named', () => {
    expect(() => per('meanSquaredError', gb.zeros([2, 3]), gb.zeros([2, 2]))).toThrow(/targets of shape \[2,3\] do not match predictions \[2,2\]/);
    expect(() => per('sparseCategoricalCrossentropy', gb.tensor1d([0, 1, 2]), gb.zeros([2, 3]))).toThrow(/3 labels for 2 predictions/);
  });
});

describe('numerical stability', () => {
  const finite = (xs: number[]) => xs.every(Number.isFinite);

  it('probabilities of exactly 0 and 1 are clipped to [eps, 1 - eps], never log(0)', () => {
    const bce = per('binaryCrossentropy', gb.tensor2d([[1], [0], [1]]), gb.tensor2d([[0], [1], [1]]));
    expect(finite(bce)).toBe(true);
    // 1 - eps rounds to float32, so the clipped 1 - q is 1 - fround(1 - eps) (about 1.19e-7), not eps.
    const top = Math.fround(1 - EPSILON);
    expectClose(bce, [-Math.log(EPSILON), -Math.log(1 - top), -Math.log(top)], 1e-3, 1e-4);
    const cce = per('categoricalCrossentropy', gb.tensor2d([[1, 0, 0]]), gb.tensor2d([[0, 1, 0]]));
    expectClose(cce, [-Math.log(EPSILON)], 1e-3, 1e-4);
    const scce = per('sparseCategoricalCrossentropy', gb.tensor1d([2], undefined, 'int32'), gb.tensor2d([[1, 0, 0]]));
    expectClose(scce, [-Math.log(EPSILON)], 1e-3, 1e-4);
  });

  it('huge logits give exact finite values', () => {
    expectClose(per('binaryCrossentropy', gb.tensor2d([[0], [1], [1]]), gb.tensor2d([[1000], [-1000], [1000]]), { fromLogits: true }), [1000, 1000, 0], 1e-3);
    expectClose(per('sparseCategoricalCrossentropy', gb.tensor1d([2, 0], undefined, 'int32'), gb.tensor2d([[1000, 0, -1000], [1000, 0, -1000]]), { fromLogits: true }), [2000, 0], 1e-2);
    expectClose(per('categoricalCrossentropy', gb.tensor2d([[0, 1]]), gb.tensor2d([[-5000, 5000]]), { fromLogits: true }), [0], 1e-3);
    const scce = gb.grad((z) => gb.sum(getLoss({ name: 'sparseCategoricalCrossentropy', fromLogits: true }).perExample(gb.tensor1d([2], undefined, 'int32'), z)));
    expectClose(scce(gb.tensor2d([[1000, 0, -1000]])), [1, 0, -1], 1e-6);
  });
});

describe('loss gradients match finite differences', () => {
  const yReg = gb.tensor2d([[0.3, -1], [2, 0.5]]);
  const pReg = gb.tensor2d([[0.9, -0.2], [0.6, 1.25]]); // errors away from 0 and from huber's delta
  const yProb = gb.tensor2d([[1, 0, 0], [0, 0.3, 0.7]]);
  const pProb = gb.tensor2d([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]);
  const logits = gb.tensor2d([[0.5, -1, 2], [1, 0.2, -0.3]]);
  const sparse = gb.tensor1d([2, 0], undefined, 'int32');
  const cases: [string, Record<string, unknown>, gb.Tensor, gb.Tensor][] = [
    ['meanSquaredError', {}, yReg, pReg],
    ['meanAbsoluteError', {}, yReg, pReg],
    ['huber', { delta: 1 }, yReg, pReg],
    ['binaryCrossentropy', {}, gb.tensor2d([[1, 0], [0, 1]]), gb.tensor2d([[0.7, 0.4], [0.2, 0.55]])],
    ['binaryCrossentropy', { fromLogits: true }, gb.tensor2d([[1, 0], [0, 1]]), gb.slice(logits, [0, 0], [2, 2])],
    ['categoricalCrossentropy', {}, yProb, pProb],
    ['categoricalCrossentropy', { fromLogits: true }, yProb, logits],
    ['sparseCategoricalCrossentropy', {}, sparse, pProb],
    ['sparseCategoricalCrossentropy', { fromLogits: true }, sparse, logits],
  ];
  it.each(cases)('%s %j', (name, options, yTrue, yPred) => {
    const loss = getLoss({ name, ...options });
    checkGradients((p) => loss.perExample(yTrue, p), [yPred], { step: 1e-3 });
  });
});

describe('the fused softmax + cross-entropy path', () => {
  const x = gb.tensor2d([[0.5, -1, 2, 0], [1, 0, -0.5, 1], [-1.5, 0.25, 1, 2], [0, 1, 1, -1], [2, 2, -2, 0.5]]);
  const labels = [2, 0, 1, 2, 0];
  const y = gb.tensor1d(labels, undefined, 'int32');

  it('a model ending in softmax + sparse CE reports mean(-log p[label]) of its own predictions', () => {
    gb.setSeed(8);
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 5, inputShape: [4], activation: 'tanh' }), gb.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: { className: 'randomNormal', config: { stddev: 2 } } })] });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const p = model.predict(x).values;
    const expected = labels.reduce((s, c, r) => s - Math.log(p[r * 3 + c]), 0) / labels.length;
    expect(model.evaluateLogs(x, y).loss).toBeCloseTo(expected, 5);
    // The same with a separate Activation layer, and with categorical CE on one-hot targets.
    const split = gb.sequential({ layers: [gb.layers.dense({ units: 5, inputShape: [4], activation: 'tanh' }), gb.layers.dense({ units: 3 }), gb.layers.activation({ activation: 'softmax' })] });
    split.setWeights(model.getWeights());
    split.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(split.evaluateLogs(x, gb.oneHot(y, 3)).loss).toBeCloseTo(expected, 5);
  });

  it('its gradient equals the gradient of the unfused formula', () => {
    const logits = gb.tensor2d([[0.5, -1, 2], [1, 0.2, -0.3], [3, -2, 0]]);
    const t = gb.tensor1d([2, 0, 1], undefined, 'int32');
    const scce = getLoss('sparseCategoricalCrossentropy');
    const fused = gradientsOf(() => gb.mean(scce.perExampleFromLogits!(t, logits)), [logits]);
    const unfused = gradientsOf(() => gb.mean(scce.perExample(t, gb.softmax(logits))), [logits]);
    expect(fused.value.item()).toBeCloseTo(unfused.value.item(), 5);
    expectClose(fused.grads[0]!, Array.from(unfused.grads[0]!.values), 1e-5);
  });

  it('a sigmoid output with binary CE fuses too', () => {
    gb.setSeed(9);
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [4], activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const yb = gb.tensor2d([[1], [0], [0], [1], [1]]);
    const p = model.predict(x).values;
    const expected = [1, 0, 0, 1, 1].reduce((s, v, i) => s - (v ? Math.log(p[i]) : Math.log(1 - p[i])), 0) / 5;
    expect(model.evaluateLogs(x, yb).loss).toBeCloseTo(expected, 5);
  });
});

describe('loss names', () => {
  it('unknown losses are rejected with the list', () => {
    expect(() => getLoss('meanSquareError')).toThrow(/unknown loss 'meanSquareError'; use one of: meanSquaredError/);
    expect(() => getLoss({ name: 'huber', delta: 0 })).toThrow(/delta must be positive, got 0/);
  });
});
