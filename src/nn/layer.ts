// The layer contract: constructor validates config, build() makes weights, call() computes, getConfig() serialises.

import { Tensor, type DType } from '../tensor/tensor.js';
import { Variable } from '../autograd/variable.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { applySymbolic, describe, hasSymbolic, type LayerNode, type SymbolicTensor } from './symbolic.js';
import { initialize, type InitializerSpec } from './initializers.js';
import type { Regularizer } from './regularizers.js';
import type { ActivationName } from './activations.js';
import type { Rng } from '../util/random.js';
import * as ops from '../ops/index.js';

/** Shapes exclude the batch dimension throughout. */
export type LayerShape = number[];

export interface LayerArgs {
  name?: string;
  /** Shape of one input example (no batch dimension); needed on the first layer. */
  inputShape?: number[];
  /** TensorFlow.js form: [null, ...inputShape]. */
  batchInputShape?: (number | null)[];
  trainable?: boolean;
}

export interface CallOptions {
  training?: boolean;
  /** Generator for random layers (dropout) during training; defaults to the global one. */
  rng?: Rng;
}

export interface LayerConfig {
  name: string;
  trainable: boolean;
  inputShape?: number[];
  [key: string]: unknown;
}

/**
 * A layer whose output unit u (the last axis) is activation(inputs · kernel[..., u] + bias[u]), the kernel's last
 * axis running over the units: Dense and channels-last Conv1D/Conv2D. Pruning and int8 quantisation act on it.
 */
export interface UnitKernel {
  kernel: Variable;
  bias: Variable | null;
  activation: ActivationName;
  /** The config key that counts the units: 'units' (Dense) or 'filters' (convolutions). */
  unitsKey: 'units' | 'filters';
}

export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

const layerCounts = new Map<string, number>();

function autoName(className: string): string {
  const base = className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const n = (layerCounts.get(base) ?? 0) + 1;
  layerCounts.set(base, n);
  return `${base}_${n}`;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  initializer: InitializerSpec;
  trainable?: boolean;
  regularizer?: Regularizer | null;
  /** 'int8' for quantised weights: frozen (never trainable), starting at zeros whatever the initializer. */
  dtype?: 'float32' | 'int8';
}

/** Elements addWeight may still allocate while a model is rebuilt from a file (see withWeightBudget). */
let weightBudget: { left: number; source: string } | null = null;

/**
 * Runs fn (which builds layers) allowing at most `elements` weight values in all: a model rebuilt from
 * an untrusted config may allocate no more than its weights file holds, so an absurd config fails
 * before it allocates.
 */
export function withWeightBudget<T>(elements: number, source: string, fn: () => T): T {
  const previous = weightBudget;
  weightBudget = { left: elements, source };
  try {
    return fn();
  } finally {
    weightBudget = previous;
  }
}

