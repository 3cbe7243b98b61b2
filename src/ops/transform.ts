// Ops that move values without arithmetic: reshape, transpose, broadcast, slice, pad, concat, gather, oneHot.

import { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { runOp } from './run.js';

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
  return runOp('reshape', [$x], { shape: target });
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
  return runOp('transpose', [$x], { perm: p });
}

/** Repeats x along broadcast dimensions to `shape`. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const $x = toTensor(x);
  if (shapesEqual($x.shape, shape)) return $x;
  return runOp('broadcastTo', [$x], { shape: [...shape] });
}

/** Copies a box of x: begin[i] .. begin[i] + size[i] on each axis (size -1 = to the end); a contiguous box is a view. */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const $x = toTensor(x);
  const b = typeof begin === 'number' ? [begin] : [...begin];
  while (b.length < $x.rank) b.push(0);
  const s0 = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  const s = $x.shape.map((d, i) => (s0[i] === undefined || s0[i] === -1 ? d - b[i] : s0[i]));
  if (b.length > $x.rank || $x.shape.some((d, i) => b[i] < 0 || s[i] < 0 || b[i] + s[i] > d)) {
    throw new Error(`slice: begin ${formatShape(b)} size ${formatShape(s)} is outside ${formatShape($x.shape)}`);
  }
  return runOp('slice', [$x], { begin: b, size: s });
}

/** Pads with a constant: paddings[i] = [before, after] for axis i (TensorFlow.js `tf.pad`). */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  return runOp('pad', [toTensor(x)], { paddings: paddings.map(([a, b]) => [a, b] as [number, number]), value: constantValue });
}

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const ts = tensors.map((t) => toTensor(t));
  const a = normalizeAxis(axis, ts[0].rank, 'concat');
  const dtype = ts.every((t) => t.dtype === ts[0].dtype) ? ts[0].dtype : 'float32';
  return runOp('concat', ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype))), { axis: a });
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
  return runOp('gather', [$x, $i.dtype === 'float32' ? cast($i, 'int32') : $i], { axis: normalizeAxis(axis, $x.rank, 'gather') });
}

/** Integer labels to one-hot rows of length `depth`. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
  const $i = toTensor(indices, 'int32');
  return runOp('oneHot', [$i], { depth, on: onValue, off: offValue });
}
