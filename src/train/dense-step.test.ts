import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { DenseStep } from './dense-step.js';
import type { Sequential } from './sequential.js';

/** Builds the same seeded model twice, so the fused and autograd paths start from identical weights. */
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
// so they would hide a wrong factor in the fused loss gradient.
const cases: Case[] = [
  { name: 'relu + softmax, sparse cross-entropy', y: labels, build: () => compiled([dense(8, 'relu', [6]), dense(3, 'softmax')], 'sparseCategoricalCrossentropy', { name: 'sgd', learningRate: 0.5 }) },
  { name: 'tanh + dropout + softmax, one-hot cross-entropy', y: gb.oneHot(labels, 3), build: () => compiled([dense(8, 'tanh', [6]), gb.layers.dropout({ rate: 0.3 }), dense(3, 'softmax')], 'categoricalCrossentropy') },
  { name: 'logits with fromLogits', y: labels, build: () => compiled([dense(8, 'sigmoid', [6]), dense(3, 'linear')], { name: 'sparseCategoricalCrossentropy', fromLogits: true }) },
  { name: 'sigmoid + binary cross-entropy, sgd momentum', y: gb.cast(gb.greater(gb.slice(x, [0, 0], [rows, 2]), 0.5), 'float32'), build: () => compiled([dense(5, 'relu', [6]), dense(2, 'sigmoid')], 'binaryCrossentropy', { name: 'sgd', learningRate: 0.1, momentum: 0.9 }) },
  { name: 'regression, mse through a tanh output', y: gb.sum(x, 1, true).div(6), build: () => compiled([dense(4, 'relu', [6]), dense(1, 'tanh')], 'meanSquaredError', { name: 'sgd', learningRate: 0.3 }) },
  { name: 'regression, mae, no bias', y: gb.sum(x, 1, true), build: () => compiled([gb.layers.dense({ units: 4, activation: 'linear', inputShape: [6], useBias: false }), dense(1, 'linear')], 'meanAbsoluteError', { name: 'sgd', learningRate: 0.05 }) },
];

describe('fused Dense training step', () => {
  for (const c of cases) {
    it(`matches the autograd path: ${c.name}`, async () => {
      const [fused, general] = twin(c.build);
      expect(DenseStep.plan(fused.layers, fused.loss!, fused.optimizer!, 6, 16)).not.toBeNull();
      const args = { epochs: 3, batchSize: 16, verbose: 0 as const, shuffleSeed: 11 };
      const hf = await fused.fit(x, c.y, { ...args, fastPath: true });
      const hg = await general.fit(x, c.y, { ...args, fastPath: false });
      for (const [k, series] of Object.entries(hg.history)) {
        series.forEach((v, i) => expect(hf.history[k][i]).toBeCloseTo(v, 4));
      }
      const wf = fused.getWeights();
      general.getWeights().forEach((w, i) => {
        Array.from(w.values).forEach((v, j) => expect(wf[i].values[j]).toBeCloseTo(v, 4));
      });
    });
  }

  it('declines models it does not cover, which then train through autograd', () => {
    const withReg = compiled([gb.layers.dense({ units: 4, activation: 'relu', inputShape: [6], kernelRegularizer: { l2: 0.01 } }), dense(3, 'softmax')], 'sparseCategoricalCrossentropy');
    expect(DenseStep.plan(withReg.layers, withReg.loss!, withReg.optimizer!, 6, 16)).toBeNull();
    const gelu = compiled([dense(4, 'gelu', [6]), dense(3, 'softmax')], 'sparseCategoricalCrossentropy');
    expect(DenseStep.plan(gelu.layers, gelu.loss!, gelu.optimizer!, 6, 16)).toBeNull();
    const huber = compiled([dense(4, 'relu', [6]), dense(1, 'linear')], 'huber');
    expect(DenseStep.plan(huber.layers, huber.loss!, huber.optimizer!, 6, 16)).toBeNull();
  });
});
