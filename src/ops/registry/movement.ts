// Ops that move values without arithmetic: reshape, transpose, broadcast, slice, pad, concat, gather, scatter, oneHot.

import { broadcastShapes, formatShape, normalizeAxis, shapesEqual, sizeOf, stridesOf } from '../../tensor/shape.js';
import type { TypedArray } from '../../tensor/tensor.js';
import type { OpAttrs } from './attrs.js';
import { reshape as reshapeTo, unbroadcast } from './emit.js';
import type { OpDef, Val } from './types.js';

/**
 * Copies a box of `count` elements per axis from src (at srcBegin) to dst (at dstBegin),
 * adding instead of overwriting when `accumulate` is set.
 */
export function copyBox(
  src: ArrayLike<number>, srcShape: readonly number[], srcBegin: readonly number[],
  dst: { [i: number]: number }, dstShape: readonly number[], dstBegin: readonly number[],
  count: readonly number[], accumulate: boolean,
): void {
  const rank = count.length;
  if (sizeOf(count) === 0) return;
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  if (rank === 0) {
    dst[0] = accumulate ? dst[0] + src[0] : src[0];
    return;
  }
  const inner = count[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    let so = srcBegin[rank - 1];
    let dO = dstBegin[rank - 1];
    for (let d = 0; d < rank - 1; d++) {
      so += (srcBegin[d] + idx[d]) * ss[d];
      dO += (dstBegin[d] + idx[d]) * ds[d];
    }
    if (accumulate) for (let i = 0; i < inner; i++) dst[dO + i] += src[so + i];
    else for (let i = 0; i < inner; i++) dst[dO + i] = src[so + i];
    let d = rank - 2;
    for (; d >= 0; d--) {
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

const int64 = (values: readonly number[]) => [values as number[], [values.length]] as const;

export const reshape: OpDef<OpAttrs['reshape']> = {
  infer: ([x], { shape }) => {
    if (sizeOf(shape) !== sizeOf(x.shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${sizeOf(x.shape)} values) to ${formatShape(shape)}`);
    }
    return { shape: [...shape], dtype: x.dtype };
  },
  prepare: () => (_be, [x], out) => out.set(x),
  view: () => 0,
  vjp: (e, { inputs: [x], dy }) => [reshapeTo(e, dy, x.shape)],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], inputVals: [v], output }) => {
    // Keep the batch dimension dynamic: 0 copies the input's first dimension, -1 infers it.
    const target = output.shape.map((d, i) => (i > 0 ? d : d === v.shape[0] ? 0 : -1));
    return e.node('Reshape', [x, e.initializer(...int64(target), 'int64')]);
  },
};

export const transpose: OpDef<OpAttrs['transpose']> = {
  infer: ([x], { perm }) => {
    if (perm.length !== x.shape.length || new Set(perm).size !== perm.length || perm.some((a) => a < 0 || a >= perm.length)) {
      throw new Error(`transpose: perm [${perm}] is not a permutation of the ${x.shape.length} axes`);
    }
    return { shape: perm.map((a) => x.shape[a]), dtype: x.dtype };
  },
  prepare: ([x], _o, { perm }) => (be, [v], out) => be.transpose(v, x.shape, perm, out),
  vjp: (e, { dy, attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((a, i) => (inverse[a] = i));
    return [e.op('transpose', [dy], { perm: inverse })];
  },
  deeplift: 'linear',
  onnx: (e, { inputs: [x], attrs }) => e.node('Transpose', [x], { perm: { ints: attrs.perm } }),
};

export const broadcastTo: OpDef<OpAttrs['broadcastTo']> = {
  infer: ([x], { shape }) => {
    if (!shapesEqual(broadcastShapes(x.shape, shape, 'broadcastTo'), shape)) {
      throw new Error(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    return { shape: [...shape], dtype: x.dtype };
  },
  prepare: ([x], out) => {
    const zero = x.dtype === 'float32' ? new Float32Array(1) : x.dtype === 'int32' ? new Int32Array(1) : new Uint8Array(1);
    return (be, [v], o) => be.binary('add', v, x.shape, zero, [], o, out.shape);
  },
  vjp: (e, { inputs: [x], dy }) => [unbroadcast(e, dy, x.shape)],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], attrs }) => e.node('Expand', [x, e.initializer(...int64(attrs.shape), 'int64')]),
};

function checkBox(x: Val, begin: readonly number[], size: readonly number[]): void {
  if (begin.length !== x.shape.length || size.length !== x.shape.length || x.shape.some((d, i) => begin[i] < 0 || size[i] < 0 || begin[i] + size[i] > d)) {
    throw new Error(`slice: begin ${formatShape(begin)} size ${formatShape(size)} is outside ${formatShape(x.shape)}`);
  }
}

/** Start of a box that is one contiguous run of x (a range of rows), else -1. */
function contiguousOffset(shape: readonly number[], begin: readonly number[], size: readonly number[]): number {
  let d = 0;
  while (d < shape.length && size[d] === 1) d++;
  for (let i = d + 1; i < shape.length; i++) if (size[i] !== shape[i]) return -1;
  const strides = stridesOf(shape);
  return begin.reduce((o, b, i) => o + b * strides[i], 0);
}

export const slice: OpDef<OpAttrs['slice']> = {
  infer: ([x], { begin, size }) => {
    checkBox(x, begin, size);
    return { shape: [...size], dtype: x.dtype };
  },
  prepare: ([x], _o, { begin, size }) => {
    const offset = contiguousOffset(x.shape, begin, size);
    const zeros = size.map(() => 0);
    return (_be, [v], out) => {
      if (offset >= 0) out.set(v.subarray(offset, offset + out.length));
      else copyBox(v, x.shape, begin, out, size, zeros, size, false);
    };
  },
  view: ([x], { begin, size }) => {
    const offset = contiguousOffset(x.shape, begin, size);
    return offset >= 0 ? offset : null;
  },
  // The box's size read from dy (equal to attrs.size), so the rule also holds when rows are repeated (explainers' cotangent rows).
  vjp: (e, { inputs: [x], dy, attrs: { begin } }) => [
    e.op('pad', [dy], { paddings: x.shape.map((d, i) => [begin[i], d - begin[i] - dy.shape[i]] as [number, number]), value: 0 }),
  ],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], attrs }) => {
    const axes = attrs.begin.map((_, i) => i);
    const ends = attrs.begin.map((b, i) => b + attrs.size[i]);
    return e.node('Slice', [x, e.initializer(...int64(attrs.begin), 'int64'), e.initializer(...int64(ends), 'int64'), e.initializer(...int64(axes), 'int64')]);
  },
};

export const pad: OpDef<OpAttrs['pad']> = {
  infer: ([x], { paddings }) => {
    if (paddings.length !== x.shape.length || paddings.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)) {
      throw new Error(`pad: needs a non-negative [before, after] pair for each of the ${x.shape.length} axes, got ${JSON.stringify(paddings)}`);
    }
    return { shape: x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), dtype: x.dtype };
  },
  prepare: ([x], out, { paddings, value }) => {
    const begin = paddings.map(([a]) => a);
    const zeros = x.shape.map(() => 0);
    return (_be, [v], o) => {
      o.fill(value);
      copyBox(v, x.shape, zeros, o, out.shape, begin, x.shape, false);
    };
  },
  vjp: (e, { inputs: [x], dy, attrs: { paddings } }) => [e.op('slice', [dy], { begin: paddings.map(([a]) => a), size: [...x.shape] })],
  deeplift: 'linear',
  onnx: (e, { inputs: [x], attrs }) =>
    e.node('Pad', [x, e.initializer(...int64([...attrs.paddings.map(([a]) => a), ...attrs.paddings.map(([, b]) => b)]), 'int64'), e.initializer([attrs.value], [])]),
};

export const concat: OpDef<OpAttrs['concat']> = {
  infer: (inputs, { axis }) => {
    if (inputs.length === 0) throw new Error('concat: needs at least one tensor');
    const first = inputs[0];
    normalizeAxis(axis, first.shape.length, 'concat');
    inputs.forEach((t, i) => {
      if (t.shape.length !== first.shape.length || t.shape.some((d, j) => j !== axis && d !== first.shape[j])) {
        throw new Error(`concat: tensor ${i} has shape ${formatShape(t.shape)}, incompatible with ${formatShape(first.shape)} along axis ${axis}`);
      }
      if (t.dtype !== first.dtype) throw new Error(`concat: tensor ${i} is ${t.dtype}, tensor 0 is ${first.dtype}; cast them to one dtype`);
    });
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((n, t) => n + t.shape[axis], 0);
    return { shape, dtype: first.dtype };
  },
  prepare: (inputs, out, { axis }) => {
    const zeros = out.shape.map(() => 0);
    const begins: number[][] = [];
    let offset = 0;
    for (const t of inputs) {
      const b = [...zeros];
      b[axis] = offset;
      begins.push(b);
      offset += t.shape[axis];
    }
    return (_be, vs, o) => vs.forEach((v, i) => copyBox(v, inputs[i].shape, zeros, o, out.shape, begins[i], inputs[i].shape, false));
  },
  vjp: (e, { inputs, dy, attrs: { axis } }) => {
    let offset = 0;
    return inputs.map((t) => {
      const begin = t.shape.map(() => 0);
      begin[axis] = offset;
      offset += t.shape[axis];
      return e.op('slice', [dy], { begin, size: [...t.shape] });
    });
  },
  deeplift: 'linear',
  onnx: (e, { inputs, attrs }) => e.node('Concat', inputs, { axis: { i: attrs.axis } }),
};

function gatherLayout(x: readonly number[], axis: number): { outer: number; dim: number; inner: number } {
  return { outer: sizeOf(x.slice(0, axis)), dim: x[axis], inner: sizeOf(x.slice(axis + 1)) };
}

function checkIndices(idx: TypedArray, dim: number, axis: number): void {
  for (let k = 0; k < idx.length; k++) {
    if (!Number.isInteger(idx[k]) || idx[k] < 0 || idx[k] >= dim) {
      throw new Error(`gather: index ${idx[k]} at position ${k} is out of range [0, ${dim}) for axis ${axis}`);
    }
  }
}

export const gather: OpDef<OpAttrs['gather']> = {
  infer: ([x, i], { axis }) => {
    normalizeAxis(axis, x.shape.length, 'gather');
    if (i.dtype === 'float32') throw new Error('gather: indices must be int32 (cast them)');
    return { shape: [...x.shape.slice(0, axis), ...i.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  prepare: ([x], _o, { axis }) => {
    const { outer, dim, inner } = gatherLayout(x.shape, axis);
    return (_be, [v, idx], out) => {
      checkIndices(idx, dim, axis);
      const n = idx.length;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          const src = (o * dim + idx[k]) * inner;
          out.set(v.subarray(src, src + inner), (o * n + k) * inner);
        }
      }
    };
  },
  // The VJP scatters each gathered slice back to the row it came from.
  vjp: (e, { inputs: [x, i], dy, attrs: { axis } }) => [e.op('scatterAdd', [dy, i], { axis, dim: x.shape[axis] }), null],
  deeplift: 'linear',
  onnx: (e, { inputs: [x, i], attrs }) => e.node('Gather', [x, e.node('Cast', [i], { to: { i: 7 } })], { axis: { i: attrs.axis } }),
};

export const scatterAdd: OpDef<OpAttrs['scatterAdd']> = {
  infer: ([u, i], { axis, dim }) => ({ shape: [...u.shape.slice(0, axis), dim, ...u.shape.slice(axis + i.shape.length)], dtype: 'float32' }),
  prepare: ([, i], out, { axis, dim }) => {
    const { outer, inner } = gatherLayout(out.shape, axis);
    const n = sizeOf(i.shape);
    return (_be, [u, idx], o) => {
      checkIndices(idx, dim, axis);
      o.fill(0);
      for (let b = 0; b < outer; b++) {
        for (let k = 0; k < n; k++) {
          const dst = (b * dim + idx[k]) * inner;
          const src = (b * n + k) * inner;
          for (let j = 0; j < inner; j++) o[dst + j] += u[src + j];
        }
      }
    };
  },
  vjp: (e, { inputs: [, i], dy, attrs: { axis } }) => [e.op('gather', [dy, i], { axis }), null],
  deeplift: 'linear',
  onnx: null,
};

export const oneHot: OpDef<OpAttrs['oneHot']> = {
  infer: ([i], { depth }) => ({ shape: [...i.shape, depth], dtype: 'float32' }),
  prepare: (_i, _o, { depth, on, off }) => (_be, [idx], out) => {
    out.fill(off);
    for (let k = 0; k < idx.length; k++) {
      const c = idx[k];
      if (!Number.isInteger(c) || c < 0 || c >= depth) {
        throw new Error(`oneHot: label ${c} at position ${k} is outside [0, ${depth}); labels must be integers 0..${depth - 1}`);
      }
      out[k * depth + c] = on;
    }
  },
  vjp: 'zero',
  deeplift: 'none',
  onnx: (e, { inputs: [i], attrs }) => e.node('OneHot', [i, e.initializer([attrs.depth], [], 'int64'), e.initializer([attrs.off, attrs.on], [2])], { axis: { i: -1 } }),
};
