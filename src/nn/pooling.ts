// Pooling layers (TensorFlow.js names and options, channels-last): max and average pooling in 1-D and
// 2-D windows, and global max / average pooling over the spatial axes.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { runOp } from '../ops/run.js';
import { poolInfo } from '../backend/conv-geometry.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';

type Pair = [number, number];

export interface PoolingArgs extends LayerArgs {
  /** Window size: a number or [h, w] (default 2). */
  poolSize?: number | number[];
  /** Step between windows (default: the window size). */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

function pairOf(layer: string, what: string, v: number | number[], rank: 1 | 2): Pair {
  const list = Array.isArray(v) ? v : [v];
  const values = list.length === 1 ? Array<number>(rank).fill(list[0]) : list;
  if (values.length !== rank || values.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${layer}: ${what} must be a positive integer or ${rank} of them, got ${JSON.stringify(v)}`);
  }
  return rank === 1 ? [1, values[0]] : [values[0], values[1]];
}

function checkRank(layer: Layer, inputShape: LayerShape, rank: 1 | 2): void {
  if (inputShape.length !== rank + 1) {
    const form = rank === 2 ? '[batch, height, width, channels]' : '[batch, steps, channels]';
    throw new Error(`${layer.name}: expected input ${form}, got [batch, ${inputShape.join(', ')}]`);
  }
}

/** maxPooling1d/2d and averagePooling1d/2d. */
export class Pooling extends Layer {
  readonly className: string;
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: 'valid' | 'same';

  constructor(args: PoolingArgs, readonly kind: 'max' | 'avg', readonly rank: 1 | 2) {
    const className = `${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}D`;
    super(args, className);
    this.className = className;
    if (args?.dataFormat === 'channelsFirst') throw new Error(`${this.name}: dataFormat 'channelsFirst' is not supported; glassbox is channels-last`);
    this.poolSize = pairOf(this.name, 'poolSize', args?.poolSize ?? 2, rank);
    this.strides = args?.strides === undefined || args.strides === null ? this.poolSize : pairOf(this.name, 'strides', args.strides, rank);
    const padding = args?.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new Error(`${this.name}: padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.padding = padding;
  }

  private geometry() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  call(x: Tensor): Tensor {
    const x4 = this.rank === 2 ? x : ops.reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
    const y = runOp(this.kind === 'max' ? 'maxPool' : 'avgPool', [x4], this.geometry());
    return this.rank === 2 ? y : ops.reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    checkRank(this, inputShape, this.rank);
    const [h, w, c] = this.rank === 2 ? inputShape : [1, ...inputShape];
    try {
      const p = poolInfo([1, h, w, c], this.poolSize, this.strides, this.padding);
      return this.rank === 2 ? [p.outH, p.outW, c] : [p.outW, c];
    } catch (e) {
      throw new Error(`${this.name}: the pooling window ${this.rank === 2 ? this.poolSize.join('x') : this.poolSize[1]} does not fit the input [batch, ${inputShape.join(', ')}]: ${(e as Error).message}`);
    }
  }

  override flops(inputShape: LayerShape): number {
    const out = this.computeOutputShape(inputShape);
    return out.reduce((a, b) => a * b, 1) * this.poolSize[0] * this.poolSize[1];
  }

  override getConfig(): LayerConfig {
    const one = (p: Pair) => (this.rank === 1 ? [p[1]] : [...p]);
    return { ...super.getConfig(), poolSize: one(this.poolSize), strides: one(this.strides), padding: this.padding, dataFormat: 'channelsLast' };
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

/** globalMaxPooling1d/2d and globalAveragePooling1d/2d: one value per channel. */
export class GlobalPooling extends Layer {
  readonly className: string;

  constructor(args: GlobalPoolingArgs, readonly kind: 'max' | 'avg', readonly rank: 1 | 2) {
    const className = `Global${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}D`;
    super(args, className);
    this.className = className;
    if (args?.dataFormat === 'channelsFirst') throw new Error(`${this.name}: dataFormat 'channelsFirst' is not supported; glassbox is channels-last`);
  }

  call(x: Tensor): Tensor {
    const axes = this.rank === 2 ? [1, 2] : [1];
    return this.kind === 'max' ? ops.max(x, axes) : ops.mean(x, axes);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    checkRank(this, inputShape, this.rank);
    return [inputShape[inputShape.length - 1]];
  }

  override flops(inputShape: LayerShape): number {
    return inputShape.reduce((a, b) => a * b, 1);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: 'channelsLast' };
  }
}

export const maxPooling1d = (args: PoolingArgs = {}) => new Pooling(args, 'max', 1);
export const maxPooling2d = (args: PoolingArgs = {}) => new Pooling(args, 'max', 2);
export const averagePooling1d = (args: PoolingArgs = {}) => new Pooling(args, 'avg', 1);
export const averagePooling2d = (args: PoolingArgs = {}) => new Pooling(args, 'avg', 2);
export const globalMaxPooling1d = (args: GlobalPoolingArgs = {}) => new GlobalPooling(args, 'max', 1);
export const globalMaxPooling2d = (args: GlobalPoolingArgs = {}) => new GlobalPooling(args, 'max', 2);
export const globalAveragePooling1d = (args: GlobalPoolingArgs = {}) => new GlobalPooling(args, 'avg', 1);
export const globalAveragePooling2d = (args: GlobalPoolingArgs = {}) => new GlobalPooling(args, 'avg', 2);
