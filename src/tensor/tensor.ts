// The Tensor: an immutable shape, a dtype and a garbage-collected typed array; no dispose() needed.

import { type Shape, sizeOf, stridesOf, formatShape, assertValidShape } from './shape.js';
import type { GradNode } from '../autograd/node.js';

export type DType = 'float32' | 'int32' | 'bool' | 'int8';
export type TypedArray = Float32Array | Int32Array | Uint8Array | Int8Array;
export type DataFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : D extends 'int8' ? Int8Array : Uint8Array;

/** Nested number arrays of any depth, as produced by `array()`. */
export type NestedArray = number | NestedArray[];

let nextId = 0;

export class Tensor {
  readonly id = nextId++;
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** The values in row-major order. Treat as read-only: tensors are immutable. */
  readonly values: TypedArray;
  /** Set when this tensor was produced by a recorded op inside a gradient scope. */
  node: GradNode | null = null;
  /** The gradient scope this tensor takes part in (0: none); see autograd/tape.ts. */
  gradScope = 0;

  constructor(values: TypedArray, shape: Shape, dtype?: DType) {
    assertValidShape(shape);
    const size = sizeOf(shape);
    if (values.length !== size) {
      throw new Error(`Tensor: ${values.length} values do not fill shape ${formatShape(shape)} (needs ${size})`);
    }
    this.values = values;
    this.shape = [...shape];
    this.size = size;
    this.dtype = dtype ?? dtypeOfArray(values);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values, synchronously (a view of the storage; copy before mutating). */
  dataSync(): TypedArray {
    return this.values;
  }

  /** The values; async for TensorFlow.js compatibility. */
  async data(): Promise<TypedArray> {
    return this.values;
  }

  arraySync(): NestedArray {
    return toNested(this.values, this.shape);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor of shape ${formatShape(this.shape)} has ${this.size} values, not 1`);
    return this.values[0];
  }

  /** Memory is garbage-collected; kept so TensorFlow.js code ports unchanged. */
  dispose(): void {}

  get strides(): number[] {
    return stridesOf(this.shape);
  }

  toString(): string {
    const body = this.size <= 100 ? JSON.stringify(this.arraySync()) : `[${this.size} values]`;
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}) ${body}`;
  }
}

export function dtypeOfArray(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Int8Array) return 'int8';
  return 'bool';
}

export function allocFor(dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'int8') return new Int8Array(size);
  return new Uint8Array(size);
}

function toNested(values: TypedArray, shape: number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    if (dim === shape.length - 1) return Array.from(values.subarray(offset, offset + n));
    const stride = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}
