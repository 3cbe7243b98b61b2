// Small models for the explain tests: a linear predictor, random MLPs as glassbox models, and the same as plain functions.

import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { linear, tensor } from '../ops/index.js';
import { Rng } from '../util/random.js';
import { Sequential } from '../train/sequential.js';
import { dense } from '../nn/dense.js';
import { activation, dropout } from '../nn/simple-layers.js';
import type { ModelMetadataLike, SequentialLike } from './types.js';

/** f(x) = x w + b for rows [n, w.length], one output. */
export function linearModel(w: number[], b = 0): (x: Tensor) => Tensor {
  const W = tensor(Float32Array.from(w), [w.length, 1]);
  const B = tensor([b]);
  return (x) => linear(x, W, B);
}

export function randomRows(n: number, m: number, seed: number, scale = 1): Tensor {
  const rng = new Rng(seed);
  const v = new Float32Array(n * m);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * scale;
  return new Tensor(v, [n, m]);
}

type Act = 'relu' | 'tanh' | 'sigmoid' | 'softmax' | 'linear' | 'elu' | 'gelu' | 'softplus' | 'leakyRelu';

/** A glassbox Sequential of Dense layers with the given sizes and activations and seeded random weights. */
export function fakeSequential(sizes: number[], acts: Act[], seed: number, opts: { metadata?: ModelMetadataLike; dropout?: boolean; separateActivation?: boolean } = {}): Sequential {
  const rng = new Rng(seed);
  const model = new Sequential();
  const weights: Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l], sizes[l + 1]];
    weights.push(new Tensor(new Float32Array(i * o).map(() => rng.normal() * Math.sqrt(2 / i)), [i, o]));
    weights.push(new Tensor(new Float32Array(o).map(() => rng.normal() * 0.1), [o]));
    const act = acts[l];
    const inputShape = l === 0 ? [i] : undefined;
    if (opts.separateActivation && act !== 'linear') {
      model.add(dense({ units: o, activation: 'linear', inputShape }));
      model.add(activation({ activation: act }));
    } else {
      model.add(dense({ units: o, activation: act, inputShape }));
    }
    if (opts.dropout && l + 2 < sizes.length) model.add(dropout({ rate: 0.5 }));
  }
  model.setWeights(weights);
  if (opts.metadata) model.metadata = { ...opts.metadata };
  return model;
}

/** The same network as a plain function (no `layers`): explainers call it as a black box. */
export function asFunction(model: SequentialLike): (x: Tensor) => Tensor {
  return (x) => model.predict(x);
}

/** The same network as a differentiable function: gradients run eagerly through autograd, the plans' reference. */
export function asEagerFunction(model: Sequential): (x: Tensor) => Tensor {
  return (x) => model.apply(x, { training: false });
}
