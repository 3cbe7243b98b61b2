// Reductions along axes (sum, max, min, prod) and arg-reductions (argMax, argMin).

import { normalizeAxis, reducedShape, sizeOf } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { bin, div, expandReduced, mul, sum, toFloat } from './emit.js';
import type { OpDef } from './types.js';

/** How the kernel sees x: [outer, reduced, inner] directly, or after moving the reduced axes last. */
function layout(shape: readonly number[], axes: number[]): { perm: number[] | null; outer: number; reduced: number; inner: number } {
  if (axes.length === 0) return { perm: null, outer: sizeOf(shape), reduced: 1, inner: 1 };
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (contiguous) {
    const first = axes[0];
    const last = axes[axes.length - 1];
    return { perm: null, outer: sizeOf(shape.slice(0, first)), reduced: sizeOf(shape.slice(first, last + 1)), inner: sizeOf(shape.slice(last + 1)) };
  }
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return { perm: [...kept, ...axes], outer: sizeOf(kept.map((i) => shape[i])), reduced: sizeOf(axes.map((i) => shape[i])), inner: 1 };
}

export const reduce: OpDef<OpAttrs['reduce']> = {
  infer: ([x], { axes, keepDims }) => {
    axes.forEach((a) => normalizeAxis(a, x.shape.length, 'reduce'));
    return { shape: reducedShape(x.shape, axes, keepDims), dtype: 'float32' };
  },
  prepare: ([x], _o, { fn, axes }) => {
    const { perm, outer, reduced, inner } = layout(x.shape, axes);
    const moved = perm ? new Float32Array(sizeOf(x.shape)) : null;
    return (be, [v], out) => {
      const f = v instanceof Float32Array ? v : Float32Array.from(v);
      if (moved) be.transpose(f, x.shape, perm!, moved);
      be.reduce(fn, moved ?? f, out as Float32Array, outer, reduced, inner);
    };
  },
  vjp: (e, { inputs: [x], output: y, dy, attrs: { fn, axes } }) => {
    // d sum / dx_i = 1: spread dy back over the reduced axes.
    if (fn === 'sum') return [expandReduced(e, dy, x.shape, axes)];
    const dyFull = expandReduced(e, dy, x.shape, axes);
    if (fn === 'prod') return [mul(e, div(e, expandReduced(e, y, x.shape, axes), x), dyFull)]; // prod / x_i (x_i != 0)
    // max / min: to the positions that attain the extremum, shared equally among ties.
    const mask = toFloat(e, bin(e, 'equal', x, expandReduced(e, y, x.shape, axes)));
    const ties = expandReduced(e, sum(e, mask, axes, true), x.shape, axes);
    return [mul(e, div(e, mask, ties), dyFull)];
  },
  deeplift: ({ fn }) => (fn === 'sum' ? 'linear' : fn === 'max' || fn === 'min' ? 'max' : 'none'),
  onnx: (e, { inputs: [x], attrs }) => {
    const name = { sum: 'ReduceSum', max: 'ReduceMax', min: 'ReduceMin', prod: 'ReduceProd' }[attrs.fn];
    const keepdims = { i: attrs.keepDims ? 1 : 0 };
    if (attrs.axes.length === 0) return e.node('Identity', [x]);
    // ReduceSum takes axes as an input from opset 13, the others from opset 18.
    if (attrs.fn === 'sum' || e.opset >= 18) return e.node(name, [x, e.initializer(attrs.axes, [attrs.axes.length], 'int64')], { keepdims });
    return e.node(name, [x], { axes: { ints: attrs.axes }, keepdims });
  },
};

export const argReduce: OpDef<OpAttrs['argReduce']> = {
  infer: ([x], { fn, axis }) => {
    if (x.shape.length === 0) throw new Error(`${fn}: needs a tensor of rank >= 1`);
    normalizeAxis(axis, x.shape.length, fn);
    return { shape: reducedShape(x.shape, [axis], false), dtype: 'int32' };
  },
  prepare: ([x], _o, { fn, axis }) => {
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    return (be, [v], out) => be.argReduce(fn, v instanceof Float32Array ? v : Float32Array.from(v), out as Int32Array, outer, x.shape[axis], inner);
  },
  vjp: 'zero',
  deeplift: 'none',
  onnx: (e, { inputs: [x], attrs }) => e.node('Cast', [e.node(attrs.fn === 'argMax' ? 'ArgMax' : 'ArgMin', [x], { axis: { i: attrs.axis }, keepdims: { i: 0 } })], { to: { i: 6 } }),
};

