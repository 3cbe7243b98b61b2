import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import type { Sequential } from './sequential.js';

/** Builds the same seeded model twice, so the plan and eager engines start from identical weights. */
function twin(build: () => Sequential): [Sequential, Sequential] {
  gb.setSeed(3);
  const a = build();
  gb.setSeed(3);
  const b = build();
  return [a, b];
}

function data(rows: number, inputs: number, seed: number) {
  return gb.randomUniform([rows, inputs], 0, 1, { seed });
}

interface Case {
  name: string;
  build: () => Sequential;
  y: gb.Tensor;
}

const rows = 50;
const x = data(rows, 6, 1);
const labels = gb.tensor1d(Array.from({ length: rows }, (_, i) => (i * 7) % 3), undefined, 'int32');
const dense = (units: number, activation: string, inputShape?: number[]) => gb.layers.dense({ units, activation, inputShape });
const compiled = (layers: gb.Layer[], loss: gb.LossSpec, optimizer: gb.OptimizerSpec = 'adam') => {
  const m = gb.sequential({ layers });
  m.compile({ optimizer, loss, metrics: ['accuracy'] });
  return m;
};

// Most cases use plain SGD: Adam and RMSprop are nearly invariant to the scale of a gradient,
// so they would hide a wrong factor in a loss gradient.
const cases: Case[] = [
  { name: 'relu + softmax, sparse cross-entropy', y: labels, build: () => compiled([dense(8, 'relu', [6]), dense(3, 'softmax')], 'sparseCategoricalCrossentropy', { name: 'sgd', learningRate: 0.5 }) },
  { name: 'tanh + dropout + softmax, one-hot cross-entropy', y: gb.oneHot(labels, 3), build: () => compiled([dense(8, 'tanh', [6]), gb.layers.dropout({ rate: 0.3 }), dense(3, 'softmax')], 'categoricalCrossentropy') },
  { name: 'logits with fromLogits', y: labels, build: () => compiled([dense(8, 'sigmoid', [6]), dense(3, 'linear')], { name: 'sparseCategoricalCrossentropy', fromLogits: true }) },
  { name: 'sigmoid + binary cross-entropy, sgd momentum', y: gb.cast(gb.greater(gb.slice(x, [0, 0], [rows, 2]), 0.5), 'float32'), build: () => compiled([dense(5, 'relu', [6]), dense(2, 'sigmoid')], 'binaryCrossentropy', { name: 'sgd', learningRate: 0.1, momentum: 0.9 }) },
  { name: 'regression, mse through a tanh output', y: gb.sum(x, 1, true).div(6), build: () => compiled([dense(4, 'relu', [6]), dense(1, 'tanh')], 'meanSquaredError', { name: 'sgd', learningRate: 0.3 }) },
  { name: 'regression, mae, no bias', y: gb.sum(x, 1, true), build: () => compiled([gb.layers.dense({ units: 4, activation: 'linear', inputShape: [6], useBias: false }), dense(1, 'linear')], 'meanAbsoluteError', { name: 'sgd', learningRate: 0.05 }) },
  { name: 'l2 kernel regulariser and l1 activity regulariser', y: labels, build: () => compiled([gb.layers.dense({ units: 4, activation: 'relu', inputShape: [6], kernelRegularizer: { l2: 0.01 }, activityRegularizer: { l1: 0.01 } }), dense(3, 'softmax')], 'sparseCategoricalCrossentropy', { name: 'sgd', learningRate: 0.3 }) },
  { name: 'gelu hidden layer, adamw', y: labels, build: () => compiled([dense(4, 'gelu', [6]), dense(3, 'softmax')], 'sparseCategoricalCrossentropy', { name: 'adamw', learningRate: 0.01 }) },
  { name: 'huber loss, rmsprop', y: gb.sum(x, 1, true), build: () => compiled([dense(4, 'elu', [6]), dense(1, 'linear')], 'huber', { name: 'rmsprop', learningRate: 0.01 }) },
  { name: 'softmax on probabilities without a fused loss (activation layer), adagrad', y: gb.oneHot(labels, 3), build: () => compiled([dense(5, 'leakyRelu', [6]), dense(3, 'linear'), gb.layers.activation({ activation: 'softmax' })], 'categoricalCrossentropy', { name: 'adagrad', learningRate: 0.1 }) },
];

describe('training plans', () => {
  for (const c of cases) {
    it(`match the eager engine: ${c.name}`, async () => {
      const [planned, eager] = twin(c.build);
      const args = { epochs: 3, batchSize: 16, verbose: 0 as const, shuffleSeed: 11 };
      const hp = await planned.fit(x, c.y, { ...args, engine: 'plan' });
      const he = await eager.fit(x, c.y, { ...args, engine: 'eager' });
      for (const [k, series] of Object.entries(he.history)) {
        series.forEach((v, i) => expect(hp.history[k][i]).toBeCloseTo(v, 4));
      }
      const wp = planned.getWeights();
      eager.getWeights().forEach((w, i) => {
        Array.from(w.values).forEach((v, j) => expect(wp[i].values[j]).toBeCloseTo(v, 4));
      });
      // 50 rows in batches of 16: a plan for 16 rows and one for the last 2; evaluate adds its own.
      expect(planned.plans.keys().filter((k) => k.startsWith('train:')).length).toBe(2);
    });
  }

  it('reuse their buffers: a step allocates no new plan, and dropping the plans frees them', async () => {
    const [m] = twin(cases[0].build);
    await m.fit(x, labels, { epochs: 1, batchSize: 25, verbose: 0 });
    const before = m.plans.keys();
    await m.fit(x, labels, { epochs: 2, batchSize: 25, verbose: 0 });
    expect(m.plans.keys()).toEqual(before);
    m.releasePlans();
    expect(m.plans.size).toBe(0);
    await m.fit(x, labels, { epochs: 1, batchSize: 25, verbose: 0 });
    expect(m.plans.size).toBeGreaterThan(0);
  });
});
