// Activation layers with options (TensorFlow.js names): leakyReLU({alpha}), elu({alpha}), reLU({maxValue}),
// thresholdedReLU({theta}), softmax({axis}) and prelu (a learned slope per unit).

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { normalizeInitializer, type InitializerConfig, type InitializerSpec } from './initializers.js';
import { toRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';
import { alongAxis, featureAxis, resolveAxis } from './axes.js';

function finite(layer: Layer, what: string, v: unknown, fallback: number): number {
  const x = v === undefined || v === null ? fallback : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${layer.name}: ${what} must be a finite number, got ${JSON.stringify(v)}`);
  return x;
}

const size = (shape: LayerShape) => shape.reduce((a, b) => a * b, 1);

export interface AlphaArgs extends LayerArgs {
  alpha?: number;
}

/**
 * leakyReLU: max(x, alpha x), alpha 0.3 by default, as in TensorFlow.js' layer (its op tf.leakyRelu uses 0.2);
 * elu: x for x > 0, alpha (e^x - 1) otherwise, alpha 1 by default.
 */
export class AlphaActivation extends Layer {
  readonly className: 'LeakyReLU' | 'ELU';
  readonly alpha: number;

  constructor(args: AlphaArgs, kind: 'LeakyReLU' | 'ELU') {
    super(args, kind);
    this.className = kind;
    this.alpha = finite(this, 'alpha', args?.alpha, kind === 'LeakyReLU' ? 0.3 : 1);
  }

  call(x: Tensor): Tensor {
    return this.className === 'LeakyReLU' ? ops.leakyRelu(x, this.alpha) : ops.elu(x, this.alpha);
  }

  override flops(inputShape: LayerShape): number {
    return size(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (none by default). */
  maxValue?: number | null;
}

/** max(x, 0), capped at maxValue when given. */
export class ReLU extends Layer {
  readonly className = 'ReLU';
  readonly maxValue: number | null;

  constructor(args: ReLUArgs = {}) {
    super(args, 'ReLU');
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : finite(this, 'maxValue', args.maxValue, 0);
    if (this.maxValue !== null && this.maxValue < 0) throw new Error(`${this.name}: maxValue must be >= 0, got ${this.maxValue}`);
  }

  call(x: Tensor): Tensor {
    if (this.maxValue === null) return ops.relu(x);
    if (this.maxValue === 6) return ops.relu6(x);
    return ops.minimum(ops.relu(x), this.maxValue);
  }

  override flops(inputShape: LayerShape): number {
    return size(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maxValue: this.maxValue };
  }
}

export interface ThresholdedReLUArgs extends LayerArgs {
  theta?: number;
}

/** x where x > theta, else 0 (theta defaults to 1). */
export class ThresholdedReLU extends Layer {
  readonly className = 'ThresholdedReLU';
  readonly theta: number;

  constructor(args: ThresholdedReLUArgs = {}) {
    super(args, 'ThresholdedReLU');
    this.theta = finite(this, 'theta', args.theta, 1);
  }

  call(x: Tensor): Tensor {
    return ops.mul(x, ops.cast(ops.greater(x, this.theta), 'float32'));
  }

  override flops(inputShape: LayerShape): number {
    return 2 * size(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), theta: this.theta };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** Axis counted with the batch as 0, or from the end (-1, the default, is the last). */
  axis?: number;
}

/** softmax along one axis (the last by default; another axis is moved last and back). */
export class Softmax extends Layer {
  readonly className = 'Softmax';
  readonly axis: number;

  constructor(args: SoftmaxArgs = {}) {
    super(args, 'Softmax');
    this.axis = featureAxis(this.name, args.axis);
  }

  call(x: Tensor): Tensor {
    return alongAxis(x, resolveAxis(this.name, this.axis, x.rank), (t) => ops.softmax(t));
  }

  override flops(inputShape: LayerShape): number {
    return 3 * size(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerSpec;
  alphaRegularizer?: RegularizerSpec | null;
  /** Axes (counted with the batch as 0) along which one slope is shared, e.g. [1, 2] for one per channel of an image. */
  sharedAxes?: number[] | null;
}

/** max(x, 0) + alpha * min(x, 0) with a learned alpha per unit (shared along sharedAxes). */
export class PReLU extends Layer {
  readonly className = 'PReLU';
  readonly alphaInitializer: InitializerConfig;
  readonly alphaRegularizer: Regularizer | null;
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;

  constructor(args: PReLUArgs = {}) {
    super(args, 'PReLU');
    this.alphaInitializer = normalizeInitializer(args.alphaInitializer ?? 'zeros');
    this.alphaRegularizer = toRegularizer(args.alphaRegularizer);
    const shared = args.sharedAxes === undefined || args.sharedAxes === null ? null : Array.isArray(args.sharedAxes) ? args.sharedAxes : [args.sharedAxes];
    if (shared && shared.some((a) => !Number.isInteger(a) || a < 1)) throw new Error(`${this.name}: sharedAxes must be axes >= 1 (0 is the batch), got ${JSON.stringify(args.sharedAxes)}`);
    this.sharedAxes = shared;
  }

  override build(inputShape: LayerShape): void {
    const shape = inputShape.map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d));
    this.alpha = this.addWeight({ name: 'alpha', shape, initializer: this.alphaInitializer, regularizer: this.alphaRegularizer });
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    return ops.sub(ops.relu(x), ops.mul(this.alpha!, ops.relu(ops.neg(x))));
  }

  override flops(inputShape: LayerShape): number {
    return 4 * size(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alphaInitializer: this.alphaInitializer, alphaRegularizer: this.alphaRegularizer?.getConfig() ?? null, sharedAxes: this.sharedAxes };
  }
}

export const leakyReLU = (args: AlphaArgs = {}) => new AlphaActivation(args, 'LeakyReLU');
export const elu = (args: AlphaArgs = {}) => new AlphaActivation(args, 'ELU');
export const reLU = (args: ReLUArgs = {}) => new ReLU(args);
export const thresholdedReLU = (args: ThresholdedReLUArgs = {}) => new ThresholdedReLU(args);
export const softmax = (args: SoftmaxArgs = {}) => new Softmax(args);
export const prelu = (args: PReLUArgs = {}) => new PReLU(args);
