// ONNX operators that move or combine values: arithmetic, reshapes, transposes, concatenation, padding, slicing,
// reductions, and the constant folding of the shape arithmetic exporters write before a Reshape (Shape, Gather,
// Unsqueeze, Concat), with the batch size kept symbolic.

import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import * as ops from '../ops/index.js';
import type { BinaryOp } from '../backend/backend.js';
import { ElementwiseMerge, Concatenate } from '../nn/merge.js';
import { Flatten } from '../nn/simple-layers.js';
import { Permute, Reshape } from '../nn/shape-layers.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { readTensor, type Dim } from './onnx-read.js';
import type { NodeContext, OnnxValue } from './onnx-import.js';
import {
  asFloat, axisOf, checkBroadcastConstant, constOut, constantChannelsLast, inputAt, intsAt, intsOut, opLayer, optionalInts, rankOf, staticInts, symAt, symOut,
  withLayout,
} from './onnx-values.js';
import { embeddingOf } from './onnx-ops.js';

type Handler = (ctx: NodeContext) => OnnxValue | OnnxValue[];

const MERGES: Partial<Record<string, 'Add' | 'Subtract' | 'Multiply' | 'Maximum' | 'Minimum'>> = { Add: 'Add', Sub: 'Subtract', Mul: 'Multiply', Max: 'Maximum', Min: 'Minimum' };
const FOLD: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => Math.trunc(a / b), Max: Math.max, Min: Math.min, Pow: (a, b) => a ** b,
};

/**
 * Elementwise arithmetic: folded on constants, a merge layer on two layer outputs, an Op layer with a constant operand.
 * On values held channels-last it stays channels-last (a constant is rearranged to match); mixed layouts meet in the graph's.
 */
function binary(onnx: string, fn: BinaryOp): Handler {
  return (ctx) => {
    const [a, b] = [inputAt(ctx, 0, 'A'), inputAt(ctx, 1, 'B')];
    if (a.kind === 'ints' && b.kind === 'ints') return foldInts(ctx, onnx, a, b);
    if (a.kind !== 'sym' && b.kind !== 'sym') return constOut(fold(fn, asFloat(ctx, a), asFloat(ctx, b)));
    if (a.kind === 'sym' && b.kind === 'sym') {
      const last = a.channelsLast === true && b.channelsLast === true && a.t.exampleShape.length === b.t.exampleShape.length;
      const [x, y] = last ? [a.t, b.t] : [symAt(ctx, 0, 'A'), symAt(ctx, 1, 'B')];
      const merge = MERGES[onnx];
      if (merge) return symOut(ctx.layer((n) => new ElementwiseMerge({ name: n }, merge), [x, y]), last);
      return withLayout(opLayer(ctx, 'binary', { fn }, [symOut(x), symOut(y)]), last);
    }
    const s = (a.kind === 'sym' ? a : b) as { t: SymbolicTensor; channelsLast?: boolean };
    const c = a.kind === 'sym' ? b : a;
    const given = asFloat(ctx, c);
    checkBroadcastConstant(ctx, given, s.t.exampleShape);
    const ct = s.channelsLast ? constantChannelsLast(ctx, given, s.t.exampleShape.length) : given;
    const operand: OnnxValue = c.kind === 'const' && ct === given ? c : { kind: 'const', t: ct, initializer: c.kind === 'const' ? c.initializer : null };
    return withLayout(opLayer(ctx, 'binary', { fn }, a.kind === 'sym' ? [a, operand] : [operand, b]), s.channelsLast);
  };
}

function fold(fn: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const f: Record<string, (x: Tensor, y: Tensor) => Tensor> = { add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div, pow: ops.pow, maximum: ops.maximum, minimum: ops.minimum };
  return f[fn](a, b);
}

/** Integer arithmetic on shape values (vectors or scalars broadcast); the symbolic batch size may not take part. */
function foldInts(ctx: NodeContext, onnx: string, a: { values: Dim[]; shape: number[] }, b: { values: Dim[]; shape: number[] }): OnnxValue {
  if (a.values.includes('batch') || b.values.includes('batch')) ctx.fail('arithmetic on the batch size is not supported (glassbox keeps it symbolic)');
  const shape = broadcastShapes(a.shape, b.shape, onnx);
  const n = shape.reduce((x, y) => x * y, 1);
  const at = (v: { values: Dim[] }, i: number) => v.values[v.values.length === 1 ? 0 : i] as number;
  return intsOut(Array.from({ length: n }, (_, i) => FOLD[onnx](at(a, i), at(b, i))), shape);
}

