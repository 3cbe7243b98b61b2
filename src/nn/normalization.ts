// Normalisation layers (TensorFlow.js names and options): batchNormalization over the channel axis with
// moving statistics for inference, and layerNormalization over the last axis.

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { runOp } from '../ops/run.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { normalizeInitializer, type InitializerConfig, type InitializerSpec } from './initializers.js';
import { toRegularizer, type Regularizer, type RegularizerConfig, type RegularizerSpec } from './regularizers.js';
import { alongAxis, featureAxis, resolveAxis } from './axes.js';

export interface NormArgs extends LayerArgs {
  /**
   * The channel axis, counted with the batch as 0 or from the end: -1 (the last, default); batch
   * normalisation also takes another (1 for channels-first images), layer normalisation only the last.
   */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  betaRegularizer?: RegularizerSpec | null;
  gammaRegularizer?: RegularizerSpec | null;
}

const reg = (r: Regularizer | null): RegularizerConfig | null => (r ? r.getConfig() : null);

/** What both normalisations share: epsilon, and the learned scale gamma and offset beta per channel. */
abstract class Normalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerConfig;
  readonly gammaInitializer: InitializerConfig;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  readonly axis: number;

  constructor(args: NormArgs, className: string, defaultEpsilon: number) {
    super(args, className);
    this.axis = featureAxis(this.name, args?.axis);
    this.epsilon = args?.epsilon ?? defaultEpsilon;
    if (!(this.epsilon > 0)) throw new Error(`${this.name}: epsilon must be positive, got ${this.epsilon}`);
    this.center = args?.center ?? true;
    this.scale = args?.scale ?? true;
    this.betaInitializer = normalizeInitializer(args?.betaInitializer ?? 'zeros');
    this.gammaInitializer = normalizeInitializer(args?.gammaInitializer ?? 'ones');
    this.betaRegularizer = toRegularizer(args?.betaRegularizer);
    this.gammaRegularizer = toRegularizer(args?.gammaRegularizer);
  }

  protected buildAffine(channels: number): void {
    if (this.scale) this.gamma = this.addWeight({ name: 'gamma', shape: [channels], initializer: this.gammaInitializer, regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight({ name: 'beta', shape: [channels], initializer: this.betaInitializer, regularizer: this.betaRegularizer });
  }

  /** (x - mean) * invStd * gamma + beta, with gamma folded into the per-channel factor. */
  protected affine(centered: Tensor, invStd: Tensor): Tensor {
    const factor = this.gamma ? ops.mul(invStd, this.gamma) : invStd;
    const y = ops.mul(centered, factor);
    return this.beta ? ops.add(y, this.beta) : y;
  }

  override flops(inputShape: LayerShape): number {
    return 4 * inputShape.reduce((a, b) => a * b, 1);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: this.betaInitializer, gammaInitializer: this.gammaInitializer,
      betaRegularizer: reg(this.betaRegularizer), gammaRegularizer: reg(this.gammaRegularizer),
    };
  }
}

export interface BatchNormalizationArgs extends NormArgs {
  /** Weight of the old value in the moving statistics (default 0.99). */
  momentum?: number;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
}

/**
 * Training: normalises by the batch's mean and (biased) variance per channel, and moves the moving
 * statistics toward them (moving = momentum * moving + (1 - momentum) * batch). Inference: uses the
 * moving statistics, which are saved with the model as non-trainable weights.
 */
export class BatchNormalization extends Normalization {
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly movingMeanInitializer: InitializerConfig;
  readonly movingVarianceInitializer: InitializerConfig;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'BatchNormalization', 1e-3);
    this.momentum = args.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`${this.name}: momentum must be in [0, 1), got ${this.momentum}`);
    this.movingMeanInitializer = normalizeInitializer(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = normalizeInitializer(args.movingVarianceInitializer ?? 'ones');
  }

  override build(inputShape: LayerShape): void {
    const channels = inputShape[resolveAxis(this.name, this.axis, inputShape.length + 1) - 1];
    this.buildAffine(channels);
    this.movingMean = this.addWeight({ name: 'moving_mean', shape: [channels], initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight({ name: 'moving_variance', shape: [channels], initializer: this.movingVarianceInitializer, trainable: false });
    super.build(inputShape);
  }

  call(x: Tensor, options: CallOptions): Tensor {
    // The ops normalise over the last axis: another channel axis moves last and back.
    return alongAxis(x, resolveAxis(this.name, this.axis, x.rank), (t) => this.normalize(t, options));
  }

  private normalize(x: Tensor, options: CallOptions): Tensor {
    const channels = x.shape[x.rank - 1];
    const gamma = this.gamma ?? ops.ones([channels]);
    const beta = this.beta ?? ops.zeros([channels]);
    if (!options.training) return runOp('batchNorm', [x, this.movingMean!, this.movingVariance!, gamma, beta], { eps: this.epsilon, batchStats: false });
    const count = x.size / channels;
    if (count < 2) {
      throw new Error(
        `${this.name}: a training batch of ${x.shape[0]} row(s) gives ${count} value per channel, so its variance is 0; ` +
          'batches need at least 2 rows (when only the last batch of an epoch has 1 row, change batchSize so the rows divide better)',
      );
    }
    // One pass of statistics serves the normalisation, its gradient and the moving averages.
    const stats = runOp('moments', [x], {});
    const mean = ops.reshape(ops.slice(stats, [0, 0], [1, channels]), [channels]);
    const variance = ops.reshape(ops.slice(stats, [1, 0], [1, channels]), [channels]);
    runOp('movingAverage', [this.movingMean!, mean], { momentum: this.momentum });
    runOp('movingAverage', [this.movingVariance!, variance], { momentum: this.momentum });
    return runOp('batchNorm', [x, mean, variance, gamma, beta], { eps: this.epsilon, batchStats: true });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), momentum: this.momentum, movingMeanInitializer: this.movingMeanInitializer, movingVarianceInitializer: this.movingVarianceInitializer };
  }
}

/** Normalises each example over its last axis (mean 0, variance 1), then scales and shifts per channel. */
export class LayerNormalization extends Normalization {
  readonly className = 'LayerNormalization';

  constructor(args: NormArgs = {}) {
    super(args, 'LayerNormalization', 1e-3);
  }

  override build(inputShape: LayerShape): void {
    if (resolveAxis(this.name, this.axis, inputShape.length + 1) !== inputShape.length) {
      throw new Error(`${this.name}: only the last axis is supported (axis -1), got axis ${this.axis} for inputs of rank ${inputShape.length + 1}`);
    }
    this.buildAffine(inputShape[inputShape.length - 1]);
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    const mean = ops.mean(x, -1, true);
    const centered = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centered), -1, true);
    return this.affine(centered, ops.rsqrt(ops.add(variance, this.epsilon)));
  }
}

export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(args);
export const layerNormalization = (args: NormArgs = {}) => new LayerNormalization(args);