export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  /** Input shape declared by the user (first layer) or inferred when built. */
  inputShape: LayerShape | null;
  built = false;
  protected readonly weightList: Variable[] = [];
  /** Each weight's own name within the layer ('kernel', 'bias', 'moving_mean', ...), in build order. */
  private readonly weightNames: string[] = [];
  protected readonly regularizedWeights: { weight: Variable; regularizer: Regularizer }[] = [];
  /** Penalty on the layer's output (Keras activityRegularizer), divided by the batch size. */
  protected activityRegularizer: Regularizer | null = null;
  private lastActivityLoss: Tensor | null = null;
  /** Calls on symbolic tensors (functional API), in order. */
  readonly inboundNodes: LayerNode[] = [];

  constructor(args: LayerArgs = {}, className?: string) {
    this.name = args.name ?? autoName(className ?? this.constructor.name);
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape) this.inputShape = args.batchInputShape.slice(1).map((d) => d ?? -1);
    else this.inputShape = args.inputShape ? [...args.inputShape] : null;
    if (this.inputShape && this.inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`${this.name}: inputShape ${formatShape(this.inputShape)} must hold positive integers (no batch dimension)`);
    }
  }

  /** Creates weights for an input of this shape; called once, before the first call. */
  build(inputShape: LayerShape): void {
    this.inputShape = [...inputShape];
    this.built = true;
  }

  /** The forward computation on a batch; differentiable through ops. */
  abstract call(x: Tensor, options: CallOptions): Tensor;

  /** Output shape (no batch dimension) for an input shape. */
  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  /** Multiply-adds counted as 2 FLOPs, per example, for summary(). */
  flops(_inputShape: LayerShape): number {
    return 0;
  }

  /**
   * Builds on first use, checks the input shape, then calls. On symbolic tensors (from `input()` or
   * another layer's symbolic output) it records the call instead and returns a symbolic output.
   */
  apply(x: SymbolicTensor | SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  apply(x: Tensor | Tensor[], options?: CallOptions): Tensor;
  apply(x: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], options: CallOptions = {}): Tensor | SymbolicTensor {
    if (hasSymbolic(x)) return applySymbolic(this, Array.isArray(x) ? (x as SymbolicTensor[]) : [x as SymbolicTensor]);
    if (Array.isArray(x)) return this.applyList(x as Tensor[], options);
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.apply: expected a Tensor or a symbolic tensor from input(), got ${describe(x)}`);
    const exampleShape = x.shape.slice(1);
    if (!this.built) this.build(this.inputShape ?? exampleShape);
    this.checkExampleShape(exampleShape, formatShape(x.shape));
    return this.call(x, options);
  }

  /** Several inputs: merge layers override this; a layer of one input takes a list of one. */
  protected applyList(xs: Tensor[], options: CallOptions): Tensor {
    if (xs.length === 1) return this.apply(xs[0], options);
    throw new Error(`${this.name} (${this.className}) takes one input, got a list of ${xs.length}; merge them first (layers.concatenate, layers.add)`);
  }

  /** Refuses an example shape other than the one the layer was built for. */
  protected checkExampleShape(exampleShape: LayerShape, shown: string): void {
    if (this.inputShape && !shapesEqual(this.inputShape, exampleShape)) {
      throw new Error(
        `${this.name}: expected input of shape [batch, ${this.inputShape.join(', ')}], got ${shown}; ` +
          `check the number of features (or reshape images to [batch, ${this.inputShape.join(', ')}])`,
      );
    }
  }

  /** Output shape (no batch dimension) for the shapes of its inputs, building the layer on first use (functional API). */
  outputShapeFor(shapes: LayerShape[]): LayerShape {
    if (shapes.length !== 1) {
      throw new Error(`${this.name} (${this.className}) takes one input, got ${shapes.length}; merge them first (layers.concatenate, layers.add)`);
    }
    if (!this.built) this.build(this.inputShape ?? shapes[0]);
    this.checkExampleShape(shapes[0], `[batch, ${shapes[0].join(', ')}]`);
    return this.computeOutputShape(shapes[0]);
  }

  /** The dtype of the output for inputs of these dtypes (float32 for every layer with arithmetic). */
  outputDtype(_inputs: DType[]): DType {
    return 'float32';
  }

  protected addWeight(spec: WeightSpec): Variable {
    if (weightBudget) {
      const size = sizeOf(spec.shape);
      if (!(size <= weightBudget.left)) {
        throw new Error(
          `${weightBudget.source}: layer '${this.name}' would create weight '${spec.name}' of shape ${formatShape(spec.shape)}, ` +
            'more values than the weights file holds; the model config does not match its weights',
        );
      }
      weightBudget.left -= size;
    }
    const v = spec.dtype === 'int8'
      ? new Variable(new Tensor(new Int8Array(sizeOf(spec.shape)), spec.shape, 'int8'), false, `${this.name}/${spec.name}`)
      : new Variable(initialize(spec.initializer, spec.shape), spec.trainable ?? true, `${this.name}/${spec.name}`);
    this.weightList.push(v);
    this.weightNames.push(spec.name);
    if (spec.regularizer) this.regularizedWeights.push({ weight: v, regularizer: spec.regularizer });
    return v;
  }

  /** The weights' names within the layer, in the order of `weights` (Keras names: kernel, bias, gamma, ...). */
  get weightSpecNames(): string[] {
    return [...this.weightNames];
  }

  get weights(): Variable[] {
    return [...this.weightList];
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this.weightList.filter((w) => w.trainable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.weightList.filter((w) => !this.trainable || !w.trainable);
  }

  /** Penalty terms (kernel/bias regularisers) to add to the loss. */
  regularizationLosses(): Tensor[] {
    return this.regularizedWeights.map(({ weight, regularizer }) => regularizer.apply(weight));
  }

  /** Activity penalties computed during the last call, if the layer has an activity regulariser. */
  activityLosses(): Tensor[] {
    return this.lastActivityLoss ? [this.lastActivityLoss] : [];
  }

  /** Records the activity penalty of an output (per example: divided by the batch size) and returns the output. */
  protected withActivityPenalty(y: Tensor): Tensor {
    this.lastActivityLoss = this.activityRegularizer ? ops.div(this.activityRegularizer.apply(y), y.shape[0]) : null;
    return y;
  }

  countParams(): number {
    return this.weightList.reduce((n, w) => n + w.size, 0);
  }

  /** Snapshots of the weights, in build order. */
  getWeights(): Tensor[] {
    return this.weightList.map((w) => w.read());
  }

  setWeights(weights: readonly Tensor[]): void {
    if (weights.length !== this.weightList.length) {
      throw new Error(`${this.name}: setWeights got ${weights.length} tensors, the layer has ${this.weightList.length} weights`);
    }
    weights.forEach((w, i) => this.weightList[i].assign(w));
  }

  /** The layer as a UnitKernel once built, or null: most layers are not one. */
  unitKernel(): UnitKernel | null {
    return null;
  }

  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable };
    if (this.inputShape) config.inputShape = [...this.inputShape];
    return config;
  }

  serialize(): SerializedLayer {
    return { className: this.className, config: this.getConfig() };
  }
}
