// Convolution layers (TensorFlow.js names and options): conv1d, conv2d, depthwiseConv2d, separableConv2d.
// Each is one registry op with a fused bias + activation epilogue where it can be. Channels-last by default;
// dataFormat 'channelsFirst' (what ONNX and PyTorch use) transposes around the same op.

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { runOp } from '../ops/run.js';
import { conv2dInfo, depthwiseConv2dInfo, type Padding } from '../backend/conv-geometry.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape, type UnitKernel } from './layer.js';
import { resolveActivation, splitActivation, type ActivationName } from './activations.js';
import { normalizeInitializer, type InitializerConfig, type InitializerSpec } from './initializers.js';
import { toRegularizer, type Regularizer, type RegularizerConfig, type RegularizerSpec } from './regularizers.js';

type Pair = [number, number];
export type ConvPadding = 'valid' | 'same' | 'causal' | [number, number][];

/** An example shape in channels-last order, from channels-first ([c, ...spatial] -> [...spatial, c]). */
export const channelsLastShape = (shape: LayerShape): LayerShape => [...shape.slice(1), shape[0]];
/** The reverse: [...spatial, c] -> [c, ...spatial]. */
export const channelsFirstShape = (shape: LayerShape): LayerShape => [shape[shape.length - 1], ...shape.slice(0, -1)];
/** Transposes a batch between channels-first and channels-last (axes counted with the batch). */
export function toChannelsLast(x: Tensor): Tensor {
  return ops.transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]);
}
export function toChannelsFirst(x: Tensor): Tensor {
  return ops.transpose(x, [0, x.rank - 1, ...x.shape.slice(1, -1).map((_, i) => i + 1)]);
}

/** 'valid' / 'same' / 'causal', or explicit [before, after] pairs per spatial axis, checked. */
export function checkPadding(layer: string, padding: unknown, rank: 1 | 2, causal: boolean): ConvPadding {
  if (padding === 'valid' || padding === 'same' || (causal && padding === 'causal')) return padding;
  const explicit = Array.isArray(padding) && padding.length === rank && padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (!explicit) {
    throw new Error(`${layer}: padding must be 'valid' or 'same'${causal ? " or 'causal'" : ''} (or explicit [before, after] pairs per spatial axis), got ${JSON.stringify(padding)}`);
  }
  return (padding as number[][]).map((p) => [p[0], p[1]] as Pair);
}

export interface ConvArgsBase extends LayerArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  /**
   * 'valid' (default) or 'same'; conv1d also takes 'causal'. A glassbox extension for imported models:
   * explicit zero padding [[top, bottom], [left, right]] (conv1d: [[before, after]]).
   */
  padding?: ConvPadding;
  /** 'channelsLast' (default, [batch, height, width, channels]) or 'channelsFirst' ([batch, channels, height, width]). */
  dataFormat?: 'channelsLast' | 'channelsFirst';
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
  biasInitializer?: InitializerSpec;
  biasRegularizer?: RegularizerSpec | null;
  activityRegularizer?: RegularizerSpec | null;
}

export interface ConvArgs extends ConvArgsBase {
  filters: number;
  kernelInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
}

