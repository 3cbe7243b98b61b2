// Convolutions and pooling over channels-last tensors: conv2d and depthwiseConv2d (with a fused bias +
// activation epilogue), their two adjoints, and max / average pooling with their gradients.

import { conv2dInfo, depthwiseConv2dInfo, poolInfo, type ConvInfo, type PoolInfo } from '../../backend/conv-geometry.js';
import type { FusedActivation } from '../../backend/backend.js';
import { formatShape } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { sum } from './emit.js';
import type { OnnxEmitter, OpDef, Val } from './types.js';

type ConvAttrs = OpAttrs['conv2d'];

function info(op: 'conv2d' | 'depthwiseConv2d', x: readonly number[], w: readonly number[], a: Pick<ConvAttrs, 'strides' | 'padding' | 'dilations'>): ConvInfo {
  if (x.length !== 4) throw new Error(`${op}: expected an input [batch, height, width, channels], got ${formatShape(x)}`);
  const make = op === 'conv2d' ? conv2dInfo : depthwiseConv2dInfo;
  return make(x, w, a.strides, a.padding, a.dilations);
}

function checkBias(op: string, bias: Val | undefined, channels: number): void {
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== channels)) throw new Error(`${op}: bias must have shape [${channels}], got ${formatShape(bias.shape)}`);
}

/** x, w, optional bias -> act(conv(x, w) + bias). */
function convOp(op: 'conv2d' | 'depthwiseConv2d'): OpDef<ConvAttrs> {
  const depthwise = op === 'depthwiseConv2d';
  return {
    infer: ([x, w, b], a) => {
      const c = info(op, x.shape, w.shape, a);
      checkBias(op, b, c.outC);
      return { shape: [c.batch, c.outH, c.outW, c.outC], dtype: 'float32' };
    },
    prepare: ([x, w], _o, a) => {
      const c = info(op, x.shape, w.shape, a);
      const rows = c.batch * c.outH * c.outW;
      return (be, [xv, wv, bv], out) => {
        const o = out as Float32Array;
        if (depthwise) be.depthwiseConv2d(xv as Float32Array, wv as Float32Array, o, c);
        else be.conv2d(xv as Float32Array, wv as Float32Array, o, c);
        if (bv || a.act !== 'linear') be.biasActivation(o, (bv as Float32Array | undefined) ?? null, o, rows, c.outC, a.act);
      };
    },
    // y = act(z), z = conv(x, w) + b: dz = dy act'(z); dx, dw are conv's adjoints of dz; db sums dz over pixels.
    vjp: (e, { inputs: [x, w, b], output, dy, attrs, needs }) => {
      const dz = attrs.act === 'linear' ? dy : e.op('activationGrad', [output, dy], { act: attrs.act });
      const geometry = { strides: attrs.strides, padding: attrs.padding, dilations: attrs.dilations };
      return [
        needs[0] ? e.op(depthwise ? 'depthwiseConv2dBackpropInput' : 'conv2dBackpropInput', [dz, w], { ...geometry, inShape: [...x.shape] }) : null,
        needs[1] ? e.op(depthwise ? 'depthwiseConv2dBackpropFilter' : 'conv2dBackpropFilter', [x, dz], { ...geometry, filterShape: [...w.shape] }) : null,
        b && needs[2] ? sum(e, dz, [0, 1, 2], false) : null,
      ];
    },
    deeplift: ({ act }) => (act === 'linear' ? 'scale' : 'none'),
    onnx: (e, { inputs: [x, w, b], inputVals, attrs }) => {
      const c = info(op, inputVals[0].shape, inputVals[1].shape, attrs);
      // ONNX convolves NCHW with weights [outC, inC / group, kH, kW]: transpose in and out.
      const perm = depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1];
      let weight = e.node('Transpose', [w], { perm: { ints: perm } });
      if (depthwise) weight = e.node('Reshape', [weight, e.initializer([c.outC, 1, c.kH, c.kW], [4], 'int64')]);
      const inputs = [toNchw(e, x), weight, ...(b ? [b] : [])];
      const y = e.node('Conv', inputs, {
        kernel_shape: { ints: [c.kH, c.kW] }, strides: { ints: [c.strideH, c.strideW] }, dilations: { ints: [c.dilationH, c.dilationW] },
        pads: { ints: convPads(c) }, group: { i: depthwise ? c.inC : 1 },
      });
      return onnxActivation(e, toNhwc(e, y), attrs.act);
    },
  };
}

