// Checks of the public ops' arguments, so a wrong type gets an error naming the op, the argument and what it takes.

import type { DType } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** A shape: an array of non-negative integers (-1 allowed where one size is inferred). */
export function shapeArg(op: string, name: string, v: unknown, inferable = false): number[] {
  if (!Array.isArray(v) || v.some((d) => !Number.isInteger(d) || (d < 0 && !(inferable && d === -1)))) {
    throw new Error(`${op}: argument '${name}' must be an array of non-negative integers${inferable ? ' (one may be -1)' : ''}, e.g. [2, 3], got ${describe(v)}${Array.isArray(v) ? ` ${JSON.stringify(v)}` : ''}`);
  }
  return v as number[];
}

/** An axis or a list of axes (integers), or undefined. */
export function axesArg(op: string, name: string, v: unknown): number | number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Number.isInteger(v) || (Array.isArray(v) && v.every((a) => Number.isInteger(a)))) return v as number | number[];
  throw new Error(`${op}: argument '${name}' must be an integer axis or a list of them, got ${describe(v)}`);
}

export function numberArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${op}: argument '${name}' must be a number, got ${describe(v)}`);
  return v;
}

export function integerArg(op: string, name: string, v: unknown, min = 0): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${op}: argument '${name}' must be an integer >= ${min}, got ${describe(v)}`);
  return v as number;
}

export function dtypeArg(op: string, name: string, v: unknown): DType {
  if (!DTYPES.includes(v as DType)) throw new Error(`${op}: argument '${name}' must be one of ${DTYPES.join(', ')}, got ${describe(v)}`);
  return v as DType;
}

/** A list (of tensors, paddings ...). */
export function listArg<T>(op: string, name: string, v: unknown, what: string): T[] {
  if (!Array.isArray(v)) throw new Error(`${op}: argument '${name}' must be a list of ${what}, got ${describe(v)}`);
  return v as T[];
}
