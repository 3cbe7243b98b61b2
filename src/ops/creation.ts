// Making tensors: from numbers, nested arrays and typed arrays; constants; seeded random tensors.

import { Tensor, allocFor, type DType, type NestedArray, type TypedArray } from '../tensor/tensor.js';
import { type Shape, sizeOf, formatShape } from '../tensor/shape.js';
import { type Rng, rngFor } from '../util/random.js';
import { runOp } from './run.js';
import { describe } from '../util/describe.js';
import { dtypeArg, integerArg, numberArg, shapeArg } from './args.js';

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

function flatten(x: unknown, shape: number[], out: TypedArray, label: string, dim = 0, offset = { i: 0 }): void {
  if (dim === shape.length) {
    if (typeof x !== 'number' && typeof x !== 'boolean') {
      throw new Error(`${label} must be a Tensor, a number or a (nested) array of numbers; found ${describe(x)}${dim > 0 ? ` at depth ${dim}` : ''}`);
    }
    out[offset.i++] = Number(x);
    return;
  }
  const arr = x as ArrayLike<unknown>;
  if (!Array.isArray(arr) && !ArrayBuffer.isView(arr)) throw new Error(`${label}: ragged nested array (mixed depths)`);
  if (arr.length !== shape[dim]) {
    throw new Error(`${label}: ragged nested array: dimension ${dim} has lengths ${shape[dim]} and ${arr.length}`);
  }
  if (ArrayBuffer.isView(arr)) {
    for (let i = 0; i < arr.length; i++) out[offset.i++] = Number(arr[i]);
    return;
  }
  for (let i = 0; i < arr.length; i++) flatten(arr[i], shape, out, label, dim + 1, offset);
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
  return toTensorAs(values, shape, dtype, "tensor: argument 'values'", 'tensor');
}

function toTensorAs(values: TensorLike, shape: Shape | undefined | null, dtype: DType | undefined, label: string, op: string): Tensor {
  if (dtype !== undefined) dtypeArg(op, 'dtype', dtype);
  if (shape !== undefined && shape !== null) shapeArg(op, 'shape', shape);
  if (values instanceof Tensor) return dtype && dtype !== values.dtype ? cast(values, dtype) : values;
  const dt = dtype ?? defaultDtype(values);
  const inferred = inferShape(values);
  const flat = allocFor(dt, sizeOf(inferred));
  flatten(values, inferred, flat, label);
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
    const t = toTensorAs(values, shape, dt, `${name}: argument 'values'`, name);
    if (t.rank !== rank) throw new Error(`${name}: expected rank ${rank}, got shape ${formatShape(t.shape)}`);
    return t;
  };
}

export const scalar = (value: number | boolean, dtype: DType = 'float32'): Tensor => toTensorAs(value, [], dtype, "scalar: argument 'value'", 'scalar');
export const tensor1d = ofRank(1, 'tensor1d');
export const tensor2d = ofRank(2, 'tensor2d');
export const tensor3d = ofRank(3, 'tensor3d');
export const tensor4d = ofRank(4, 'tensor4d');

/** Converts any TensorLike to a Tensor; tensors pass through unchanged. `label` names the op and argument in errors. */
export function toTensor(x: TensorLike, dtype?: DType, label = 'tensor'): Tensor {
  return x instanceof Tensor ? x : toTensorAs(x, undefined, dtype, label, label.split(':')[0]);
}

function filled(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  shapeArg(op, 'shape', shape);
  numberArg(op, 'value', value);
  dtypeArg(op, 'dtype', dtype);
  const data = allocFor(dtype, sizeOf(shape));
  data.fill(value);
  return new Tensor(data, shape, dtype);
}

export const fill = (shape: Shape, value: number, dtype: DType = 'float32'): Tensor => filled('fill', shape, value, dtype);
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => filled('zeros', shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => filled('ones', shape, 1, dtype);
export const zerosLike = (x: Tensor): Tensor => zeros(x.shape, x.dtype);
export const onesLike = (x: Tensor): Tensor => ones(x.shape, x.dtype);

/** start, start+step, ... below stop. */
export function range(start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor {
  numberArg('range', 'start', start);
  numberArg('range', 'stop', stop);
  numberArg('range', 'step', step);
  if (step === 0) throw new Error('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], dtype);
}

export function linspace(start: number, stop: number, num: number): Tensor {
  numberArg('linspace', 'start', start);
  numberArg('linspace', 'stop', stop);
  integerArg('linspace', 'num', num, 1);
  const data = new Float32Array(num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  return new Tensor(data, [num]);
}

/** The identity matrix [numRows, numColumns] (square by default), as TensorFlow.js' tf.eye. */
export function eye(numRows: number, numColumns = numRows, _batchShape?: number[], dtype: DType = 'float32'): Tensor {
  for (const [what, v] of [['numRows', numRows], ['numColumns', numColumns]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`eye: ${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  if (_batchShape !== undefined) throw new Error('eye: batchShape is not supported; tile the matrix with broadcastTo');
  const data = allocFor(dtype, numRows * numColumns);
  for (let i = 0; i < Math.min(numRows, numColumns); i++) data[i * numColumns + i] = 1;
  return new Tensor(data, [numRows, numColumns], dtype);
}

export interface RandomOptions {
  seed?: number;
  rng?: Rng;
}

/** The 4th argument of the random ops: options ({seed, rng}), or TensorFlow.js' dtype (then the 5th is the seed). */
type DTypeOrOptions = DType | RandomOptions | null;

function randomTensor(op: string, shape: Shape, draw: (rng: Rng) => number, opts: DTypeOrOptions | undefined, seed: number | undefined): Tensor {
  checkShape(op, shape);
  const options: RandomOptions = typeof opts === 'object' && opts !== null ? opts : { seed };
  const dtype: DType = typeof opts === 'string' ? opts : 'float32';
  const rng = options.rng ?? rngFor(options.seed);
  const data = allocFor(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = dtype === 'int32' ? Math.floor(draw(rng)) : draw(rng);
  return new Tensor(data, shape, dtype);
}

/** Shape arguments: a list of non-negative integers. */
export function checkShape(op: string, shape: unknown): asserts shape is Shape {
  shapeArg(op, 'shape', shape);
}

/** Normal draws: (shape, mean, stdDev, {seed}) or TensorFlow.js' (shape, mean, stdDev, dtype, seed). */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, opts?: DTypeOrOptions, seed?: number): Tensor {
  return randomTensor('randomNormal', shape, (r) => r.normal(mean, stdDev), opts, seed);
}

/** Normal draws redrawn beyond 2 standard deviations; arguments as randomNormal. */
export function truncatedNormal(shape: Shape, mean = 0, stdDev = 1, opts?: DTypeOrOptions, seed?: number): Tensor {
  return randomTensor('truncatedNormal', shape, (r) => r.truncatedNormal(mean, stdDev), opts, seed);
}

/** Uniform draws in [minval, maxval): (shape, minval, maxval, {seed}) or TensorFlow.js' (shape, minval, maxval, dtype, seed). */
export function randomUniform(shape: Shape, minval = 0, maxval = 1, opts?: DTypeOrOptions, seed?: number): Tensor {
  return randomTensor('randomUniform', shape, (r) => r.uniform(minval, maxval), opts, seed);
}

/** Changes dtype; float to int truncates toward zero as TensorFlow.js does. */
export function cast(x: TensorLike, dtype: DType): Tensor {
  dtypeArg('cast', 'dtype', dtype);
  if (!(x instanceof Tensor)) return toTensor(x, dtype, "cast: argument 'x'");
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