/** The example shape a Reshape target gives x (0 copies an input size, -1 is inferred); its first entry must be the batch. */
function reshapeTarget(ctx: NodeContext, x: SymbolicTensor, target: Dim[]): number[] {
  const allowZero = ctx.attr.int('allowzero', 0) === 1;
  const first = target[0];
  const minusOnes = target.filter((d) => d === -1).length;
  const isBatch = first === 'batch' || (first === 0 && !allowZero) || (first === -1 && minusOnes === 1) || (ctx.staticBatch !== null && first === ctx.staticBatch);
  if (!isBatch) ctx.fail(`reshapes to [${target.join(', ')}], which changes the batch axis; glassbox imports graphs whose first axis stays the batch`);
  return target.slice(1).map((d, i) => {
    if (d === 'batch') return ctx.fail('moves the batch size into another axis; not supported');
    if (d === 0 && !allowZero) return x.exampleShape[i];
    return d;
  });
}

function reshape(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'data');
  const target = intsAt(ctx, 1, 'shape');
  if (data.kind === 'ints') return intsOut(data.values, staticInts(ctx, intsOut(target), 'the shape'));
  if (data.kind === 'const') return constOut(ops.reshape(data.t, staticInts(ctx, intsOut(target), 'the shape').map((d, i) => (d === 0 ? data.t.shape[i] : d))));
  const x = data.t;
  const shape = reshapeTarget(ctx, x, target);
  if (shape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))) ctx.fail(`target shape [${target.join(', ')}] is not valid`);
  return symOut(ctx.layer((n) => new Reshape({ targetShape: shape, name: n }), [x]));
}

function flatten(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'input');
  const rank = data.kind === 'sym' ? rankOf(data.t) : data.kind === 'const' ? data.t.rank : data.shape.length;
  const axis = axisOf(ctx, ctx.attr.int('axis', 1), rank + 1, true);
  if (data.kind !== 'sym') {
    const t = asFloat(ctx, data);
    const lead = t.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return constOut(ops.reshape(t, [lead, t.size / Math.max(lead, 1)]));
  }
  if (axis === 0) ctx.fail('axis = 0 folds the batch into one row; not supported');
  if (axis === 1) return symOut(ctx.layer((n) => new Flatten({ name: n }), [data.t]));
  const kept = data.t.exampleShape.slice(0, axis - 1);
  return symOut(ctx.layer((n) => new Reshape({ targetShape: [...kept, -1], name: n }), [data.t]));
}

function transpose(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'data');
  const rank = data.kind === 'sym' ? rankOf(data.t) : asFloat(ctx, data).rank;
  const perm = ctx.attr.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (data.kind !== 'sym') return constOut(ops.transpose(asFloat(ctx, data), perm));
  if (perm[0] !== 0) ctx.fail(`perm [${perm.join(', ')}] moves the batch axis; glassbox imports graphs whose first axis stays the batch`);
  return symOut(ctx.layer((n) => new Permute({ dims: perm.slice(1), name: n }), [data.t]));
}

/** The axes of Squeeze / Unsqueeze: an attribute before opset 13, an input from 13. */
function axesOf(ctx: NodeContext, inputIndex: number): number[] | null {
  return ctx.opset >= 13 ? optionalInts(ctx, inputIndex, 'axes', null) : ctx.attr.ints('axes');
}

