// Regularisers: penalty values by hand, gradients, and the model loss L + lambda R.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { Regularizer, regularizers, toRegularizer } from './regularizers.js';
import { checkGradients } from '../../test/gradcheck.js';
import { expectClose } from '../../test/training/helpers.js';

const w = gb.tensor2d([[1, -2], [3, -0.5]]);

describe('penalty values', () => {
  it('L1 = l1 * sum |w|', () => {
    expect(regularizers.l1({ l1: 0.1 }).apply(w).item()).toBeCloseTo(0.1 * (1 + 2 + 3 + 0.5), 6);
  });

  it('L2 = l2 * sum w^2', () => {
    expect(regularizers.l2({ l2: 0.01 }).apply(w).item()).toBeCloseTo(0.01 * (1 + 4 + 9 + 0.25), 6);
  });

  it('L1L2 adds both', () => {
    expect(regularizers.l1l2({ l1: 0.1, l2: 0.01 }).apply(w).item()).toBeCloseTo(0.1 * 6.5 + 0.01 * 14.25, 6);
  });

  it('names and configs resolve with Keras defaults (0.01)', () => {
    expect(toRegularizer('l2')!.getConfig()).toEqual({ l1: 0, l2: 0.01 });
    expect(toRegularizer('l1l2')!.getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(toRegularizer({ l1: 0.5 })!.getConfig()).toEqual({ l1: 0.5, l2: 0 });
    expect(toRegularizer(null)).toBeNull();
  });

  it('rejects negative or non-finite factors and unknown names', () => {
    expect(() => new Regularizer({ l2: -1 })).toThrow(/l2 must be a non-negative number, got -1/);
    expect(() => new Regularizer({ l1: NaN })).toThrow(/l1 must be a non-negative number/);
    expect(() => toRegularizer('l3' as never)).toThrow(/unknown regularizer 'l3'/);
  });

  it('gradients: l1 * sign(w) + 2 * l2 * w, and finite differences agree', () => {
    const g = gb.grad((x) => regularizers.l1l2({ l1: 0.1, l2: 0.01 }).apply(x))(w);
    expectClose(g, [1, -2, 3, -0.5].map((v) => 0.1 * Math.sign(v) + 2 * 0.01 * v), 1e-6);
    checkGradients((x) => regularizers.l1l2({ l1: 0.1, l2: 0.3 }).apply(x), [w]);
  });
});

describe('model loss with regularisers = data loss + lambda R', () => {
  const x = gb.tensor2d([[0.5, -1, 2], [1, 0, -0.5], [-1.5, 0.25, 1], [0, 1, 1]]);
  const y = gb.tensor2d([[1, 0], [0, 1], [0.5, 0.5], [2, -1]]);

  function pair(args: Record<string, unknown>) {
    gb.setSeed(4);
    const plain = gb.sequential({ layers: [gb.layers.dense({ units: 2, inputShape: [3], biasInitializer: 'randomNormal' })] });
    const reg = gb.sequential({ layers: [gb.layers.dense({ units: 2, inputShape: [3], ...args })] });
    reg.setWeights(plain.getWeights());
    for (const m of [plain, reg]) m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return { plain, reg };
  }

  it('kernel L2', () => {
    const { plain, reg } = pair({ kernelRegularizer: { l2: 0.1 } });
    const kernel = Array.from(plain.getWeights()[0].values);
    const penalty = 0.1 * kernel.reduce((s, v) => s + v * v, 0);
    expect(penalty).toBeGreaterThan(0.01);
    expect(reg.evaluateLogs(x, y).loss).toBeCloseTo(plain.evaluateLogs(x, y).loss + penalty, 5);
  });

  it('kernel L1 plus bias L2, over several evaluation batches', () => {
    const { plain, reg } = pair({ kernelRegularizer: regularizers.l1({ l1: 0.05 }), biasRegularizer: 'l2' });
    const [kernel, bias] = plain.getWeights().map((t) => Array.from(t.values));
    const penalty = 0.05 * kernel.reduce((s, v) => s + Math.abs(v), 0) + 0.01 * bias.reduce((s, v) => s + v * v, 0);
    expect(reg.evaluateLogs(x, y, 3).loss).toBeCloseTo(plain.evaluateLogs(x, y, 3).loss + penalty, 5);
  });

  it('activity L1 on the outputs, averaged over the batch', () => {
    const { plain, reg } = pair({ activityRegularizer: { l1: 0.2 } });
    const out = plain.predict(x);
    const penalty = (0.2 * Array.from(out.values).reduce((s, v) => s + Math.abs(v), 0)) / x.shape[0];
    expect(reg.evaluateLogs(x, y).loss).toBeCloseTo(plain.evaluateLogs(x, y).loss + penalty, 5);
  });

  it('activity penalty on a softmax output is kept when the loss fuses with the softmax', () => {
    // Softmax rows sum to 1, so an L1 activity penalty of 0.3 adds exactly 0.3 to the mean loss.
    gb.setSeed(2);
    const plain = gb.sequential({ layers: [gb.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    const reg = gb.sequential({ layers: [gb.layers.dense({ units: 3, inputShape: [3], activation: 'softmax', activityRegularizer: { l1: 0.3 } })] });
    reg.setWeights(plain.getWeights());
    for (const m of [plain, reg]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const labels = gb.tensor1d([0, 2, 1, 2], undefined, 'int32');
    expect(reg.evaluateLogs(x, labels).loss).toBeCloseTo(plain.evaluateLogs(x, labels).loss + 0.3, 5);
    // Training must see the penalty too: trainOnBatch reports the loss before its step.
    expect(reg.trainOnBatch(x, labels) as number).toBeCloseTo((plain.trainOnBatch(x, labels) as number) + 0.3, 5);
  });

  it('a training step with L2 shrinks weights more than without', () => {
    const { plain, reg } = pair({ kernelRegularizer: { l2: 1 } });
    const norm = (m: gb.Sequential) => Array.from(m.getWeights()[0].values).reduce((s, v) => s + v * v, 0);
    plain.trainOnBatch(x, y);
    reg.trainOnBatch(x, y);
    expect(norm(reg)).toBeLessThan(norm(plain));
  });
});
