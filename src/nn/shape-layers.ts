// Layers that rearrange values: reshape and permute (per example), zeroPadding2d; and embedding (integer ids to vectors).

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { normalizeInitializer, type InitializerConfig, type InitializerSpec } from './initializers.js';
import { toRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

export interface ReshapeArgs extends LayerArgs {
  /** Shape of one example after the layer (no batch dimension); one entry may be -1. */
  targetShape: number[];
}

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args, 'Reshape');
    const t = args?.targetShape;
    if (!Array.isArray(t) || t.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new Error(`${this.name}: targetShape must be a list of positive integers with at most one -1, got ${JSON.stringify(t)}`);
    }
    this.targetShape = [...t];
  }

  call(x: Tensor): Tensor {
    return ops.reshape(x, [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const size = inputShape.reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d))) {
      throw new Error(`${this.name}: cannot reshape an example of shape [${inputShape.join(', ')}] (${size} values) to [${this.targetShape.join(', ')}]`);
    }
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

export interface PermuteArgs extends LayerArgs {
  /** The new order of an example's axes, 1-based (Keras): [2, 1] swaps the two axes of [batch, a, b]. */
  dims: number[];
}

export class Permute extends Layer {
  readonly className = 'Permute';
  readonly dims: number[];

  constructor(args: PermuteArgs) {
    super(args, 'Permute');
    const d = args?.dims;
    if (!Array.isArray(d) || d.length === 0 || [...d].sort((a, b) => a - b).some((v, i) => v !== i + 1)) {
      throw new Error(`${this.name}: dims must be a permutation of 1..n (the axes of one example, 1-based), got ${JSON.stringify(d)}`);
    }
    this.dims = [...d];
  }

  call(x: Tensor): Tensor {
    return ops.transpose(x, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    if (inputShape.length !== this.dims.length) throw new Error(`${this.name}: dims ${JSON.stringify(this.dims)} need inputs of rank ${this.dims.length + 1}, got [batch, ${inputShape.join(', ')}]`);
    return this.dims.map((d) => inputShape[d - 1]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /** Rows/columns of zeros: a number, [rows, columns] (both sides), or [[top, bottom], [left, right]] (default 1). */
  padding?: number | [number, number] | [[number, number], [number, number]];
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'ZeroPadding2D');
    const format = args.dataFormat ?? 'channelsLast';
    if (format !== 'channelsLast' && format !== 'channelsFirst') throw new Error(`${this.name}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(format)}`);
    this.dataFormat = format;
    const p = args.padding ?? 1;
    const pad: [[number, number], [number, number]] =
      typeof p === 'number' ? [[p, p], [p, p]] : typeof p[0] === 'number' ? [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]] : [[...(p[0] as [number, number])], [...(p[1] as [number, number])]] as [[number, number], [number, number]];
    if (pad.flat().some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`${this.name}: padding must be non-negative integers, got ${JSON.stringify(p)}`);
    this.padding = pad;
  }

  call(x: Tensor): Tensor {
    const none: [number, number] = [0, 0];
    return ops.pad(x, this.dataFormat === 'channelsFirst' ? [none, none, this.padding[0], this.padding[1]] : [none, this.padding[0], this.padding[1], none]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const first = this.dataFormat === 'channelsFirst';
    if (inputShape.length !== 3) throw new Error(`${this.name}: expected input ${first ? '[batch, channels, height, width]' : '[batch, height, width, channels]'}, got [batch, ${inputShape.join(', ')}]`);
    const [[t, b], [l, r]] = this.padding;
    return first ? [inputShape[0], inputShape[1] + t + b, inputShape[2] + l + r] : [inputShape[0] + t + b, inputShape[1] + l + r, inputShape[2]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]), dataFormat: this.dataFormat };
  }
}

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerSpec;
  embeddingsRegularizer?: RegularizerSpec | null;
  maskZero?: boolean;
  inputLength?: number | number[] | null;
}

/** Integer ids [batch, ...] to learned vectors [batch, ..., outputDim]. */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerConfig;
  readonly embeddingsRegularizer: Regularizer | null;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    const length = args?.inputLength;
    super(args && !args.inputShape && !args.batchInputShape && length !== undefined && length !== null ? { ...args, inputShape: Array.isArray(length) ? length : [length] } : args, 'Embedding');
    for (const key of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(args?.[key]) || args[key] < 1) throw new Error(`${this.name}: ${key} must be a positive integer, got ${args?.[key]}`);
    }
    if (args.maskZero) throw new Error(`${this.name}: maskZero is not supported (glassbox has no masking); leave it false`);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.embeddingsInitializer = normalizeInitializer(args.embeddingsInitializer ?? { className: 'randomUniform', config: { minval: -0.05, maxval: 0.05 } });
    this.embeddingsRegularizer = toRegularizer(args.embeddingsRegularizer);
  }

  override build(inputShape: LayerShape): void {
    this.embeddings = this.addWeight({ name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializer, regularizer: this.embeddingsRegularizer });
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    const ids = x.dtype === 'int32' ? x : ops.cast(x, 'int32');
    return ops.gather(this.embeddings!, ids, 0);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.outputDim];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInitializer, embeddingsRegularizer: this.embeddingsRegularizer?.getConfig() ?? null, maskZero: false,
    };
  }
}

export const reshape = (args: ReshapeArgs) => new Reshape(args);
export const permute = (args: PermuteArgs) => new Permute(args);
export const zeroPadding2d = (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args);
export const embedding = (args: EmbeddingArgs) => new Embedding(args);