/** Squeeze and Unsqueeze: a reshape that drops or adds axes of size 1. */
function squeeze(add: boolean): Handler {
  return (ctx) => {
    const data = inputAt(ctx, 0, 'data');
    const shape = data.kind === 'sym' ? [-1, ...data.t.exampleShape] : data.kind === 'const' ? data.t.shape : data.shape;
    const given = axesOf(ctx, 1);
    let out: number[];
    if (add) {
      if (!given) return ctx.fail('axes are required');
      const rank = shape.length + given.length;
      const axes = given.map((a) => axisOf(ctx, a, rank, data.kind !== 'sym'));
      const rest = [...shape];
      out = Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
    } else {
      const axes = (given ?? shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => axisOf(ctx, a, shape.length, data.kind !== 'sym'));
      axes.forEach((a) => shape[a] !== 1 && ctx.fail(`axis ${a} has size ${shape[a]}, not 1`));
      out = shape.filter((_, i) => !axes.includes(i));
    }
    if (data.kind === 'ints') return intsOut(data.values, out);
    if (data.kind === 'const') return constOut(ops.reshape(data.t, out));
    return symOut(ctx.layer((n) => new Reshape({ targetShape: out.slice(1), name: n }), [data.t]));
  };
}

function concat(ctx: NodeContext): OnnxValue {
  const values = ctx.inputs.filter((v): v is OnnxValue => v !== null);
  if (values.every((v) => v.kind === 'ints')) return intsOut(values.flatMap((v) => (v as { values: Dim[] }).values));
  if (values.every((v) => v.kind !== 'sym')) {
    const ts = values.map((v) => asFloat(ctx, v));
    return constOut(ops.concat(ts, axisOf(ctx, ctx.attr.int('axis', 0), ts[0].rank, true)));
  }
  if (values.some((v) => v.kind !== 'sym')) ctx.fail('concatenating constants with computed values along a non-batch axis is not supported');
  const syms = values as { kind: 'sym'; t: SymbolicTensor; channelsLast?: boolean }[];
  const rank = rankOf(syms[0].t);
  const axis = axisOf(ctx, ctx.attr.int('axis', 0), rank);
  // All held channels-last: the graph's channel axis (1) is the last, its other axes one place earlier.
  const last = syms.every((v) => v.channelsLast);
  const ts = last ? syms.map((v) => v.t) : syms.map((v) => (v.channelsLast ? ctx.toFirst(v.t) : v.t));
  const layerAxis = last ? (axis === 1 ? -1 : axis - 1) : axis;
  if (ts.length === 1) return symOut(ctx.layer((n) => new Reshape({ targetShape: ts[0].exampleShape, name: n }), ts), last);
  return symOut(ctx.layer((n) => new Concatenate({ axis: layerAxis, name: n }), ts), last);
}

function shape(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'data');
  const dims: Dim[] = data.kind === 'sym' ? ['batch', ...data.t.exampleShape] : data.kind === 'const' ? data.t.shape : data.shape;
  const norm = (i: number) => Math.max(0, Math.min(dims.length, i < 0 ? i + dims.length : i));
  return intsOut(dims.slice(norm(ctx.attr.int('start', 0)), norm(ctx.attr.int('end', dims.length))));
}

function gather(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'data');
  const idx = inputAt(ctx, 1, 'indices');
  const rank = data.kind === 'sym' ? rankOf(data.t) : data.kind === 'const' ? data.t.rank : data.shape.length;
  const axis = axisOf(ctx, ctx.attr.int('axis', 0), rank, data.kind !== 'sym');
  if (idx.kind === 'sym') {
    if (data.kind !== 'const' || axis !== 0) ctx.fail('gathering with computed indices is supported only from a constant table along axis 0 (an embedding)');
    return embeddingOf(ctx, (data as { t: Tensor }).t, idx.t);
  }
  const indices = staticInts(ctx, idx, 'the indices');
  const indexShape = idx.kind === 'ints' ? idx.shape : idx.t.shape;
  if (data.kind === 'ints') {
    if (data.shape.length !== 1) ctx.fail('gathering from integer constants of rank > 1 is not supported');
    const pick = indices.map((i) => data.values[i < 0 ? i + data.values.length : i]);
    if (pick.some((v) => v === undefined)) ctx.fail(`index out of range for ${data.values.length} values`);
    return intsOut(pick, indexShape);
  }
  const size = data.kind === 'sym' ? data.t.exampleShape[axis - 1] : data.t.shape[axis];
  const wrapped = indices.map((i) => (i < 0 ? i + size : i));
  if (wrapped.some((i) => i < 0 || i >= size)) ctx.fail(`an index is outside [0, ${size})`);
  const ids = new Tensor(Int32Array.from(wrapped), indexShape, 'int32');
  if (data.kind === 'const') return constOut(ops.gather(data.t, ids, axis));
  return opLayer(ctx, 'gather', { axis: axis - 1 }, [data, intsOut(wrapped, indexShape)]);
}

