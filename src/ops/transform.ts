// Ops that move values without arithmetic: reshape, transpose, broadcast, slice, pad, concat, gather, oneHot.

import { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { runOp } from './run.js';
import { axesArg, integerArg, listArg, numberArg, shapeArg } from './args.js';

/** Same values, new shape (one dimension may be -1 and is inferred). Shares storage. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const $x = toTensor(x, undefined, "reshape: argument 'x'");
  const target = [...shapeArg('reshape', 'shape', shape, true)];
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
  const $x = toTensor(x, undefined, "expandDims: argument 'x'");
  if (!Number.isInteger(axis)) throw new Error(`expandDims: argument 'axis' must be an integer, got ${JSON.stringify(axis)}`);
  const a = normalizeAxis(axis < 0 ? axis + $x.rank + 1 : axis, $x.rank + 1, 'expandDims');
  const shape = [...$x.shape];
  shape.splice(a, 0, 1);
  return reshape($x, shape);
}

export function squeeze(x: TensorLike, axis?: number | number[]): Tensor {
  const $x = toTensor(x, undefined, "squeeze: argument 'x'");
  const given = axesArg('squeeze', 'axis', axis);
  const axes = given === undefined ? undefined : (Array.isArray(given) ? given : [given]).map((a) => normalizeAxis(a, $x.rank, 'squeeze'));
  for (const a of axes ?? []) {
    if ($x.shape[a] !== 1) throw new Error(`squeeze: dimension ${a} of ${formatShape($x.shape)} is ${$x.shape[a]}, not 1`);
  }
  return reshape($x, $x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
}

/** Permutes dimensions (default: reverses them). */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const $x = toTensor(x, undefined, "transpose: argument 'x'");
  if (perm !== undefined && perm !== null && (!Array.isArray(perm) || perm.some((a) => !Number.isInteger(a)))) {
    throw new Error(`transpose: argument 'perm' must be a list of axes, e.g. [1, 0], got ${JSON.stringify(perm) ?? typeof perm}`);
  }
  const p = perm ? perm.map((a) => normalizeAxis(a, $x.rank, 'transpose')) : $x.shape.map((_, i) => $x.rank - 1 - i);
  if (p.length !== $x.rank || new Set(p).size !== p.length) {
    throw new Error(`transpose: perm [${perm}] is not a permutation of the ${$x.rank} axes`);
  }
  if (p.every((a, i) => a === i)) return $x;
  return runOp('transpose', [$x], { perm: p });
}

/** Repeats x along broadcast dimensions to `shape`. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const $x = toTensor(x, undefined, "broadcastTo: argument 'x'");
  shapeArg('broadcastTo', 'shape', shape);
  if (shapesEqual($x.shape, shape)) return $x;
  return runOp('broadcastTo', [$x], { shape: [...shape] });
}

/** Copies a box of x: begin[i] .. begin[i] + size[i] on each axis (size -1 = to the end); a contiguous box is a view. */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const $x = toTensor(x, undefined, "slice: argument 'x'");
  const ints = (v: unknown) => Number.isInteger(v) || (Array.isArray(v) && v.every((d) => Number.isInteger(d)));
  if (!ints(begin)) throw new Error(`slice: argument 'begin' must be an integer or a list of them, got ${JSON.stringify(begin) ?? typeof begin}`);
  if (size !== undefined && !ints(size)) throw new Error(`slice: argument 'size' must be an integer or a list of them (-1: to the end), got ${JSON.stringify(size) ?? typeof size}`);
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
  const pairs = listArg<readonly [number, number]>('pad', 'paddings', paddings, '[before, after] pairs, one per axis');
  if (pairs.some((p) => !Array.isArray(p) || p.length !== 2)) throw new Error(`pad: argument 'paddings' must hold one [before, after] pair per axis, got ${JSON.stringify(paddings)}`);
  numberArg('pad', 'constantValue', constantValue);
  return runOp('pad', [toTensor(x, undefined, "pad: argument 'x'")], { paddings: pairs.map(([a, b]) => [a, b] as [number, number]), value: constantValue });
}

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  listArg('concat', 'tensors', tensors, 'tensors');
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  integerArg('concat', 'axis', axis < 0 ? -axis : axis);
  const ts = tensors.map((t, i) => toTensor(t, undefined, `concat: tensors[${i}]`));
  const a = normalizeAxis(axis, ts[0].rank, 'concat');
  const dtype = ts.every((t) => t.dtype === ts[0].dtype) ? ts[0].dtype : 'float32';
  return runOp('concat', ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype))), { axis: a });
}

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  listArg('stack', 'tensors', tensors, 'tensors');
  return concat(tensors.map((t) => expandDims(t, axis)), axis);
}

/** Splits into equal parts (a number) or parts of given sizes along an axis. */
export function split(x: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
  const $x = toTensor(x, undefined, "split: argument 'x'");
  if (!Number.isInteger(sizes) && !(Array.isArray(sizes) && sizes.every((s) => Number.isInteger(s)))) {
    throw new Error(`split: argument 'numOrSizeSplits' must be a number of parts or a list of sizes, got ${JSON.stringify(sizes) ?? typeof sizes}`);
  }
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
  const $x = toTensor(x, undefined, "gather: argument 'x'");
  const $i = toTensor(indices, 'int32', "gather: argument 'indices'");
  if (!Number.isInteger(axis)) throw new Error(`gather: argument 'axis' must be an integer, got ${JSON.stringify(axis)}`);
  return runOp('gather', [$x, $i.dtype === 'float32' ? cast($i, 'int32') : $i], { axis: normalizeAxis(axis, $x.rank, 'gather') });
}

/** Integer labels to one-hot rows of length `depth`. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
  integerArg('oneHot', 'depth', depth, 1);
  numberArg('oneHot', 'onValue', onValue);
  numberArg('oneHot', 'offValue', offValue);
  const $i = toTensor(indices, 'int32', "oneHot: argument 'indices'");
  return runOp('oneHot', [$i], { depth, on: onValue, off: offValue });
}
