// Int8 inference ops (compress/): quantising float activations to 0..127, and dense / conv layers over int8
// activations and per-unit int8 weights whose sums are exact (int32) and turned into floats per unit.
// Their ONNX form is QuantizeLinear / DequantizeLinear around the float op (the "QDQ" form runtimes fuse).

import { conv2dInfo, type ConvInfo } from '../../backend/conv-geometry.js';
import type { Backend, FusedActivation } from '../../backend/backend.js';
import type { DType } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { convPads, onnxActivation, toNchw, toNhwc } from './conv.js';
import type { OnnxEmitter, OpDef, Val } from './types.js';

function checkScale(op: string, scale: number, zeroPoint: number): void {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`${op}: scale must be a positive finite number, got ${scale}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 127) throw new Error(`${op}: zeroPoint must be an integer in 0..127, got ${zeroPoint}`);
}

function expectDtype(op: string, what: string, v: Val, dtype: DType): void {
  if (v.dtype !== dtype) throw new Error(`${op}: ${what} must be ${dtype}, got ${v.dtype}${dtype === 'int8' ? '; quantise it first (the quantize op)' : ''}`);
}

export const quantize: OpDef<OpAttrs['quantize']> = {
  infer: ([x], { scale, zeroPoint }) => {
    expectDtype('quantize', 'the input', x, 'float32');
    checkScale('quantize', scale, zeroPoint);
    return { shape: [...x.shape], dtype: 'int8' };
  },
  prepare: (_i, _o, { scale, zeroPoint }) => (be, [x], out) => be.quantizeU7(x as Float32Array, out as Int8Array, scale, zeroPoint),
  // Piecewise constant: its derivative is zero wherever it exists.
  vjp: 'zero',
  deeplift: 'none',
  // Values below the zero point's real value clip to 0 here; ONNX int8 would go negative, so clip first.
  onnx: (e, { inputs: [x], attrs: { scale, zeroPoint } }) => {
    const lo = e.initializer([Math.fround(-zeroPoint * scale)], [], 'float32');
    const clipped = e.node('Clip', [x, lo]);
    return e.node('QuantizeLinear', [clipped, e.initializer([scale], [], 'float32'), e.initializer([zeroPoint], [], 'int8')]);
  },
};

/** The per-unit multipliers inputScale * wScale[j] in float32, computed per call (wScale may be reassigned). */
function multipliers(inputScale: number, units: number): (wScale: Float32Array) => Float32Array {
  const mult = new Float32Array(units);
  return (wScale) => {
    for (let j = 0; j < units; j++) mult[j] = Math.fround(inputScale * wScale[j]);
    return mult;
  };
}

/** relu and linear run in the int8 kernels' epilogue; sigmoid and tanh after, over the float output. */
function finishActivation(be: Backend, out: Float32Array, rows: number, units: number, act: FusedActivation): void {
  if (act === 'sigmoid' || act === 'tanh') be.biasActivation(out, null, out, rows, units, act);
}

function checkUnitVectors(op: string, inputs: readonly Val[], units: number): void {
  const [, , scale, bias] = inputs;
  if (!scale) throw new Error(`${op}: needs inputs x, w, wScale and optionally bias`);
  expectDtype(op, 'wScale', scale, 'float32');
  if (scale.shape.length !== 1 || scale.shape[0] !== units) throw new Error(`${op}: wScale must have shape [${units}], got ${formatShape(scale.shape)}`);
  if (bias) {
    expectDtype(op, 'bias', bias, 'float32');
    if (bias.shape.length !== 1 || bias.shape[0] !== units) throw new Error(`${op}: bias must have shape [${units}], got ${formatShape(bias.shape)}`);
  }
}

function linearShapes(inputs: readonly Val[], a: OpAttrs['quantizedLinear']): { rows: number; k: number; units: number } {
  const [x, w] = inputs;
  expectDtype('quantizedLinear', 'x', x, 'int8');
  expectDtype('quantizedLinear', 'the kernel', w, 'int8');
  checkScale('quantizedLinear', a.inputScale, a.inputZeroPoint);
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`quantizedLinear: expected x [rows, ${w.shape[1]}] for an int8 kernel ${formatShape(w.shape)} (one row per unit), got x ${formatShape(x.shape)}`);
  }
  checkUnitVectors('quantizedLinear', inputs, w.shape[0]);
  return { rows: x.shape[0], k: x.shape[1], units: w.shape[0] };
}

/** DequantizeLinear of an int8 activation with a scalar scale and zero point. */
function dequantizeActivation(e: OnnxEmitter, xq: string, scale: number, zeroPoint: number): string {
  return e.node('DequantizeLinear', [xq, e.initializer([scale], [], 'float32'), e.initializer([zeroPoint], [], 'int8')]);
}

/** DequantizeLinear of int8 weights with one scale per unit along axis 0 (symmetric: zero points 0). */
function dequantizeWeights(e: OnnxEmitter, w: string, wScale: string, units: number): string {
  return e.node('DequantizeLinear', [w, wScale, e.initializer(new Int8Array(units), [units], 'int8')], { axis: { i: 0 } });
}

export const quantizedLinear: OpDef<OpAttrs['quantizedLinear']> = {
  infer: (inputs, a) => {
    const { rows, units } = linearShapes(inputs, a);
    return { shape: [rows, units], dtype: 'float32' };
  },
  prepare: (inputs, _o, a) => {
    const { rows, k, units } = linearShapes(inputs, a);
    const mult = multipliers(a.inputScale, units);
    const d = { m: rows, k, n: units, zeroPoint: a.inputZeroPoint, relu: a.act === 'relu' };
    return (be, [x, w, s, b], out) => {
      be.linearU7(x as Int8Array, w as Int8Array, mult(s as Float32Array), (b as Float32Array | undefined) ?? null, out as Float32Array, d);
      finishActivation(be, out as Float32Array, rows, units, a.act);
    };
  },
  // Inference only: its inputs are int8 (no gradient reaches them through quantize) or frozen scales.
  vjp: 'none',
  deeplift: 'none',
  onnx: (e, { inputs: [x, w, s, b], inputVals, attrs }) => {
    const units = inputVals[1].shape[0];
    const xf = dequantizeActivation(e, x, attrs.inputScale, attrs.inputZeroPoint);
    const y = e.node('Gemm', [xf, dequantizeWeights(e, w, s, units), ...(b ? [b] : [])], { transB: { i: 1 } });
    return onnxActivation(e, y, attrs.act);
  },
};

function convShapes(inputs: readonly Val[], a: OpAttrs['quantizedConv2d']): ConvInfo {
  const [x, w] = inputs;
  expectDtype('quantizedConv2d', 'x', x, 'int8');
  expectDtype('quantizedConv2d', 'the filter', w, 'int8');
  checkScale('quantizedConv2d', a.inputScale, a.inputZeroPoint);
  if (x.shape.length !== 4) throw new Error(`quantizedConv2d: expected an input [batch, height, width, channels], got ${formatShape(x.shape)}`);
  if (w.shape.length !== 4) throw new Error(`quantizedConv2d: the int8 filter must be [outC, kH, kW, inC], got ${formatShape(w.shape)}`);
  const [outC, kH, kW, inC] = w.shape;
  const c = conv2dInfo(x.shape, [kH, kW, inC, outC], a.strides, a.padding, a.dilations);
  checkUnitVectors('quantizedConv2d', inputs, outC);
  return c;
}

export const quantizedConv2d: OpDef<OpAttrs['quantizedConv2d']> = {
  infer: (inputs, a) => {
    const c = convShapes(inputs, a);
    return { shape: [c.batch, c.outH, c.outW, c.outC], dtype: 'float32' };
  },
  prepare: (inputs, _o, a) => {
    const c = convShapes(inputs, a);
    const mult = multipliers(a.inputScale, c.outC);
    return (be, [x, w, s, b], out) => {
      be.conv2dU7(x as Int8Array, w as Int8Array, mult(s as Float32Array), (b as Float32Array | undefined) ?? null, out as Float32Array, c, a.inputZeroPoint, a.act === 'relu');
      finishActivation(be, out as Float32Array, c.batch * c.outH * c.outW, c.outC, a.act);
    };
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: (e, { inputs: [x, w, s, b], inputVals, attrs }) => {
    const c = convShapes(inputVals, attrs);
    const xf = dequantizeActivation(e, x, attrs.inputScale, attrs.inputZeroPoint);
    // ONNX convolves NCHW with weights [outC, inC, kH, kW]: the int8 filter is transposed before it is dequantised.
    const wt = e.node('Transpose', [w], { perm: { ints: [0, 3, 1, 2] } });
    const y = e.node('Conv', [toNchw(e, xf), dequantizeWeights(e, wt, s, c.outC), ...(b ? [b] : [])], {
      kernel_shape: { ints: [c.kH, c.kW] }, strides: { ints: [c.strideH, c.strideW] }, dilations: { ints: [c.dilationH, c.dilationW] },
      pads: { ints: convPads(c) }, group: { i: 1 },
    });
    return onnxActivation(e, toNhwc(e, y), attrs.act);
  },
};