function slice(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'data');
  const dims: Dim[] = data.kind === 'sym' ? ['batch', ...data.t.exampleShape] : data.kind === 'const' ? data.t.shape : data.shape;
  const starts = staticInts(ctx, inputAt(ctx, 1, 'starts'), 'starts');
  const ends = staticInts(ctx, inputAt(ctx, 2, 'ends'), 'ends');
  const axes = (optionalInts(ctx, 3, 'axes', null) ?? starts.map((_, i) => i)).map((a) => axisOf(ctx, a, dims.length, true));
  const steps = optionalInts(ctx, 4, 'steps', null) ?? starts.map(() => 1);
  if (steps.some((s) => s !== 1)) ctx.fail('steps other than 1 are not supported');
  const begin = dims.map(() => 0);
  const size = dims.map((d) => d);
  axes.forEach((a, k) => {
    const d = dims[a];
    if (d === 'batch') {
      if (starts[k] !== 0 || ends[k] < 2 ** 31 - 1) ctx.fail('slices the batch axis; not supported');
      return;
    }
    const clamp = (v: number) => Math.max(0, Math.min(d, v < 0 ? v + d : v));
    begin[a] = clamp(starts[k]);
    size[a] = Math.max(0, clamp(ends[k]) - begin[a]);
  });
  if (data.kind === 'ints') return intsOut(data.values.slice(begin[0], begin[0] + (size[0] as number)));
  if (data.kind === 'const') return constOut(ops.slice(data.t, begin, size as number[]));
  return opLayer(ctx, 'slice', { begin: begin.slice(1), size: (size as number[]).slice(1) }, [data]);
}

function cast(ctx: NodeContext): OnnxValue {
  const data = inputAt(ctx, 0, 'input');
  const to = ctx.attr.int('to', 1);
  const toFloat = to === 1 || to === 10 || to === 11;
  const toInt = [2, 3, 4, 5, 6, 7, 12, 13].includes(to);
  if (!toFloat && !toInt && to !== 9) ctx.fail(`casting to element type ${to} is not supported`);
  if (data.kind === 'ints') return toFloat ? constOut(asFloat(ctx, data)) : data;
  if (data.kind === 'const') return toFloat ? data : intsOut(Array.from(data.t.values, (v) => (to === 9 ? (v !== 0 ? 1 : 0) : Math.trunc(v))), data.t.shape);
  if (toFloat && data.t.dtype === 'float32') return data;
  return opLayer(ctx, 'cast', { dtype: toFloat ? 'float32' : to === 9 ? 'bool' : 'int32' }, [data]);
}

function constant(ctx: NodeContext): OnnxValue {
  const t = ctx.attr.tensor('value');
  if (t) {
    const data = readTensor(t, 'its value');
    return data.kind === 'float' ? constOut(data.t) : intsOut(data.values, data.shape);
  }
  if (ctx.attr.has('value_float')) return constOut(ops.scalar(ctx.attr.float('value_float', 0)));
  if (ctx.attr.has('value_int')) return intsOut([ctx.attr.int('value_int', 0)], []);
  if (ctx.attr.has('value_ints')) return intsOut(ctx.attr.ints('value_ints')!);
  const floats = ctx.attr.floats('value_floats');
  if (floats) return constOut(ops.tensor1d(floats));
  return ctx.fail('only value, value_float(s) and value_int(s) constants are supported');
}

function constantOfShape(ctx: NodeContext): OnnxValue {
  const shapeOf = staticInts(ctx, inputAt(ctx, 0, 'input'), 'the shape');
  const t = ctx.attr.tensor('value');
  const data = t ? readTensor(t, 'its value') : { kind: 'float' as const, t: ops.scalar(0) };
  const n = shapeOf.reduce((a, b) => a * b, 1);
  if (data.kind === 'ints') return intsOut(Array<number>(n).fill(data.values[0] ?? 0), shapeOf);
  return constOut(ops.fill(shapeOf, data.t.values[0] ?? 0));
}

