// Layers without weights: Activation, Dropout, Flatten.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { getRng, Rng } from '../util/random.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { getActivation, resolveActivation, type ActivationName } from './activations.js';

export interface ActivationArgs extends LayerArgs {
  activation: string;
}

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;

  constructor(args: ActivationArgs) {
    super(args, 'Activation');
    this.activation = resolveActivation(args?.activation);
  }

  call(x: Tensor): Tensor {
    return getActivation(this.activation)(x);
  }

  override flops(inputShape: LayerShape): number {
    return inputShape.reduce((a, b) => a * b, 1);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.activation };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
  /** Seeds this layer's own generator, used when a call passes none (fit always passes one). */
  seed?: number;
}

/** Inverted dropout: zeroes a fraction `rate` of values in training and scales the rest by 1/(1-rate). */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;
  private readonly rng: Rng | null;

  constructor(args: DropoutArgs) {
    super(args, 'Dropout');
    if (!args || typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`dropout: rate must be in [0, 1), got ${args?.rate}`);
    }
    this.rate = args.rate;
    this.seed = args.seed;
    this.rng = args.seed === undefined ? null : new Rng(args.seed);
  }

  call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    const rng = options.rng ?? this.rng ?? getRng();
    return ops.mul(x, ops.dropoutMask(x.shape, this.rate, rng));
  }

  override getConfig(): LayerConfig {
    return this.seed === undefined ? { ...super.getConfig(), rate: this.rate } : { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

export interface FlattenArgs extends LayerArgs {
  /** 'channelsFirst' moves the channels last before flattening (Keras: keeps a dense layer's weights valid across formats). */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: FlattenArgs = {}) {
    super(args, 'Flatten');
    const format = args?.dataFormat ?? 'channelsLast';
    if (format !== 'channelsLast' && format !== 'channelsFirst') throw new Error(`${this.name}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(format)}`);
    this.dataFormat = format;
  }

  call(x: Tensor): Tensor {
    const last = this.dataFormat === 'channelsFirst' && x.rank > 2 ? ops.transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]) : x;
    return ops.reshape(last, [x.shape[0], -1]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }
}

export const activation = (args: ActivationArgs) => new Activation(args);
export const dropout = (args: DropoutArgs) => new Dropout(args);
export const flatten = (args: FlattenArgs = {}) => new Flatten(args);
