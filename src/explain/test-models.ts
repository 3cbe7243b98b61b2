// Small models for the explain tests: a linear predictor, random MLPs as glassbox models, and the same as plain functions.

import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { linear, tensor } from '../ops/index.js';
import { Rng } from '../util/random.js';
import { Sequential } from '../train/sequential.js';
import { dense } from '../nn/dense.js';
import { activation, dropout } from '../nn/simple-layers.js';
import { layers } from '../nn/index.js';
import { getOptimizer } from '../train/optimizers.js';
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

/** Gives every weight of the model seeded random values (variances positive, so batch norm is non-trivial). */
export function randomizeWeights(model: Sequential, seed: number, scale = 0.5): Sequential {
  const rng = new Rng(seed);
  const weights = model.layers.flatMap((layer) => {
    const names = layer.weightSpecNames;
    return layer.getWeights().map((w, i) => {
      const v = new Float32Array(w.size);
      for (let k = 0; k < v.length; k++) v[k] = names[i] === 'moving_variance' ? 0.5 + rng.next() : names[i] === 'gamma' ? 0.5 + rng.next() : rng.normal() * scale;
      return new Tensor(v, w.shape);
    });
  });
  model.setWeights(weights);
  return model;
}

type CnnPart = 'conv' | 'maxPool' | 'avgPool' | 'batchNorm' | 'globalMax' | 'globalAvg' | 'layerNorm' | 'separable' | 'padding';

/**
 * A small CNN on flat rows of side x side pixels (a reshape first, as the CLI's preset): the parts in
 * order, then flatten, dense 6 relu and a softmax (or linear) head of `classes` outputs.
 */
export function smallCnn(side: number, parts: CnnPart[], seed: number, opts: { classes?: number; head?: 'softmax' | 'linear'; channels?: number; activation?: Act; initializers?: boolean } = {}): Sequential {
  const channels = opts.channels ?? 1;
  const model = new Sequential();
  model.add(layers.reshape({ targetShape: [side, side, channels], inputShape: [side * side * channels] }));
  const act = opts.activation ?? 'relu';
  let global = false;
  for (const p of parts) {
    if (p === 'conv') model.add(layers.conv2d({ filters: 3, kernelSize: 3, activation: act, padding: 'same' }));
    else if (p === 'separable') model.add(layers.separableConv2d({ filters: 3, kernelSize: 3, activation: act }));
    else if (p === 'maxPool') model.add(layers.maxPooling2d({ poolSize: 2 }));
    else if (p === 'avgPool') model.add(layers.averagePooling2d({ poolSize: 2 }));
    else if (p === 'batchNorm') model.add(layers.batchNormalization());
    else if (p === 'layerNorm') model.add(layers.layerNormalization());
    else if (p === 'padding') model.add(layers.zeroPadding2d({ padding: 1 }));
    else {
      model.add(p === 'globalMax' ? layers.globalMaxPooling2d() : layers.globalAveragePooling2d());
      global = true;
    }
  }
  if (!global) model.add(layers.flatten());
  model.add(layers.dense({ units: 6, activation: 'relu' }));
  model.add(layers.dense({ units: opts.classes ?? 3, activation: opts.head ?? 'softmax' }));
  return opts.initializers ? model : randomizeWeights(model, seed);
}

/** Rows of pixels in [0, 1], seeded. */
export function randomImages(n: number, pixels: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: n * pixels }, () => rng.next()), [n, pixels]);
}

/**
 * A small CNN trained for a few epochs on synthetic 8x8 images whose class (0-3) is the quadrant holding
 * a bright 2x2 blob, with noise elsewhere: a model whose outputs move a lot between an image and a black
 * baseline, as trained classifiers' do. Returns the model and 16 held-out images.
 */
export async function trainedQuadrantCnn(parts: CnnPart[], seed: number): Promise<{ model: Sequential; x: Tensor }> {
  const rng = new Rng(seed);
  const make = (n: number) => {
    const x = new Float32Array(n * 64);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 64; p++) x[i * 64 + p] = 0.3 * rng.next();
      const q = rng.int(4);
      y[i] = q;
      const r0 = (q >> 1) * 4 + rng.int(3);
      const c0 = (q & 1) * 4 + rng.int(3);
      for (let dr = 0; dr < 2; dr++) for (let dc = 0; dc < 2; dc++) x[i * 64 + (r0 + dr) * 8 + c0 + dc] = 0.8 + 0.2 * rng.next();
    }
    return { x: new Tensor(x, [n, 64]), y: new Tensor(y, [n], 'int32') };
  };
  const model = smallCnn(8, parts, seed, { classes: 4, initializers: true });
  const train = make(384);
  model.compile({ optimizer: getOptimizer({ name: 'adam', learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(train.x, train.y, { epochs: 8, batchSize: 32, verbose: 0, shuffleSeed: seed });
  return { model, x: make(16).x };
}