function identity(ctx: NodeContext): OnnxValue {
  return inputAt(ctx, 0, 'input');
}

function dropout(ctx: NodeContext): OnnxValue {
  const training = ctx.inputs[2];
  if (training && staticInts(ctx, training, 'training_mode')[0]) ctx.fail('training_mode = true (dropout at inference) is not supported');
  return inputAt(ctx, 0, 'data');
}

/** Pad with a constant (mode 'constant'); the batch axis may not be padded. */
function pad(ctx: NodeContext): OnnxValue {
  if (ctx.attr.string('mode', 'constant') !== 'constant') ctx.fail(`mode '${ctx.attr.string('mode', '')}' is not supported (only 'constant')`);
  const raw = inputAt(ctx, 0, 'data');
  if (raw.kind !== 'sym') return ctx.fail('padding a constant is not supported');
  const rank = rankOf(raw.t);
  const pads = staticInts(ctx, inputAt(ctx, 1, 'pads'), 'pads');
  const axes = (optionalInts(ctx, 3, 'axes', null) ?? Array.from({ length: rank }, (_, i) => i)).map((a) => axisOf(ctx, a, rank, true));
  const value = ctx.inputs[2] ? asFloat(ctx, inputAt(ctx, 2, 'constant_value')).values[0] : 0;
  const pairs: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  axes.forEach((a, k) => (pairs[a] = [pads[k], pads[k + axes.length]]));
  if (pairs[0][0] !== 0 || pairs[0][1] !== 0) ctx.fail('pads the batch axis; not supported');
  if (pairs.flat().some((p) => p < 0)) ctx.fail('negative pads (cropping) are not supported');
  // No padding at all (PyTorch writes such Pads before pooling): the value as it is, in whatever layout it is held.
  if (pairs.every(([a, b]) => a === 0 && b === 0)) return raw;
  return opLayer(ctx, 'pad', { paddings: pairs.slice(1), value }, [symOut(symAt(ctx, 0, 'data'))]);
}

/** ReduceSum / Mean / Max / Min over non-batch axes; the axes are an input from opset 13 (Sum) or 18 (the others). */
function reduce(kind: 'sum' | 'mean' | 'max' | 'min'): Handler {
  return (ctx) => {
    const x = symAt(ctx, 0, 'data');
    const rank = rankOf(x);
    const fromInput = kind === 'sum' ? ctx.opset >= 13 : ctx.opset >= 18;
    const given = fromInput ? optionalInts(ctx, 1, 'axes', null) : ctx.attr.ints('axes');
    if (!given || given.length === 0) ctx.fail('reducing over every axis, the batch included, is not supported');
    const axes = given!.map((a) => axisOf(ctx, a, rank) - 1).sort((a, b) => a - b);
    const keepDims = ctx.attr.int('keepdims', 1) === 1;
    const reduced = opLayer(ctx, 'reduce', { fn: kind === 'mean' ? 'sum' : kind, axes, keepDims }, [symOut(x)], kind !== 'mean');
    if (kind !== 'mean') return reduced;
    const count = axes.reduce((n, a) => n * x.exampleShape[a], 1);
    return opLayer(ctx, 'binary', { fn: 'div' }, [reduced, constOut(ops.scalar(count))]);
  };
}

export const TENSOR_HANDLERS: Record<string, Handler> = {
  Add: binary('Add', 'add'), Sub: binary('Sub', 'sub'), Mul: binary('Mul', 'mul'), Div: binary('Div', 'div'), Pow: binary('Pow', 'pow'),
  Max: binary('Max', 'maximum'), Min: binary('Min', 'minimum'),
  Reshape: reshape, Flatten: flatten, Transpose: transpose, Squeeze: squeeze(false), Unsqueeze: squeeze(true), Concat: concat,
  Shape: shape, Gather: gather, Slice: slice, Cast: cast, Constant: constant, ConstantOfShape: constantOfShape,
  Identity: identity, Dropout: dropout, Pad: pad,
  ReduceSum: reduce('sum'), ReduceMean: reduce('mean'), ReduceMax: reduce('max'), ReduceMin: reduce('min'),
};

