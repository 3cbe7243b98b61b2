// ONNX operators with a glassbox layer of their own: Gemm / MatMul as Dense, Conv, pooling, batch and layer
// normalisation, activations and softmax, channels-first as ONNX lays them out. The table HANDLERS joins them
// with the tensor operators of onnx-ops-tensor.ts.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import * as ops from '../ops/index.js';
import { Dense } from '../nn/dense.js';
import { Conv, DepthwiseConv2D } from '../nn/conv.js';
import { GlobalPooling, Pooling } from '../nn/pooling.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
import { Activation } from '../nn/simple-layers.js';
import { AlphaActivation, PReLU, ReLU, Softmax } from '../nn/activation-layers.js';
import { Embedding, Reshape, ZeroPadding2D } from '../nn/shape-layers.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import type { NodeContext, OnnxValue } from './onnx-import.js';
import {
  asFloat, axisOf, constOut, constantChannelsLast, floatAt, inputAt, lastAt, opLayer, rankOf, symAt, symOut, withLayout, worksChannelsLast,
} from './onnx-values.js';
import { TENSOR_HANDLERS } from './onnx-ops-tensor.js';

export type Handler = (ctx: NodeContext) => OnnxValue | OnnxValue[];

/** A glassbox activation on a layer output, or the same function folded on a constant. */
function activation(name: 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu', fold: (t: Tensor) => Tensor): Handler {
  return (ctx) => {
    const v = inputAt(ctx, 0, 'X');
    if (v.kind !== 'sym') return constOut(fold(asFloat(ctx, v)));
    return symOut(ctx.layer((n) => new Activation({ activation: name, name: n }), [v.t]), v.channelsLast);
  };
}

/** ONNX's GELU spelled out with Erf (see onnx-fuse.ts), as one gelu activation (in whatever layout its input is held). */
export const geluOf = (ctx: NodeContext): OnnxValue => {
  const v = inputAt(ctx, 0, 'X');
  if (v.kind !== 'sym') return ctx.fail('GELU of a constant is not supported');
  return symOut(ctx.layer((n) => new Activation({ activation: 'gelu', name: n }), [v.t]), v.channelsLast);
};

/** MatMul + Add of a bias (see onnx-fuse.ts): inputs A, W, bias. */
export function denseFromMatMul(ctx: NodeContext): OnnxValue {
  const w = floatAt(ctx, 1, 'B');
  const bias = ops.reshape(floatAt(ctx, 2, 'bias'), [w.shape[1]]);
  return symOut(ctx.layer((n) => new Dense({ units: w.shape[1], name: n }), [symAt(ctx, 0, 'A')], [w, bias]));
}

function gemm(ctx: NodeContext): OnnxValue {
  ctx.attr.only(['alpha', 'beta', 'transA', 'transB']);
  if (ctx.attr.int('transA', 0) !== 0) ctx.fail('transA = 1 would transpose the batch axis away; not supported');
  const x = symAt(ctx, 0, 'A');
  if (rankOf(x) !== 2) ctx.fail(`A must be [batch, features], got rank ${rankOf(x)}`);
  const b = floatAt(ctx, 1, 'B');
  let kernel = ctx.attr.int('transB', 0) ? ops.transpose(b) : b;
  const alpha = ctx.attr.float('alpha', 1);
  if (alpha !== 1) kernel = ops.mul(kernel, alpha);
  const units = kernel.shape[1];
  const c = ctx.inputs[2];
  let bias: Tensor | null = null;
  if (c) {
    const cv = asFloat(ctx, c.kind === 'sym' ? ctx.fail('a computed C (bias) is not supported; it must be an initializer') : c);
    if (cv.size !== 1 && cv.size !== units) ctx.fail(`C of shape ${formatShape(cv.shape)} does not broadcast to [batch, ${units}] per output unit`);
    bias = ops.mul(ops.broadcastTo(ops.reshape(cv, [cv.size]), [units]), ctx.attr.float('beta', 1));
  }
  return symOut(ctx.layer((n) => new Dense({ units, useBias: bias !== null, name: n }), [x], bias ? [kernel, bias] : [kernel]));
}

