// Small synthetic problems and models the compress tests train in a few seconds (not exported).

import { Tensor } from '../tensor/tensor.js';
import { Dense } from '../nn/dense.js';
import { Conv } from '../nn/conv.js';
import { Pooling } from '../nn/pooling.js';
import { Flatten, Dropout } from '../nn/simple-layers.js';
import { Reshape } from '../nn/shape-layers.js';
import { BatchNormalization } from '../nn/normalization.js';
import { Sequential, sequential } from '../train/sequential.js';
import { Rng, setSeed } from '../util/random.js';

export interface Problem {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  classes: number;
}

/**
 * `features` inputs in [0, 1], of which the first 6 decide the class (4 classes, a fixed nonlinear rule with
 * 3% label noise); the rest are noise. Informative features are known, so explanation shifts can be judged.
 */
export function tabularProblem(n = 3000, features = 20, seed = 3): Problem {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < features; f++) x[i * features + f] = rng.next();
    const v = x.subarray(i * features, i * features + 6);
    const a = v[0] + v[1] - v[2] * v[3];
    const b = v[4] - v[5] + 0.5 * v[0] * v[5];
    y[i] = rng.next() < 0.03 ? rng.int(4) : (a > 0.75 ? 1 : 0) + (b > 0.1 ? 2 : 0);
  }
  const split = Math.floor(n * 0.8);
  const part = (a: number, b: number) => ({
    x: new Tensor(x.slice(a * features, b * features), [b - a, features]),
    y: new Tensor(y.slice(a, b), [b - a], 'int32'),
  });
  const train = part(0, split);
  const test = part(split, n);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, classes: 4 };
}

/** features -> Dense(hidden, relu)... -> Dense(classes, softmax), compiled with Adam and accuracy. */
export function mlp(features: number, hidden: number[], classes: number, seed = 1): Sequential {
  setSeed(seed);
  const layers = hidden.map((units, i) => new Dense({ units, activation: 'relu', inputShape: i === 0 ? [features] : undefined }));
  const model = sequential({ layers: [...layers, new Dense({ units: classes, activation: 'softmax', inputShape: hidden.length === 0 ? [features] : undefined })] });
  model.compile({ optimizer: { name: 'adam', learningRate: 3e-3 } as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** 8x8 grey images of a bright bar, horizontal (class 0), vertical (1) or diagonal (2), at random places, with noise. */
export function imageProblem(n = 900, seed = 5): Problem {
  const rng = new Rng(seed);
  const side = 8;
  const x = new Float32Array(n * side * side);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(3);
    y[i] = c;
    const img = x.subarray(i * 64, (i + 1) * 64);
    for (let p = 0; p < 64; p++) img[p] = 0.2 * rng.next();
    const r0 = 1 + rng.int(6), c0 = 1 + rng.int(6);
    for (let t = -2; t <= 2; t++) {
      const [r, col] = c === 0 ? [r0, c0 + t] : c === 1 ? [r0 + t, c0] : [r0 + t, c0 + t];
      if (r >= 0 && r < side && col >= 0 && col < side) img[r * side + col] = 0.8 + 0.2 * rng.next();
    }
  }
  const split = Math.floor(n * 0.8);
  return {
    xTrain: new Tensor(x.slice(0, split * 64), [split, 64]), yTrain: new Tensor(y.slice(0, split), [split], 'int32'),
    xTest: new Tensor(x.slice(split * 64), [n - split, 64]), yTest: new Tensor(y.slice(split), [n - split], 'int32'), classes: 3,
  };
}

/** A miniature of the CNN preset: reshape, conv (relu), batch norm, max pool, conv, pool, flatten, dense, dropout, softmax. */
export function smallCnn(classes: number, seed = 1): Sequential {
  setSeed(seed);
  const model = sequential({
    layers: [
      new Reshape({ targetShape: [8, 8, 1], inputShape: [64] }),
      new Conv({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same' }, 2),
      new BatchNormalization({}),
      new Pooling({ poolSize: 2 }, 'max', 2),
      new Conv({ filters: 8, kernelSize: 3, activation: 'relu' }, 2),
      new Pooling({ poolSize: 2 }, 'max', 2),
      new Flatten({}),
      new Dense({ units: 16, activation: 'relu' }),
      new Dropout({ rate: 0.2 }),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: { name: 'adam', learningRate: 3e-3 } as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Accuracy of a model's predictions against class indices. */
export function accuracy(model: Sequential, x: Tensor, y: Tensor): number {
  const p = model.predict(x).values;
  const n = y.shape[0];
  const classes = p.length / n;
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + best]) best = c;
    if (best === y.values[i]) right++;
  }
  return right / n;
}
