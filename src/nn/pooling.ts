// Pooling layers (TensorFlow.js names and options): max and average pooling in 1-D and 2-D windows, and
// global max / average pooling over the spatial axes; channels-last by default, or channels-first.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { runOp } from '../ops/run.js';
import { poolInfo } from '../backend/conv-geometry.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { channelsFirstShape, channelsLastShape, checkPadding, toChannelsFirst, toChannelsLast } from './conv.js';

type Pair = [number, number];

export interface PoolingArgs extends LayerArgs {
  /** Window size: a number or [h, w] (default 2). */
  poolSize?: number | number[];
  /** Step between windows (default: the window size). */
  strides?: number | number[] | null;
  /** 'valid' (default) or 'same'; a glassbox extension: explicit [[top, bottom], [left, right]] (1-D: [[before, after]]), padded cells ignored. */
  padding?: 'valid' | 'same' | [number, number][];
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

function dataFormatOf(layer: Layer, v: unknown): 'channelsLast' | 'channelsFirst' {
  const format = v ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channelsFirst') throw new Error(`${layer.name}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(v)}`);
  return format;
}

function pairOf(layer: string, what: string, v: number | number[], rank: 1 | 2): Pair {
  const list = Array.isArray(v) ? v : [v];
  const values = list.length === 1 ? Array<number>(rank).fill(list[0]) : list;
  if (values.length !== rank || values.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${layer}: ${what} must be a positive integer or ${rank} of them, got ${JSON.stringify(v)}`);
  }
  return rank === 1 ? [1, values[0]] : [values[0], values[1]];
}

function checkRank(layer: Layer, inputShape: LayerShape, rank: 1 | 2, first = false): void {
  if (inputShape.length !== rank + 1) {
    const form = first ? (rank === 2 ? '[batch, channels, height, width]' : '[batch, channels, steps]') : rank === 2 ? '[batch, height, width, channels]' : '[batch, steps, channels]';
    throw new Error(`${layer.name}: expected input ${form}, got [batch, ${inputShape.join(', ')}]`);
  }
}

/** maxPooling1d/2d and averagePooling1d/2d. */
export class Pooling extends Layer {
  readonly className: string;
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: 'valid' | 'same' | [number, number][];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: PoolingArgs, readonly kind: 'max' | 'avg', readonly rank: 1 | 2) {
    const className = `${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}D`;
    super(args, className);
    this.className = className;
    this.dataFormat = dataFormatOf(this, args?.dataFormat);
    this.poolSize = pairOf(this.name, 'poolSize', args?.poolSize ?? 2, rank);
    this.strides = args?.strides === undefined || args.strides === null ? this.poolSize : pairOf(this.name, 'strides', args.strides, rank);
    this.padding = checkPadding(this.name, args?.padding ?? 'valid', rank, false) as 'valid' | 'same' | [number, number][];
  }

  private geometry() {
    const p = this.padding;
    const padding = typeof p === 'string' ? p : this.rank === 2 ? [p[0], p[1]] as [Pair, Pair] : [[0, 0], p[0]] as [Pair, Pair];
    return { poolSize: this.poolSize, strides: this.strides, padding };
  }

  call(x: Tensor): Tensor {
    const first = this.dataFormat === 'channelsFirst';
    const last = first ? toChannelsLast(x) : x;
    const x4 = this.rank === 2 ? last : ops.reshape(last, [last.shape[0], 1, last.shape[1], last.shape[2]]);
    let y = runOp(this.kind === 'max' ? 'maxPool' : 'avgPool', [x4], this.geometry());
    if (this.rank === 1) y = ops.reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
    return first ? toChannelsFirst(y) : y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const first = this.dataFormat === 'channelsFirst';
    checkRank(this, inputShape, this.rank, first);
    const shape = first ? channelsLastShape(inputShape) : inputShape;
    const [h, w, c] = this.rank === 2 ? shape : [1, ...shape];
    try {
      const p = poolInfo([1, h, w, c], this.poolSize, this.strides, this.geometry().padding);
      const out = this.rank === 2 ? [p.outH, p.outW, c] : [p.outW, c];
      return first ? channelsFirstShape(out) : out;
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
    const padding = typeof this.padding === 'string' ? this.padding : this.padding.map((p) => [...p]);
    return { ...super.getConfig(), poolSize: one(this.poolSize), strides: one(this.strides), padding, dataFormat: this.dataFormat };
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: 'channelsLast' | 'channelsFirst';
  /** Keep the pooled axes with size 1 ([batch, 1, 1, channels]; ONNX's GlobalAveragePool does). */
  keepDims?: boolean;
}

/** globalMaxPooling1d/2d and globalAveragePooling1d/2d: one value per channel. */
export class GlobalPooling extends Layer {
  readonly className: string;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly keepDims: boolean;

  constructor(args: GlobalPoolingArgs, readonly kind: 'max' | 'avg', readonly rank: 1 | 2) {
    const className = `Global${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}D`;
    super(args, className);
    this.className = className;
    this.dataFormat = dataFormatOf(this, args?.dataFormat);
    this.keepDims = args?.keepDims ?? false;
  }

  /** The pooled axes, counted with the batch. */
  private axes(): number[] {
    const spatial = this.rank === 2 ? [1, 2] : [1];
    return this.dataFormat === 'channelsFirst' ? spatial.map((a) => a + 1) : spatial;
  }

  call(x: Tensor): Tensor {
    return this.kind === 'max' ? ops.max(x, this.axes(), this.keepDims) : ops.mean(x, this.axes(), this.keepDims);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const first = this.dataFormat === 'channelsFirst';
    checkRank(this, inputShape, this.rank, first);
    const axes = this.axes();
    return this.keepDims ? inputShape.map((d, i) => (axes.includes(i + 1) ? 1 : d)) : inputShape.filter((_, i) => !axes.includes(i + 1));
  }

  override flops(inputShape: LayerShape): number {
    return inputShape.reduce((a, b) => a * b, 1);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepDims: this.keepDims };
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
