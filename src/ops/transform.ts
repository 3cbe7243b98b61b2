// Ops that move values without arithmetic: reshape, transpose, broadcast, slice, concat, gather, oneHot.

import { getBackend } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor, allocFor, type TypedArray } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf, stridesOf, broadcastShapes } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { unbroadcast } from './elementwise.js';

/** Same values, new shape (one dimension may be -1 and is inferred). Shares storage. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const $x = toTensor(x);
  const target = [...shape];
  const unknown = target.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== unknown));
    if (known === 0 || $x.size % known !== 0) {
      throw new Error(`reshape: cannot infer -1 in ${formatShape(shape)} for ${$x.size} values`);
    }
    target[unknown] = $x.size / known;
  }
  if (sizeOf(target) !== $x.size) {
    throw new Error(`reshape: cannot reshape ${formatShape($x.shape)} (${$x.size} values) to ${formatShape(shape)} (${sizeOf(target)} values)`);
  }
  if (shapesEqual(target, $x.shape)) return $x;
  const y = new Tensor($x.values, target, $x.dtype);
  return record(y, 'reshape', [$x], (dy) => [reshape(dy, $x.shape)]);
}

export function flatten(x: TensorLike): Tensor {
  return reshape(x, [-1]);
}

export function expandDims(x: TensorLike, axis = 0): Tensor {
  const $x = toTensor(x);
  const a = normalizeAxis(axis < 0 ? axis + $x.rank + 1 : axis, $x.rank + 1, 'expandDims');
  const shape = [...$x.shape];
  shape.splice(a, 0, 1);
  return reshape($x, shape);
}

export function squeeze(x: TensorLike, axis?: number[]): Tensor {
  const $x = toTensor(x);
  const axes = axis?.map((a) => normalizeAxis(a, $x.rank, 'squeeze'));
  for (const a of axes ?? []) {
    if ($x.shape[a] !== 1) throw new Error(`squeeze: dimension ${a} of ${formatShape($x.shape)} is ${$x.shape[a]}, not 1`);
  }
  return reshape($x, $x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
}

/** Permutes dimensions (default: reverses them). */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const $x = toTensor(x);
  const p = perm ? perm.map((a) => normalizeAxis(a, $x.rank, 'transpose')) : $x.shape.map((_, i) => $x.rank - 1 - i);
  if (p.length !== $x.rank || new Set(p).size !== p.length) {
    throw new Error(`transpose: perm [${perm}] is not a permutation of the ${$x.rank} axes`);
  }
  if (p.every((a, i) => a === i)) return $x;
  const y = new Tensor(getBackend().transpose($x.values, $x.shape, p), p.map((a) => $x.shape[a]), $x.dtype);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return record(y, 'transpose', [$x], (dy) => [transpose(dy, inverse)]);
}

/** Repeats x along broadcast dimensions to `shape`. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const $x = toTensor(x);
  if (shapesEqual($x.shape, shape)) return $x;
  const target = broadcastShapes($x.shape, shape, 'broadcastTo');
  if (!shapesEqual(target, shape)) throw new Error(`broadcastTo: cannot broadcast ${formatShape($x.shape)} to ${formatShape(shape)}`);
  const values = getBackend().binary('add', $x.values, $x.shape, allocFor($x.dtype, 1), [], shape, $x.dtype);
  const y = new Tensor(values, shape, $x.dtype);
  return record(y, 'broadcastTo', [$x], (dy) => [unbroadcast(dy, $x.shape)]);
}

/** Copies a box of x: begin[i] .. begin[i] + size[i] on each axis (size -1 = to the end). */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const $x = toTensor(x);
  const b = typeof begin === 'number' ? [begin] : [...begin];
  while (b.length < $x.rank) b.push(0);
  const s0 = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  const s = $x.shape.map((d, i) => (s0[i] === undefined || s0[i] === -1 ? d - b[i] : s0[i]));
  $x.shape.forEach((d, i) => {
    if (b[i] < 0 || s[i] < 0 || b[i] + s[i] > d) {
      throw new Error(`slice: begin ${formatShape(b)} size ${formatShape(s)} is outside ${formatShape($x.shape)}`);
    }
  });
  const y = new Tensor(contiguousBox($x, b, s) ?? copiedBox($x, b, s), s, $x.dtype);
  return record(y, 'slice', [$x], (dy) => [padBox(dy, $x.shape, b)]);
}

/** A view of the storage when the box is one contiguous run (e.g. a range of rows): no copy. */
function contiguousBox(x: Tensor, begin: number[], size: number[]): TypedArray | null {
  // Leading axes of size 1, then one partial axis, then only full axes: row-major order keeps it contiguous.
  let d = 0;
  while (d < x.rank && size[d] === 1) d++;
  for (let i = d + 1; i < x.rank; i++) if (size[i] !== x.shape[i]) return null;
  const strides = stridesOf(x.shape);
  let offset = 0;
  for (let i = 0; i < x.rank; i++) offset += begin[i] * strides[i];
  return x.values.subarray(offset, offset + sizeOf(size));
}