function matMul(ctx: NodeContext): OnnxValue {
  const a = inputAt(ctx, 0, 'A');
  const b = inputAt(ctx, 1, 'B');
  if (a.kind !== 'sym' && b.kind !== 'sym') return constOut(ops.matMul(asFloat(ctx, a), asFloat(ctx, b)));
  if (a.kind === 'sym' && b.kind !== 'sym' && asFloat(ctx, b).rank === 2) {
    const w = asFloat(ctx, b);
    return symOut(ctx.layer((n) => new Dense({ units: w.shape[1], useBias: false, name: n }), [a.t], [w]));
  }
  return opLayer(ctx, 'matMul', { transA: false, transB: false }, [a, b]);
}

/** ONNX pads [x1_begin, x2_begin, ..., x1_end, ...] as [before, after] pairs per spatial axis. */
function padPairs(pads: number[], n: number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [pads[i], pads[i + n]] as [number, number]);
}

/** Kernel, strides, dilations and padding of a conv or pool node over `spatial` axes of `sizes`. */
function windowGeometry(ctx: NodeContext, kernel: number[], sizes: number[]) {
  const n = kernel.length;
  const strides = ctx.attr.ints('strides') ?? Array<number>(n).fill(1);
  const dilations = ctx.attr.ints('dilations') ?? Array<number>(n).fill(1);
  const autoPad = ctx.attr.string('auto_pad', 'NOTSET');
  let pads = padPairs(ctx.attr.ints('pads') ?? Array<number>(2 * n).fill(0), n);
  if (autoPad === 'VALID') pads = pads.map(() => [0, 0]);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = sizes.map((size, i) => {
      const out = Math.ceil(size / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
  } else if (autoPad !== 'NOTSET') ctx.fail(`auto_pad '${autoPad}' is not supported`);
  return { strides, dilations, pads };
}

/** Explicit padding for a layer: 'valid' when none, else the pairs (1-D layers take one pair). */
const layerPadding = (pads: [number, number][]) => (pads.every(([a, b]) => a === 0 && b === 0) ? 'valid' as const : pads);

function conv(ctx: NodeContext): OnnxValue {
  ctx.attr.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const first = symAt(ctx, 0, 'X');
  const last = worksChannelsLast(ctx, rankOf(first));
  const x = last ? lastAt(ctx, 0, 'X') : first;
  const w = floatAt(ctx, 1, 'W');
  const spatial = rankOf(x) - 2;
  if (spatial !== 1 && spatial !== 2) ctx.fail(`only 1-D and 2-D convolutions are supported, got an input of rank ${rankOf(x)}`);
  const [outC, perGroup, ...kernel] = w.shape;
  const inC = first.exampleShape[0];
  const group = ctx.attr.int('group', 1);
  const g = windowGeometry(ctx, kernel, first.exampleShape.slice(1));
  const bias = ctx.inputs[2] ? floatAt(ctx, 2, 'B') : null;
  const common = {
    kernelSize: kernel, strides: g.strides, dilationRate: g.dilations, padding: layerPadding(g.pads),
    dataFormat: last ? 'channelsLast' as const : 'channelsFirst' as const, useBias: bias !== null,
  };
  if (group === 1) {
      if (perGroup !== inC) ctx.fail(`W has ${perGroup} input channels, X has ${inC}`);
      // ONNX [outC, inC, k...] -> Keras [k..., inC, outC].
      const kernelW = ops.transpose(w, spatial === 2 ? [2, 3, 1, 0] : [2, 1, 0]);
      return symOut(ctx.layer((n) => new Conv({ ...common, filters: outC, name: n }, spatial as 1 | 2), [x], bias ? [kernelW, bias] : [kernelW]), last);
  }
  if (group === inC && perGroup === 1 && spatial === 2 && outC % inC === 0) {
      // Depthwise: output channel c * multiplier + m reads input channel c. [outC, 1, kH, kW] -> [kH, kW, inC, multiplier].
      const multiplier = outC / inC;
      const kernelW = ops.transpose(ops.reshape(w, [inC, multiplier, kernel[0], kernel[1]]), [2, 3, 0, 1]);
      return symOut(ctx.layer((n) => new DepthwiseConv2D({ ...common, depthMultiplier: multiplier, name: n }), [x], bias ? [kernelW, bias] : [kernelW]), last);
  }
  return ctx.fail(`grouped convolution with group ${group} (neither 1 nor the ${inC} input channels) is not supported`);
}

/** MaxPool / AveragePool: explicit padding; ceil_mode adds what floor-mode sizes leave out (max pooling only). */
function pool(kind: 'max' | 'avg'): Handler {
  return (ctx) => {
    ctx.attr.only(['auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides']);
    const first = symAt(ctx, 0, 'X');
    const last = worksChannelsLast(ctx, rankOf(first));
    const x = last ? lastAt(ctx, 0, 'X') : first;
    const dataFormat = last ? 'channelsLast' as const : 'channelsFirst' as const;
    const spatial = rankOf(x) - 2;
    if (spatial !== 1 && spatial !== 2) ctx.fail(`only 1-D and 2-D pooling is supported, got an input of rank ${rankOf(x)}`);
    const kernel = ctx.attr.ints('kernel_shape') ?? ctx.fail('kernel_shape is required');
    const sizes = first.exampleShape.slice(1);
    const g = windowGeometry(ctx, kernel!, sizes);
    if (g.dilations.some((d) => d !== 1)) ctx.fail('dilated pooling is not supported');
    if (ctx.attr.int('ceil_mode', 0)) {
      g.pads = g.pads.map(([a, b], i) => {
        const s = g.strides[i];
        // PyTorch's rule: round the window count up, but the last window must start inside the input or its leading pad.
        let out = Math.ceil((sizes[i] + a + b - kernel![i]) / s) + 1;
        if ((out - 1) * s >= sizes[i] + a) out--;
        const extra = Math.max(0, (out - 1) * s + kernel![i] - (sizes[i] + a + b));
        if (extra > 0 && kind === 'avg') ctx.fail('ceil_mode = 1 changes the output size here; average pooling with it is not supported');
        return [a, b + extra] as [number, number];
      });
    }
    let input = x;
    if (kind === 'avg' && ctx.attr.int('count_include_pad', 0) && g.pads.some(([a, b]) => a > 0 || b > 0)) {
      // Padded zeros count in the average: pad first, then pool without padding.
      if (spatial !== 2) ctx.fail('count_include_pad with padding is supported for 2-D pooling only');
      const [top, left] = [g.pads[0], g.pads[1]];
      input = ctx.layer((n) => new ZeroPadding2D({ padding: [top, left], dataFormat, name: n }), [x], undefined, false);
      g.pads = g.pads.map(() => [0, 0]);
    }
    const args = { poolSize: kernel!, strides: g.strides, padding: layerPadding(g.pads), dataFormat };
    return symOut(ctx.layer((n) => new Pooling({ ...args, name: n }, kind, spatial as 1 | 2), [input]), last);
  };
}

function globalPool(kind: 'max' | 'avg'): Handler {
  return (ctx) => {
    const first = symAt(ctx, 0, 'X');
    const last = worksChannelsLast(ctx, rankOf(first));
    const x = last ? lastAt(ctx, 0, 'X') : first;
    const spatial = rankOf(x) - 2;
    if (spatial !== 1 && spatial !== 2) ctx.fail(`only 1-D and 2-D global pooling is supported, got an input of rank ${rankOf(x)}`);
    const dataFormat = last ? 'channelsLast' as const : 'channelsFirst' as const;
    return symOut(ctx.layer((n) => new GlobalPooling({ dataFormat, keepDims: true, name: n }, kind, spatial as 1 | 2), [x]), last);
  };
}

function batchNorm(ctx: NodeContext): OnnxValue {
  ctx.attr.only(['epsilon', 'momentum', 'training_mode', 'spatial']);
  if (ctx.attr.int('training_mode', 0)) ctx.fail('training_mode = 1 (batch statistics at inference) is not supported; export the model in eval mode');
  const first = symAt(ctx, 0, 'X');
  const last = worksChannelsLast(ctx, rankOf(first));
  const x = last ? lastAt(ctx, 0, 'X') : first;
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => floatAt(ctx, i, ['scale', 'B', 'input_mean', 'input_var'][i - 1]));
  const args = { axis: last ? -1 : 1, epsilon: ctx.attr.float('epsilon', 1e-5), momentum: ctx.attr.float('momentum', 0.9) };
  return symOut(ctx.layer((n) => new BatchNormalization({ ...args, name: n }), [x], [gamma, beta, mean, variance]), last);
}

function layerNorm(ctx: NodeContext): OnnxValue {
  ctx.attr.only(['axis', 'epsilon', 'stash_type']);
  const x = symAt(ctx, 0, 'X');
  if (axisOf(ctx, ctx.attr.int('axis', -1), rankOf(x)) !== rankOf(x) - 1) ctx.fail('normalisation over more than the last axis is not supported');
  const scale = floatAt(ctx, 1, 'Scale');
  const bias = ctx.inputs[2] ? floatAt(ctx, 2, 'B') : null;
  const args = { epsilon: ctx.attr.float('epsilon', 1e-5), center: bias !== null };
  return symOut(ctx.layer((n) => new LayerNormalization({ ...args, name: n }), [x], bias ? [scale, bias] : [scale]));
}

function alphaActivation(kind: 'LeakyReLU' | 'ELU', fallback: number): Handler {
  return (ctx) => {
    const alpha = ctx.attr.float('alpha', fallback);
    const v = inputAt(ctx, 0, 'X');
    if (v.kind !== 'sym') return constOut(kind === 'ELU' ? ops.elu(asFloat(ctx, v), alpha) : ops.leakyRelu(asFloat(ctx, v), alpha));
    return symOut(ctx.layer((n) => new AlphaActivation({ alpha, name: n }, kind), [v.t]), v.channelsLast);
  };
}

function prelu(ctx: NodeContext): OnnxValue {
  const v = inputAt(ctx, 0, 'X');
  if (v.kind !== 'sym') return ctx.fail('PRelu of a constant is not supported');
  const x = v.t;
  const given = floatAt(ctx, 1, 'slope');
  const slope = v.channelsLast ? constantChannelsLast(ctx, given, x.exampleShape.length) : given;
  const example = x.exampleShape;
  if (slope.rank > example.length) ctx.fail(`slope of shape ${formatShape(slope.shape)} does not broadcast to one example ${formatShape(example)}`);
  const padded = [...Array<number>(example.length - slope.rank).fill(1), ...slope.shape];
  if (padded.some((d, i) => d !== 1 && d !== example[i])) ctx.fail(`slope of shape ${formatShape(slope.shape)} does not broadcast to one example ${formatShape(example)}`);
  const sharedAxes = padded.map((d, i) => (d === 1 && example[i] !== 1 ? i + 1 : -1)).filter((a) => a > 0);
  return symOut(ctx.layer((n) => new PReLU({ sharedAxes, name: n }), [x], [ops.reshape(slope, padded)]), v.channelsLast);
}

/** Clip to [min, max]: relu, relu6 or a capped relu where it can, else maximum and minimum with constants. */
function clip(ctx: NodeContext): OnnxValue {
  const v = inputAt(ctx, 0, 'input');
  const bound = (i: number, name: string) => (ctx.inputs[i] ? floatAt(ctx, i, name).values[0] : ctx.attr.has(name) ? ctx.attr.float(name, 0) : null);
  const lo = bound(1, 'min');
  const hi = bound(2, 'max');
  if (v.kind !== 'sym') return constOut(ops.clipByValue(asFloat(ctx, v), lo ?? -Infinity, hi ?? Infinity));
  if (lo === 0) return symOut(ctx.layer((n) => new ReLU({ maxValue: hi, name: n }), [v.t]), v.channelsLast);
  let y: OnnxValue = v;
  if (lo !== null) y = opLayer(ctx, 'binary', { fn: 'maximum' }, [y, constOut(ops.scalar(lo))], hi === null);
  if (hi !== null) y = opLayer(ctx, 'binary', { fn: 'minimum' }, [y, constOut(ops.scalar(hi))]);
  return withLayout(y, v.channelsLast);
}

/** Softmax and LogSoftmax: along `axis` from opset 13; before, over the axes from `axis` on, flattened. */
function softmax(log: boolean): Handler {
  return (ctx) => {
    const x = symAt(ctx, 0, 'input');
    const rank = rankOf(x);
    const axis = axisOf(ctx, ctx.attr.int('axis', ctx.opset >= 13 ? -1 : 1), rank);
    const alongLast = (t: SymbolicTensor, final: boolean): SymbolicTensor => (log
      ? (opLayer(ctx, 'logSoftmax', {}, [symOut(t)], final) as { t: SymbolicTensor }).t
      : ctx.layer((n) => new Softmax({ axis: -1, name: n }), [t], undefined, final));
    if (axis === rank - 1) return symOut(alongLast(x, true));
    if (ctx.opset >= 13) {
      if (log) ctx.fail('log-softmax over an axis other than the last is not supported');
      return symOut(ctx.layer((n) => new Softmax({ axis, name: n }), [x]));
    }
    // Opset < 13: the axes from `axis` on are one flattened row.
    const flat = ctx.layer((n) => new Reshape({ targetShape: [...x.exampleShape.slice(0, axis - 1), -1], name: n }), [x], undefined, false);
    return symOut(ctx.layer((n) => new Reshape({ targetShape: x.exampleShape, name: n }), [alongLast(flat, false)]));
  };
}

/** Gather of rows of a weight matrix by integer ids computed from the inputs: an embedding. */
export function embeddingOf(ctx: NodeContext, table: Tensor, ids: SymbolicTensor): OnnxValue {
  if (table.rank !== 2) ctx.fail(`gathering ids from a constant of shape ${formatShape(table.shape)} is supported only as an embedding table [vocabulary, dim]`);
  return symOut(ctx.layer((n) => new Embedding({ inputDim: table.shape[0], outputDim: table.shape[1], name: n }), [ids], [table]));
}

const unaryOp = (fn: 'exp' | 'log' | 'sqrt' | 'neg' | 'abs' | 'reciprocal' | 'floor' | 'sign', fold: (t: Tensor) => Tensor): Handler => (ctx) => {
  const v = inputAt(ctx, 0, 'X');
  return v.kind === 'sym' ? withLayout(opLayer(ctx, 'unary', { fn, alpha: 0 }, [v]), v.channelsLast) : constOut(fold(asFloat(ctx, v)));
};

function erf(ctx: NodeContext): OnnxValue {
  const v = inputAt(ctx, 0, 'X');
  if (v.kind !== 'sym') return ctx.fail('Erf of a constant is not supported');
  return withLayout(opLayer(ctx, 'erf', {}, [v]), v.channelsLast);
}

function gelu(ctx: NodeContext): OnnxValue {
  if (ctx.attr.string('approximate', 'none') !== 'none') ctx.fail("only approximate = 'none' (the exact GELU) is supported");
  return geluOf(ctx);
}

export const HANDLERS: Record<string, Handler> = {
  ...TENSOR_HANDLERS,
  Gemm: gemm, MatMul: matMul,
  Conv: conv, MaxPool: pool('max'), AveragePool: pool('avg'), GlobalAveragePool: globalPool('avg'), GlobalMaxPool: globalPool('max'),
  BatchNormalization: batchNorm, LayerNormalization: layerNorm,
  Relu: activation('relu', ops.relu), Sigmoid: activation('sigmoid', ops.sigmoid), Tanh: activation('tanh', ops.tanh),
  Softplus: activation('softplus', ops.softplus), Gelu: gelu,
  LeakyRelu: alphaActivation('LeakyReLU', 0.01), Elu: alphaActivation('ELU', 1), PRelu: prelu, Clip: clip,
  Softmax: softmax(false), LogSoftmax: softmax(true),
  Exp: unaryOp('exp', ops.exp), Log: unaryOp('log', ops.log), Sqrt: unaryOp('sqrt', ops.sqrt), Neg: unaryOp('neg', ops.neg),
  Abs: unaryOp('abs', ops.abs), Reciprocal: unaryOp('reciprocal', ops.reciprocal), Floor: unaryOp('floor', ops.floor), Sign: unaryOp('sign', ops.sign),
  Erf: erf,
};