/** Explicit ONNX pads [top, left, bottom, right] reproducing the geometry's output size. */
export function convPads(c: ConvInfo): number[] {
  const bottom = Math.max(0, (c.outH - 1) * c.strideH + (c.kH - 1) * c.dilationH + 1 - c.inH - c.padTop);
  const right = Math.max(0, (c.outW - 1) * c.strideW + (c.kW - 1) * c.dilationW + 1 - c.inW - c.padLeft);
  return [c.padTop, c.padLeft, bottom, right];
}

function poolPads(p: PoolInfo): number[] {
  const bottom = Math.max(0, (p.outH - 1) * p.strideH + p.kH - p.inH - p.padTop);
  const right = Math.max(0, (p.outW - 1) * p.strideW + p.kW - p.inW - p.padLeft);
  return [p.padTop, p.padLeft, bottom, right];
}

export const toNchw = (e: OnnxEmitter, x: string) => e.node('Transpose', [x], { perm: { ints: [0, 3, 1, 2] } });
export const toNhwc = (e: OnnxEmitter, x: string) => e.node('Transpose', [x], { perm: { ints: [0, 2, 3, 1] } });

export function onnxActivation(e: OnnxEmitter, y: string, act: FusedActivation): string {
  if (act === 'linear') return y;
  return e.node(act === 'relu' ? 'Relu' : act === 'sigmoid' ? 'Sigmoid' : 'Tanh', [y]);
}

export const conv2d = convOp('conv2d');
export const depthwiseConv2d = convOp('depthwiseConv2d');

type BackpropInputAttrs = OpAttrs['conv2dBackpropInput'];
type BackpropFilterAttrs = OpAttrs['conv2dBackpropFilter'];

/** dy, w -> dx (the adjoint of the conv in x). */
function backpropInputOp(op: 'conv2d' | 'depthwiseConv2d'): OpDef<BackpropInputAttrs> {
  return {
    infer: (_i, a) => ({ shape: [...a.inShape], dtype: 'float32' }),
    prepare: ([, w], _o, a) => {
      const c = info(op, a.inShape, w.shape, a);
      return op === 'conv2d'
        ? (be, [dy, wv], out) => be.conv2dBackpropInput(dy as Float32Array, wv as Float32Array, out as Float32Array, c)
        : (be, [dy, wv], out) => be.depthwiseConv2dBackpropInput(dy as Float32Array, wv as Float32Array, out as Float32Array, c);
    },
    vjp: 'none',
    deeplift: 'none',
    onnx: null,
  };
}

/** x, dy -> dw (the adjoint of the conv in w). */
function backpropFilterOp(op: 'conv2d' | 'depthwiseConv2d'): OpDef<BackpropFilterAttrs> {
  return {
    infer: (_i, a) => ({ shape: [...a.filterShape], dtype: 'float32' }),
    prepare: ([x], _o, a) => {
      const c = info(op, x.shape, a.filterShape, a);
      return op === 'conv2d'
        ? (be, [xv, dy], out) => be.conv2dBackpropFilter(xv as Float32Array, dy as Float32Array, out as Float32Array, c)
        : (be, [xv, dy], out) => be.depthwiseConv2dBackpropFilter(xv as Float32Array, dy as Float32Array, out as Float32Array, c);
    },
    vjp: 'none',
    deeplift: 'none',
    onnx: null,
  };
}

