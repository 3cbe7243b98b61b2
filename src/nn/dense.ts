// Dense: y = activation(x @ kernel + bias), the fully connected layer.

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape, type UnitKernel } from './layer.js';
import { resolveActivation, splitActivation, type ActivationName } from './activations.js';
import { normalizeInitializer, type InitializerConfig, type InitializerSpec } from './initializers.js';
import { toRegularizer, type Regularizer, type RegularizerConfig, type RegularizerSpec } from './regularizers.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  biasRegularizer?: RegularizerSpec | null;
  activityRegularizer?: RegularizerSpec | null;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerConfig;
  readonly biasInitializer: InitializerConfig;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(args, 'Dense');
    if (!args || !Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`dense: units must be a positive integer, got ${args?.units}`);
    }
    this.units = args.units;
    this.activation = resolveActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = normalizeInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = normalizeInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = toRegularizer(args.kernelRegularizer);
    this.biasRegularizer = toRegularizer(args.biasRegularizer);
    this.activityRegularizer = toRegularizer(args.activityRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    this.kernel = this.addWeight({ name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    if (this.useBias) {
      this.bias = this.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    }
    super.build(inputShape);
  }

  override unitKernel(): UnitKernel | null {
    return this.kernel ? { kernel: this.kernel, bias: this.bias, activation: this.activation, unitsKey: 'units' } : null;
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    const inputDim = this.kernel!.shape[0];
    // Dense acts on the last axis; fold any leading axes into the batch.
    const rows = x.rank === 2 ? x : ops.reshape(x, [-1, inputDim]);
    const { fused, after } = splitActivation(this.activation);
    let y = ops.linear(rows, this.kernel!, this.bias, fused);
    if (after) y = after(y);
    if (x.rank !== 2) y = ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
    return this.withActivityPenalty(y);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override flops(inputShape: LayerShape): number {
    return denseFlops(inputShape, this.units, this.useBias);
  }

  override getConfig(): LayerConfig {
    const reg = (r: Regularizer | null): RegularizerConfig | null => (r ? r.getConfig() : null);
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      kernelRegularizer: reg(this.kernelRegularizer),
      biasRegularizer: reg(this.biasRegularizer),
      activityRegularizer: reg(this.activityRegularizer),
    };
  }
}

/** Forward FLOPs of a dense map onto `units` over the last axis (a multiply-add is 2), per example. */
export function denseFlops(inputShape: LayerShape, units: number, useBias: boolean): number {
  const inputDim = inputShape[inputShape.length - 1];
  const positions = inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
  return positions * (2 * inputDim * units + (useBias ? units : 0));
}

export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
