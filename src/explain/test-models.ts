// Small models for the explain tests: a linear predictor, random MLPs, and a Sequential look-alike.

import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { linear, softmax, tensor, relu, tanh, sigmoid } from '../ops/index.js';
import { Rng } from '../util/random.js';
import type { LayerLike, ModelMetadataLike, SequentialLike } from './types.js';

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

class FakeDense implements LayerLike {
  readonly className = 'Dense';
  constructor(readonly kernel: Tensor, readonly bias: Tensor, readonly activation: Act) {}
  getConfig() { return { units: this.kernel.shape[1], activation: this.activation, useBias: true }; }
  getWeights() { return [this.kernel, this.bias]; }
  apply(x: Tensor): Tensor { return applyAct(linear(x, this.kernel, this.bias), this.activation); }
}

class FakeActivation implements LayerLike {
  readonly className = 'Activation';
  constructor(readonly activation: Act) {}
  getConfig() { return { activation: this.activation }; }
  getWeights() { return []; }
  apply(x: Tensor): Tensor { return applyAct(x, this.activation); }
}

class FakeDropout implements LayerLike {
  readonly className = 'Dropout';
  getConfig() { return { rate: 0.5 }; }
  getWeights() { return []; }
  apply(x: Tensor): Tensor { return x; }
}


function applyAct(x: Tensor, a: Act): Tensor {
  switch (a) {
    case 'relu': return relu(x);
    case 'tanh': return tanh(x);
    case 'sigmoid': return sigmoid(x);
    case 'softmax': return softmax(x);
    case 'linear': return x;
    default: throw new Error(`test model: activation ${a} not wired`);
  }
}

/** A Sequential look-alike: Dense layers with the given sizes and activations, random weights. */
export function fakeSequential(sizes: number[], acts: Act[], seed: number, opts: { metadata?: ModelMetadataLike; dropout?: boolean; separateActivation?: boolean } = {}): SequentialLike {
  const rng = new Rng(seed);
  const layers: LayerLike[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l], sizes[l + 1]];
    const w = new Float32Array(i * o).map(() => rng.normal() * Math.sqrt(2 / i));
    const b = new Float32Array(o).map(() => rng.normal() * 0.1);
    const act = acts[l];
    if (opts.separateActivation && act !== 'linear') {
      layers.push(new FakeDense(new Tensor(w, [i, o]), new Tensor(b, [o]), 'linear'), new FakeActivation(act));
    } else {
      layers.push(new FakeDense(new Tensor(w, [i, o]), new Tensor(b, [o]), act));
    }
    if (opts.dropout && l + 2 < sizes.length) layers.push(new FakeDropout());
  }
  const apply = (x: Tensor): Tensor => layers.reduce((h, layer) => layer.apply(h, { training: false }), x);
  return { layers, predict: (x) => apply(x), apply, inputShape: [sizes[0]], outputShape: [sizes[sizes.length - 1]], metadata: opts.metadata };
}

/** The same network as a plain function (no `layers`), so explainers cannot take a fast path. */
export function asFunction(model: SequentialLike): (x: Tensor) => Tensor {
  return (x) => model.predict(x);
}