export const conv2dBackpropInput = backpropInputOp('conv2d');
export const conv2dBackpropFilter = backpropFilterOp('conv2d');
export const depthwiseConv2dBackpropInput = backpropInputOp('depthwiseConv2d');
export const depthwiseConv2dBackpropFilter = backpropFilterOp('depthwiseConv2d');

type PoolAttrs = OpAttrs['maxPool'];

function pool(op: string, shape: readonly number[], a: PoolAttrs): PoolInfo {
  if (shape.length !== 4) throw new Error(`${op}: expected an input [batch, height, width, channels], got ${formatShape(shape)}`);
  return poolInfo(shape, a.poolSize, a.strides, a.padding);
}

export const maxPool: OpDef<PoolAttrs> = {
  infer: ([x], a) => {
    const p = pool('maxPool', x.shape, a);
    return { shape: [p.batch, p.outH, p.outW, p.channels], dtype: 'float32' };
  },
  prepare: ([x], _o, a) => {
    const p = pool('maxPool', x.shape, a);
    return (be, [xv], out) => be.maxPool(xv as Float32Array, out as Float32Array, p);
  },
  // Each window's gradient goes to its first maximum.
  vjp: (e, { inputs: [x], dy, attrs }) => [e.op('maxPoolGrad', [x, dy], attrs)],
  deeplift: 'max',
  onnx: (e, { inputs: [x], inputVals, attrs }) => {
    const p = pool('maxPool', inputVals[0].shape, attrs);
    return toNhwc(e, e.node('MaxPool', [toNchw(e, x)], { kernel_shape: { ints: [p.kH, p.kW] }, strides: { ints: [p.strideH, p.strideW] }, pads: { ints: poolPads(p) } }));
  },
};

export const maxPoolGrad: OpDef<PoolAttrs> = {
  infer: ([x]) => ({ shape: [...x.shape], dtype: 'float32' }),
  prepare: ([x], _o, a) => {
    const p = pool('maxPool', x.shape, a);
    return (be, [xv, dy], out) => be.maxPoolGrad(xv as Float32Array, dy as Float32Array, out as Float32Array, p);
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

export const avgPool: OpDef<PoolAttrs> = {
  infer: ([x], a) => {
    const p = pool('avgPool', x.shape, a);
    return { shape: [p.batch, p.outH, p.outW, p.channels], dtype: 'float32' };
  },
  prepare: ([x], _o, a) => {
    const p = pool('avgPool', x.shape, a);
    return (be, [xv], out) => be.avgPool(xv as Float32Array, out as Float32Array, p);
  },
  vjp: (e, { inputs: [x], dy, attrs }) => [e.op('avgPoolGrad', [dy], { ...attrs, inShape: [...x.shape] })],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], inputVals, attrs }) => {
    const p = pool('avgPool', inputVals[0].shape, attrs);
    return toNhwc(e, e.node('AveragePool', [toNchw(e, x)], {
      kernel_shape: { ints: [p.kH, p.kW] }, strides: { ints: [p.strideH, p.strideW] }, pads: { ints: poolPads(p) }, count_include_pad: { i: 0 },
    }));
  },
};

export const avgPoolGrad: OpDef<OpAttrs['avgPoolGrad']> = {
  infer: (_i, a) => ({ shape: [...a.inShape], dtype: 'float32' }),
  prepare: (_i, _o, a) => {
    const p = pool('avgPool', a.inShape, a);
    return (be, [dy], out) => be.avgPoolGrad(dy as Float32Array, out as Float32Array, p);
  },
  // Average pooling is linear; its gradient's gradient is the pooling again.
  vjp: (e, { dy, attrs }) => [e.op('avgPool', [dy], { poolSize: attrs.poolSize, strides: attrs.strides, padding: attrs.padding })],
  deeplift: 'linear',
  onnx: null,
};
