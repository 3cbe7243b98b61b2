// Small models and data shared by the io tests (not exported from the package).

import { Tensor } from '../tensor/tensor.js';
import { Dense } from '../nn/dense.js';
import { Activation, Dropout, Flatten } from '../nn/simple-layers.js';
import { Sequential, sequential } from '../train/sequential.js';
import type { AnyLayersModel } from '../train/layers-model.js';
import { Rng, setSeed } from '../util/random.js';

export function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return new Tensor(v, shape);
}

/** Flatten -> Dense relu -> Dropout -> Dense -> Activation softmax, seeded. */
export function smallClassifier(seed = 1, activation = 'relu'): Sequential {
  setSeed(seed);
  return sequential({
    layers: [
      new Flatten({ inputShape: [2, 3] }),
      new Dense({ units: 8, activation }),
      new Dropout({ rate: 0.25 }),
      new Dense({ units: 3, useBias: true }),
      new Activation({ activation: 'softmax' }),
    ],
  });
}

/** Bytes of a tensor's values, for bit-exact comparisons. */
export function bitsOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
}

/** A small 3-class dataset: x [n, 2, 3], y class indices (as float32) from a fixed rule plus noise. */
export function toyData(n = 100, seed = 7): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = randomTensor([n, 2, 3], rng);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x.values;
    const s = v[i * 6] + v[i * 6 + 1] - v[i * 6 + 4] + 0.3 * rng.normal();
    y[i] = s < -0.5 ? 0 : s < 0.5 ? 1 : 2;
  }
  return { x, y: new Tensor(y, [n]) };
}

/** Every weight of a model as one byte string, for bit-exact comparisons. */
export function weightBits(model: AnyLayersModel): Uint8Array[] {
  return model.getWeights().map(bitsOf);
}