function copiedBox(x: Tensor, begin: number[], size: number[]): TypedArray {
  const out = allocFor(x.dtype, sizeOf(size));
  copyBox(x.values, x.shape, begin, out, size, new Array<number>(x.rank).fill(0), size, false);
  return out;
}

/** Writes g into a zero tensor of `shape` at offset `begin` (the VJP of slice). */
function padBox(g: Tensor, shape: readonly number[], begin: readonly number[]): Tensor {
  const out = new Float32Array(sizeOf(shape));
  copyBox(g.values, g.shape, new Array(g.rank).fill(0), out, shape, begin, g.shape, false);
  return new Tensor(out, shape);
}

/**
 * Copies a box of `count` elements per axis from src (at srcBegin) to dst (at dstBegin),
 * adding instead of overwriting when `accumulate` is set.
 */
function copyBox(
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

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const ts = tensors.map((t) => toTensor(t));
  const rank = ts[0].rank;
  const a = normalizeAxis(axis, rank, 'concat');
  ts.forEach((t, i) => {
    if (t.rank !== rank || t.shape.some((d, j) => j !== a && d !== ts[0].shape[j])) {
      throw new Error(`concat: tensor ${i} has shape ${formatShape(t.shape)}, incompatible with ${formatShape(ts[0].shape)} along axis ${a}`);
    }
  });
  const dtype = ts.every((t) => t.dtype === ts[0].dtype) ? ts[0].dtype : 'float32';
  const parts = ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const shape = [...ts[0].shape];
  shape[a] = parts.reduce((n, t) => n + t.shape[a], 0);
  const out = allocFor(dtype, sizeOf(shape));
  const zerosBegin = new Array<number>(rank).fill(0);
  const offsets: number[] = [];
  let offset = 0;
  for (const t of parts) {
    const begin = [...zerosBegin];
    begin[a] = offset;
    offsets.push(offset);
    copyBox(t.values, t.shape, zerosBegin, out, shape, begin, t.shape, false);
    offset += t.shape[a];
  }
  const y = new Tensor(out, shape, dtype);
  return record(y, 'concat', parts, (dy) =>
    parts.map((t, i) => {
      const begin = [...zerosBegin];
      begin[a] = offsets[i];
      return slice(dy, begin, t.shape);
    }),
  );
}

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return concat(tensors.map((t) => expandDims(t, axis)), axis);
}

/** Splits into equal parts (a number) or parts of given sizes along an axis. */
export function split(x: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
  const $x = toTensor(x);
  const a = normalizeAxis(axis, $x.rank, 'split');
  const dim = $x.shape[a];
  const parts = typeof sizes === 'number' ? new Array<number>(sizes).fill(dim / sizes) : [...sizes];
  if (parts.some((p) => !Number.isInteger(p)) || parts.reduce((s, p) => s + p, 0) !== dim) {
    throw new Error(`split: sizes [${parts}] do not divide dimension ${a} of length ${dim}`);
  }
  let start = 0;
  return parts.map((p) => {
    const begin = new Array<number>($x.rank).fill(0);
    begin[a] = start;
    const size = [...$x.shape];
    size[a] = p;
    start += p;
    return slice($x, begin, size);
  });
}

/** Picks slices of x along `axis` at the given integer indices. */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const $x = toTensor(x);
  const $i = toTensor(indices, 'int32');
  const a = normalizeAxis(axis, $x.rank, 'gather');
  const outer = sizeOf($x.shape.slice(0, a));
  const dim = $x.shape[a];
  const inner = sizeOf($x.shape.slice(a + 1));
  const idx = $i.values;
  for (let k = 0; k < idx.length; k++) {
    if (!Number.isInteger(idx[k]) || idx[k] < 0 || idx[k] >= dim) {
      throw new Error(`gather: index ${idx[k]} at position ${k} is out of range [0, ${dim}) for axis ${a}`);
    }
  }
  const shape = [...$x.shape.slice(0, a), ...$i.shape, ...$x.shape.slice(a + 1)];
  const out = allocFor($x.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const src = (o * dim + idx[k]) * inner;
      const dst = (o * idx.length + k) * inner;
      for (let j = 0; j < inner; j++) out[dst + j] = $x.values[src + j];
    }
  }
  const y = new Tensor(out, shape, $x.dtype);
  // VJP: scatter-add each gathered slice back to the row it came from.
  return record(y, 'gather', [$x], (dy) => {
    const g = new Float32Array($x.size);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < idx.length; k++) {
        const dst = (o * dim + idx[k]) * inner;
        const src = (o * idx.length + k) * inner;
        for (let j = 0; j < inner; j++) g[dst + j] += dy.values[src + j];
      }
    }
    return [new Tensor(g, $x.shape)];
  });
}

/** Integer labels to one-hot rows of length `depth`. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
  const $i = toTensor(indices, 'int32');
  const out = new Float32Array($i.size * depth).fill(offValue);
  for (let k = 0; k < $i.size; k++) {
    const c = $i.values[k];
    if (!Number.isInteger(c) || c < 0 || c >= depth) {
      throw new Error(`oneHot: label ${c} at position ${k} is outside [0, ${depth}); labels must be integers 0..${depth - 1}`);
    }
    out[k * depth + c] = onValue;
  }
  return new Tensor(out, [...$i.shape, depth]);
}