function pairOf(layer: string, what: string, v: number | number[] | undefined, rank: 1 | 2, fallback: number): Pair {
  const list = v === undefined ? [fallback] : Array.isArray(v) ? v : [v];
  const values = list.length === 1 ? Array<number>(rank).fill(list[0]) : list;
  if (values.length !== rank || values.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${layer}: ${what} must be a positive integer or ${rank} of them, got ${JSON.stringify(v)}`);
  }
  return rank === 1 ? [1, values[0]] : [values[0], values[1]];
}

const reg = (r: Regularizer | null): RegularizerConfig | null => (r ? r.getConfig() : null);

/** What every conv layer shares: geometry, activation, bias, initialisers and regularisers of the bias and output. */
abstract class ConvBase extends Layer {
  readonly rank: 1 | 2;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly dilationRate: Pair;
  readonly padding: ConvPadding;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly biasInitializer: InitializerConfig;
  readonly biasRegularizer: Regularizer | null;
  bias: Variable | null = null;

  constructor(args: ConvArgsBase, className: string, rank: 1 | 2) {
    super(args, className);
    if (!args || args.kernelSize === undefined) throw new Error(`${this.name}: kernelSize is required (e.g. kernelSize: 3)`);
    const format = args.dataFormat ?? 'channelsLast';
    if (format !== 'channelsLast' && format !== 'channelsFirst') throw new Error(`${this.name}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(format)}`);
    this.dataFormat = format;
    this.rank = rank;
    this.kernelSize = pairOf(this.name, 'kernelSize', args.kernelSize, rank, 1);
    this.strides = pairOf(this.name, 'strides', args.strides, rank, 1);
    this.dilationRate = pairOf(this.name, 'dilationRate', args.dilationRate, rank, 1);
    const padding = checkPadding(this.name, args.padding ?? 'valid', rank, rank === 1);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(`${this.name}: strides > 1 with dilationRate > 1 is not supported (as in TensorFlow); use one or the other`);
    }
    this.padding = padding;
    this.activation = resolveActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.biasInitializer = normalizeInitializer(args.biasInitializer ?? 'zeros');
    this.biasRegularizer = toRegularizer(args.biasRegularizer);
    this.activityRegularizer = toRegularizer(args.activityRegularizer);
  }

  /** Explicit padding for the 2-D op: 'causal' pads only the start of the sequence. */
  protected padding2d(): Padding {
    if (this.padding === 'causal') return [[0, 0], [(this.kernelSize[1] - 1) * this.dilationRate[1], 0]];
    if (typeof this.padding === 'string') return this.padding;
    return this.rank === 2 ? [this.padding[0], this.padding[1]] : [[0, 0], this.padding[0]];
  }

  private get channelsFirst(): boolean {
    return this.dataFormat === 'channelsFirst';
  }

  /** The example shape in channels-last order (what the ops compute in). */
  protected lastOf(inputShape: LayerShape): LayerShape {
    return this.channelsFirst && inputShape.length === this.rank + 1 ? channelsLastShape(inputShape) : inputShape;
  }

  /** An output example shape, channels-last, in the layer's data format. */
  protected inFormat(outputShape: LayerShape): LayerShape {
    return this.channelsFirst ? channelsFirstShape(outputShape) : outputShape;
  }

  /** The input example (in the layer's format) as channels-last [h, w, c] (1-D layers have h = 1). */
  protected checkInput(given: LayerShape): [number, number, number] {
    const want = this.rank + 1;
    const inputShape = this.lastOf(given);
    if (inputShape.length !== want) {
      const form = this.channelsFirst
        ? (this.rank === 2 ? '[batch, channels, height, width]' : '[batch, channels, steps]')
        : (this.rank === 2 ? '[batch, height, width, channels]' : '[batch, steps, channels]');
      const fix = this.rank === 2 ? `reshape images to ${form}, e.g. layers.reshape({targetShape: [28, 28, 1]}) before it` : 'add a channels axis of size 1';
      throw new Error(`${this.name}: expected input ${form}, got [batch, ${given.join(', ')}]; ${fix}`);
    }
    return this.rank === 2 ? [inputShape[0], inputShape[1], inputShape[2]] : [1, inputShape[0], inputShape[1]];
  }

  protected addBias(channels: number): void {
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [channels], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
  }

  /** Runs the 2-D op on x (1-D inputs as height 1), then the activation's unfused part and the activity penalty. */
  protected run(x: Tensor, op: (x4: Tensor, fused: 'linear' | 'relu' | 'tanh') => Tensor): Tensor {
    const { fused, after } = splitActivation(this.activation);
    const last = this.channelsFirst ? toChannelsLast(x) : x;
    const x4 = this.rank === 2 ? last : ops.reshape(last, [last.shape[0], 1, last.shape[1], last.shape[2]]);
    let y = op(x4, fused as 'linear' | 'relu' | 'tanh');
    if (this.rank === 1) y = ops.reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
    if (this.channelsFirst) y = toChannelsFirst(y);
    if (after) y = after(y);
    return this.withActivityPenalty(y);
  }

  protected geometry() {
    return { strides: this.strides, dilations: this.dilationRate, padding: this.padding2d() };
  }

  /** Output size of the 2-D geometry for a [h, w, inC] example, with the layer's name on errors. */
  protected outputHW(h: number, w: number, inC: number, filterShape: number[], depthwise: boolean): [number, number] {
    try {
      const make = depthwise ? depthwiseConv2dInfo : conv2dInfo;
      const c = make([1, h, w, inC], filterShape, this.strides, this.padding2d(), this.dilationRate);
      return [c.outH, c.outW];
    } catch (e) {
      throw new Error(`${this.name}: ${(e as Error).message} (input [batch, ${this.rank === 2 ? `${h}, ${w}` : w}, ${inC}])`);
    }
  }

  protected shapeOut(h: number, w: number, channels: number): LayerShape {
    return this.rank === 2 ? [h, w, channels] : [w, channels];
  }

  override getConfig(): LayerConfig {
    const one = (p: Pair) => (this.rank === 1 ? [p[1]] : [...p]);
    return {
      ...super.getConfig(),
      kernelSize: one(this.kernelSize), strides: one(this.strides), padding: typeof this.padding === 'string' ? this.padding : this.padding.map((p) => [...p]), dataFormat: this.dataFormat,
      dilationRate: one(this.dilationRate), activation: this.activation, useBias: this.useBias,
      biasInitializer: this.biasInitializer, biasRegularizer: reg(this.biasRegularizer), activityRegularizer: reg(this.activityRegularizer),
    };
  }
}

/** conv1d / conv2d: filters of kernelSize over every input channel. */
export class Conv extends ConvBase {
  readonly className: string;
  readonly filters: number;
  readonly kernelInitializer: InitializerConfig;
  readonly kernelRegularizer: Regularizer | null;
  kernel: Variable | null = null;

  constructor(args: ConvArgs, rank: 1 | 2) {
    const className = rank === 2 ? 'Conv2D' : 'Conv1D';
    super(args, className, rank);
    this.className = className;
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelInitializer = normalizeInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.kernelRegularizer = toRegularizer(args.kernelRegularizer);
  }

  private filterShape(inC: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], inC, this.filters];
  }

  override build(inputShape: LayerShape): void {
    const [, , inC] = this.checkInput(inputShape);
    this.computeOutputShape(inputShape);
    // Keras' kernel layout: [kernelSize, inC, filters] for conv1d, [kH, kW, inC, filters] for conv2d.
    const shape = this.rank === 2 ? this.filterShape(inC) : [this.kernelSize[1], inC, this.filters];
    this.kernel = this.addWeight({ name: 'kernel', shape, initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    this.addBias(this.filters);
    super.build(inputShape);
  }

  override unitKernel(): UnitKernel | null {
    // Channels-first outputs keep their units on axis 1, not the last: not a UnitKernel.
    if (!this.kernel || this.dataFormat !== 'channelsLast') return null;
    return { kernel: this.kernel, bias: this.bias, activation: this.activation, unitsKey: 'filters' };
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    const inC = this.kernel!.shape[this.rank === 2 ? 2 : 1];
    const w = this.rank === 2 ? this.kernel! : ops.reshape(this.kernel!, this.filterShape(inC));
    return this.run(x, (x4, act) => runOp('conv2d', this.bias ? [x4, w, this.bias] : [x4, w], { ...this.geometry(), act }));
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [h, w, inC] = this.checkInput(inputShape);
    const [oh, ow] = this.outputHW(h, w, inC, this.filterShape(inC), false);
    return this.inFormat(this.shapeOut(oh, ow, this.filters));
  }

  override flops(inputShape: LayerShape): number {
    const [, , inC] = this.checkInput(inputShape);
    const outputs = this.computeOutputShape(inputShape).reduce((a, b) => a * b, 1);
    return outputs * (2 * this.kernelSize[0] * this.kernelSize[1] * inC + (this.useBias ? 1 : 0));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), filters: this.filters, kernelInitializer: this.kernelInitializer, kernelRegularizer: reg(this.kernelRegularizer) };
  }
}

export interface DepthwiseConvArgs extends ConvArgsBase {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec | null;
}

/** depthwiseConv2d: each input channel convolved with its own depthMultiplier filters. */
export class DepthwiseConv2D extends ConvBase {
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly depthwiseInitializer: InitializerConfig;
  readonly depthwiseRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;

  constructor(args: DepthwiseConvArgs) {
    super(args, 'DepthwiseConv2D', 2);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new Error(`${this.name}: depthMultiplier must be a positive integer, got ${args.depthMultiplier}`);
    this.depthwiseInitializer = normalizeInitializer(args.depthwiseInitializer ?? 'glorotUniform');
    this.depthwiseRegularizer = toRegularizer(args.depthwiseRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const [, , inC] = this.checkInput(inputShape);
    this.computeOutputShape(inputShape);
    const shape = [this.kernelSize[0], this.kernelSize[1], inC, this.depthMultiplier];
    this.depthwiseKernel = this.addWeight({ name: 'depthwise_kernel', shape, initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer });
    this.addBias(inC * this.depthMultiplier);
    super.build(inputShape);
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    const w = this.depthwiseKernel!;
    return this.run(x, (x4, act) => runOp('depthwiseConv2d', this.bias ? [x4, w, this.bias] : [x4, w], { ...this.geometry(), act }));
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [h, w, inC] = this.checkInput(inputShape);
    const [oh, ow] = this.outputHW(h, w, inC, [this.kernelSize[0], this.kernelSize[1], inC, this.depthMultiplier], true);
    return this.inFormat([oh, ow, inC * this.depthMultiplier]);
  }

  override flops(inputShape: LayerShape): number {
    const out = this.computeOutputShape(inputShape);
    return out.reduce((a, b) => a * b, 1) * (2 * this.kernelSize[0] * this.kernelSize[1] + (this.useBias ? 1 : 0));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: this.depthwiseInitializer, depthwiseRegularizer: reg(this.depthwiseRegularizer) };
  }
}

export interface SeparableConvArgs extends DepthwiseConvArgs {
  filters: number;
  pointwiseInitializer?: InitializerSpec;
  pointwiseRegularizer?: RegularizerSpec | null;
}

/** separableConv2d: a depthwise conv, then a 1x1 conv mixing channels into `filters` (with the bias and activation). */
export class SeparableConv2D extends ConvBase {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  readonly depthwiseInitializer: InitializerConfig;
  readonly pointwiseInitializer: InitializerConfig;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly pointwiseRegularizer: Regularizer | null;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;

  constructor(args: SeparableConvArgs) {
    super(args, 'SeparableConv2D', 2);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new Error(`${this.name}: depthMultiplier must be a positive integer, got ${args.depthMultiplier}`);
    this.depthwiseInitializer = normalizeInitializer(args.depthwiseInitializer ?? 'glorotUniform');
    this.pointwiseInitializer = normalizeInitializer(args.pointwiseInitializer ?? 'glorotUniform');
    this.depthwiseRegularizer = toRegularizer(args.depthwiseRegularizer);
    this.pointwiseRegularizer = toRegularizer(args.pointwiseRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const [, , inC] = this.checkInput(inputShape);
    this.computeOutputShape(inputShape);
    const mid = inC * this.depthMultiplier;
    this.depthwiseKernel = this.addWeight({ name: 'depthwise_kernel', shape: [this.kernelSize[0], this.kernelSize[1], inC, this.depthMultiplier], initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer });
    this.pointwiseKernel = this.addWeight({ name: 'pointwise_kernel', shape: [1, 1, mid, this.filters], initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer });
    this.addBias(this.filters);
    super.build(inputShape);
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    return this.run(x, (x4, act) => {
      const mid = runOp('depthwiseConv2d', [x4, this.depthwiseKernel!], { ...this.geometry(), act: 'linear' });
      const pointwise = { strides: [1, 1] as Pair, dilations: [1, 1] as Pair, padding: 'valid' as const, act };
      return runOp('conv2d', this.bias ? [mid, this.pointwiseKernel!, this.bias] : [mid, this.pointwiseKernel!], pointwise);
    });
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [h, w, inC] = this.checkInput(inputShape);
    const [oh, ow] = this.outputHW(h, w, inC, [this.kernelSize[0], this.kernelSize[1], inC, this.depthMultiplier], true);
    return this.inFormat([oh, ow, this.filters]);
  }

  override flops(inputShape: LayerShape): number {
    const [, , inC] = this.checkInput(inputShape);
    const positions = this.computeOutputShape(inputShape).reduce((a, b) => a * b, 1) / this.filters;
    const mid = inC * this.depthMultiplier;
    return positions * (mid * 2 * this.kernelSize[0] * this.kernelSize[1] + this.filters * (2 * mid + (this.useBias ? 1 : 0)));
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), filters: this.filters, depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: this.depthwiseInitializer, pointwiseInitializer: this.pointwiseInitializer,
      depthwiseRegularizer: reg(this.depthwiseRegularizer), pointwiseRegularizer: reg(this.pointwiseRegularizer),
    };
  }
}

export const conv1d = (args: ConvArgs) => new Conv(args, 1);
export const conv2d = (args: ConvArgs) => new Conv(args, 2);
export const depthwiseConv2d = (args: DepthwiseConvArgs) => new DepthwiseConv2D(args);
export const separableConv2d = (args: SeparableConvArgs) => new SeparableConv2D(args);
