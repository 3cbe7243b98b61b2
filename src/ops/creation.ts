// Making tensors: from numbers, nested arrays and typed arrays; constants; seeded random tensors.

import { Tensor, allocFor, type DType, type NestedArray, type TypedArray } from '../tensor/tensor.js';
import { type Shape, sizeOf, formatShape } from '../tensor/shape.js';
import { type Rng, rngFor } from '../util/random.js';
import { runOp } from './run.js';

export type TensorLike = Tensor | number | boolean | NestedArray | TypedArray | readonly number[];

function inferShape(x: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const arr = cur as ArrayLike<unknown>;
    shape.push(arr.length);
    cur = arr.length > 0 ? arr[0] : undefined;
    if (ArrayBuffer.isView(arr)) break;
  }
  return shape;
}

function flatten(x: unknown, shape: number[], out: TypedArray, dim = 0, offset = { i: 0 }): void {
  if (dim === shape.length) {
    if (typeof x !== 'number' && typeof x !== 'boolean') throw new Error(`tensor: expected a number, got ${typeof x}`);
    out[offset.i++] = Number(x);
    return;
  }
  const arr = x as ArrayLike<unknown>;
  if (!Array.isArray(arr) && !ArrayBuffer.isView(arr)) throw new Error('tensor: ragged nested array (mixed depths)');
  if (arr.length !== shape[dim]) {
    throw new Error(`tensor: ragged nested array: dimension ${dim} has lengths ${shape[dim]} and ${arr.length}`);
  }
  if (ArrayBuffer.isView(arr)) {
    for (let i = 0; i < arr.length; i++) out[offset.i++] = Number(arr[i]);
    return;
  }
  for (let i = 0; i < arr.length; i++) flatten(arr[i], shape, out, dim + 1, offset);
}

function defaultDtype(values: unknown): DType {
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  if (values instanceof Int8Array) return 'int8';
  if (typeof values === 'boolean') return 'bool';
  return 'float32';
}

/** Creates a tensor, inferring the shape from nested arrays unless given (TensorFlow.js `tf.tensor`). */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DType): Tensor {
  if (values instanceof Tensor) return dtype && dtype !== values.dtype ? cast(values, dtype) : values;
  const dt = dtype ?? defaultDtype(values);
  const inferred = inferShape(values);
  const flat = allocFor(dt, sizeOf(inferred));
  flatten(values, inferred, flat);
  if (!shape) return new Tensor(flat, inferred, dt);
  if (sizeOf(shape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values cannot take shape ${formatShape(shape)} (needs ${sizeOf(shape)})`);
  }
  return new Tensor(flat, shape, dt);
}

function ofRank(rank: number, name: string) {
  return (values: TensorLike, shapeOrDtype?: Shape | DType, dtype?: DType): Tensor => {
    // TensorFlow.js also takes (values, dtype), e.g. tensor1d(labels, 'int32').
    const [shape, dt] = typeof shapeOrDtype === 'string' ? [undefined, shapeOrDtype] : [shapeOrDtype, dtype];
    const t = tensor(values, shape, dt);
    if (t.rank !== rank) throw new Error(`${name}: expected rank ${rank}, got shape ${formatShape(t.shape)}`);
    return t;
  };
}

export const scalar = (value: number, dtype: DType = 'float32'): Tensor => tensor(value, [], dtype);
export const tensor1d = ofRank(1, 'tensor1d');
export const tensor2d = ofRank(2, 'tensor2d');
export const tensor3d = ofRank(3, 'tensor3d');
export const tensor4d = ofRank(4, 'tensor4d');

/** Converts any TensorLike to a Tensor; tensors pass through unchanged. */
export function toTensor(x: TensorLike, dtype?: DType): Tensor {
  return x instanceof Tensor ? x : tensor(x, undefined, dtype);
}

export function fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  const data = allocFor(dtype, sizeOf(shape));
  data.fill(value);
  return new Tensor(data, shape, dtype);
}

export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => fill(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => fill(shape, 1, dtype);
export const zerosLike = (x: Tensor): Tensor => zeros(x.shape, x.dtype);
export const onesLike = (x: Tensor): Tensor => ones(x.shape, x.dtype);

/** start, start+step, ... below stop. */
export function range(start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (step === 0) throw new Error('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], dtype);
}

export function linspace(start: number, stop: number, num: number): Tensor {
  const data = new Float32Array(num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  return new Tensor(data, [num]);
}

export function eye(n: number): Tensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return new Tensor(data, [n, n]);
}

export interface RandomOptions {
  seed?: number;
  rng?: Rng;
}

function randomTensor(shape: Shape, draw: (rng: Rng) => number, opts: RandomOptions): Tensor {
  const rng = opts.rng ?? rngFor(opts.seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return new Tensor(data, shape);
}

export function randomNormal(shape: Shape, mean = 0, stdDev = 1, opts: RandomOptions = {}): Tensor {
  return randomTensor(shape, (r) => r.normal(mean, stdDev), opts);
}

export function truncatedNormal(shape: Shape, mean = 0, stdDev = 1, opts: RandomOptions = {}): Tensor {
  return randomTensor(shape, (r) => r.truncatedNormal(mean, stdDev), opts);
}

export function randomUniform(shape: Shape, minval = 0, maxval = 1, opts: RandomOptions = {}): Tensor {
  return randomTensor(shape, (r) => r.uniform(minval, maxval), opts);
}

/** Changes dtype; float to int truncates toward zero as TensorFlow.js does. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return runOp('cast', [x], { dtype });
}

/** A copy that owns its own storage. */
export function clone(x: Tensor): Tensor {
  return new Tensor(x.values.slice(), x.shape, x.dtype);
}

/**
 * An inverted-dropout mask: 1/(1-rate) with probability 1-rate, else 0, drawn from rng. An op, so a
 * compiled plan draws a fresh mask from its run's generator every step.
 */
export function dropoutMask(shape: Shape, rate: number, rng: Rng): Tensor {
  return runOp('dropoutMask', [], { rate, shape: [...shape] }, { rng });
}
