// The input of a functional model: `input({shape})` makes an InputLayer and returns its symbolic tensor.

import type { DType, Tensor } from '../tensor/tensor.js';
import { Layer, type LayerArgs, type LayerConfig } from './layer.js';
import { describe, sourceTensor, type SymbolicTensor } from './symbolic.js';

export interface InputLayerArgs extends LayerArgs {
  /** The values' dtype: 'float32' (default) or 'int32' (ids for an embedding). */
  dtype?: DType;
}

/** Passes its input through; in a functional model it names the input and fixes its shape and dtype. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  readonly dtype: DType;

  constructor(args: InputLayerArgs) {
    super(args, 'InputLayer');
    if (!this.inputShape) throw new Error(`${this.name}: pass the shape of one example, e.g. input({shape: [784]})`);
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${this.name}: dtype must be 'float32' or 'int32', got ${describe(dtype)}`);
    this.dtype = dtype;
    this.built = true;
  }

  call(x: Tensor): Tensor {
    return x;
  }

  override outputDtype(): DType {
    return this.dtype;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), batchInputShape: [null, ...this.inputShape!], dtype: this.dtype };
  }
}

export interface InputArgs {
  /** Shape of one example, without the batch dimension, e.g. [28, 28, 1]. */
  shape?: number[];
  /** TensorFlow.js form: [null, ...shape]. */
  batchShape?: (number | null)[];
  name?: string;
  dtype?: DType;
}

/** A symbolic input of a functional model (TensorFlow.js `tf.input`). */
export function input(args: InputArgs): SymbolicTensor {
  if (args === null || typeof args !== 'object') throw new Error(`input: pass {shape}, e.g. input({shape: [784]}), got ${describe(args)}`);
  const known = new Set(['shape', 'batchShape', 'name', 'dtype', 'sparse']);
  for (const k of Object.keys(args)) if (!known.has(k)) throw new Error(`input: unknown option '${k}'; known options: shape, batchShape, name, dtype`);
  const shape = args.shape ?? args.batchShape?.slice(1);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || (d as number) <= 0)) {
    throw new Error(`input: shape must list the positive sizes of one example (no batch dimension; glassbox needs every other size), got ${JSON.stringify(args.shape ?? args.batchShape)}`);
  }
  const layer = new InputLayer({ inputShape: shape as number[], name: args.name, dtype: args.dtype });
  return sourceTensor(layer, layer.inputShape!, layer.dtype);
}

export const inputLayer = (args: InputLayerArgs) => new InputLayer(args);
