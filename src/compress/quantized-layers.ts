// Int8 layers made by quantizeModel (quantize.ts): each quantises its input with calibrated scale and zero
// point, then runs an int8 dense or conv op over per-unit symmetric int8 weights. Inference only (frozen);
// saved as int8 tensors plus float scales, rebuilt from model.json like any layer.

import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import * as ops from '../ops/index.js';
import { conv2dInfo } from '../backend/conv-geometry.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape } from '../nn/layer.js';
import { resolveActivation, splitActivation, type ActivationName } from '../nn/activations.js';
import { registerLayer } from '../nn/registry.js';
import { denseFlops } from '../nn/dense.js';
import type { QuantParams } from '../ops/registry/attrs.js';
import { quantize, quantizedConv2d, quantizedLinear } from './ops.js';

interface QuantizedArgs extends LayerArgs {
  activation?: string;
  useBias?: boolean;
  /** The calibrated quantisation of the layer's input. */
  inputScale: number;
  inputZeroPoint: number;
}

export interface QuantizedDenseArgs extends QuantizedArgs {
  units: number;
}

export interface QuantizedConv2DArgs extends QuantizedArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same';
  dilationRate?: number | number[];
}

function checkQuant(layer: string, a: QuantizedArgs): QuantParams {
  const { inputScale: scale, inputZeroPoint: zeroPoint } = a;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) throw new Error(`${layer}: inputScale must be a positive number, got ${scale}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 127) throw new Error(`${layer}: inputZeroPoint must be an integer in 0..127, got ${zeroPoint}`);
  return { scale: Math.fround(scale), zeroPoint };
}

/** What both int8 layers share: the input's quantisation, activation, bias and frozen weights. */
abstract class QuantizedLayer extends Layer {
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly input: QuantParams;
  kernel: Variable | null = null;
  kernelScale: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: QuantizedArgs, className: string) {
    super({ ...args, trainable: false }, className);
    this.input = checkQuant(this.name, args);
    this.activation = resolveActivation(args.activation);
    this.useBias = args.useBias ?? true;
  }

  /** kernel (int8, one row per unit), kernel_scale (float per unit), bias: frozen, filled by quantizeModel or a load. */
  protected addQuantizedWeights(kernelShape: number[], units: number): void {
    this.kernel = this.addWeight({ name: 'kernel', shape: kernelShape, initializer: 'zeros', dtype: 'int8' });
    this.kernelScale = this.addWeight({ name: 'kernel_scale', shape: [units], initializer: 'ones', trainable: false });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [units], initializer: 'zeros', trainable: false });
  }

  /** As Layer.setWeights, refusing scales that are not positive and finite (a damaged file), naming the layer. */
  override setWeights(weights: readonly Tensor[]): void {
    const scales = weights[1];
    if (scales && scales.dtype === 'float32' && !scales.values.every((v) => v > 0 && Number.isFinite(v))) {
      throw new Error(`${this.name}: kernel_scale must hold positive finite numbers (one per unit); the weights are damaged — quantise the model again`);
    }
    super.setWeights(weights);
  }

  protected attrs(fused: 'linear' | 'relu' | 'sigmoid' | 'tanh') {
    return { act: fused, inputScale: this.input.scale, inputZeroPoint: this.input.zeroPoint };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.activation, useBias: this.useBias, inputScale: this.input.scale, inputZeroPoint: this.input.zeroPoint };
  }
}

/** Dense with int8 weights [units, inputDim] and int8 activations. */
export class QuantizedDense extends QuantizedLayer {
  readonly className = 'QuantizedDense';
  readonly units: number;

  constructor(args: QuantizedDenseArgs) {
    super(args, 'QuantizedDense');
    if (!Number.isInteger(args.units) || args.units <= 0) throw new Error(`${this.name}: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
  }

  override build(inputShape: LayerShape): void {
    this.addQuantizedWeights([this.units, inputShape[inputShape.length - 1]], this.units);
    super.build(inputShape);
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    const inputDim = this.kernel!.shape[1];
    const rows = x.rank === 2 ? x : ops.reshape(x, [-1, inputDim]);
    const { fused, after } = splitActivation(this.activation);
    let y = quantizedLinear(quantize(rows, this.input), this.kernel!, this.kernelScale!, this.bias, this.attrs(fused));
    if (after) y = after(y);
    return x.rank === 2 ? y : ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  /** As Dense: int8 multiply-adds count as 2 FLOPs too. */
  override flops(inputShape: LayerShape): number {
    return denseFlops(inputShape, this.units, this.useBias);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units };
  }
}

function pair(layer: string, what: string, v: number | number[] | undefined, fallback: number): [number, number] {
  const list = v === undefined ? [fallback, fallback] : Array.isArray(v) ? (v.length === 1 ? [v[0], v[0]] : v) : [v, v];
  if (list.length !== 2 || list.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${layer}: ${what} must be a positive integer or two, got ${JSON.stringify(v)}`);
  return [list[0], list[1]];
}

/** Conv2D (channels-last) with int8 filters [filters, kH, kW, inC] and int8 activations. */
export class QuantizedConv2D extends QuantizedLayer {
  readonly className = 'QuantizedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly padding: 'valid' | 'same';

  constructor(args: QuantizedConv2DArgs) {
    super(args, 'QuantizedConv2D');
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = pair(this.name, 'kernelSize', args.kernelSize, 1);
    this.strides = pair(this.name, 'strides', args.strides, 1);
    this.dilationRate = pair(this.name, 'dilationRate', args.dilationRate, 1);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new Error(`${this.name}: padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.padding = padding;
  }

  private geometry() {
    return { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
  }

  override build(inputShape: LayerShape): void {
    const inC = this.checkInput(inputShape)[2];
    this.addQuantizedWeights([this.filters, this.kernelSize[0], this.kernelSize[1], inC], this.filters);
    super.build(inputShape);
  }

  private checkInput(inputShape: LayerShape): [number, number, number] {
    if (inputShape.length !== 3) throw new Error(`${this.name}: expected input [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
    return [inputShape[0], inputShape[1], inputShape[2]];
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    const { fused, after } = splitActivation(this.activation);
    const y = quantizedConv2d(quantize(x, this.input), this.kernel!, this.kernelScale!, this.bias, { ...this.geometry(), ...this.attrs(fused) });
    return after ? after(y) : y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const [h, w, inC] = this.checkInput(inputShape);
    const c = conv2dInfo([1, h, w, inC], [this.kernelSize[0], this.kernelSize[1], inC, this.filters], this.strides, this.padding, this.dilationRate);
    return [c.outH, c.outW, this.filters];
  }

  override flops(inputShape: LayerShape): number {
    const inC = this.checkInput(inputShape)[2];
    const [oh, ow] = this.computeOutputShape(inputShape);
    return oh * ow * this.filters * (2 * this.kernelSize[0] * this.kernelSize[1] * inC + (this.useBias ? 1 : 0));
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      dilationRate: [...this.dilationRate],
    };
  }
}

registerLayer('QuantizedDense', (c) => new QuantizedDense(c as unknown as QuantizedDenseArgs));
registerLayer('QuantizedConv2D', (c) => new QuantizedConv2D(c as unknown as QuantizedConv2DArgs));
