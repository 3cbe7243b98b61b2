// tf.util: the TensorFlow.js helpers ported code reaches for (shapes, assertions, seeded shuffles, flattening).

import { sizeOf } from '../tensor/shape.js';
import { getRng } from '../util/random.js';
import { describe } from '../nn/symbolic.js';

type Nested = number | boolean | string | Nested[];

/** Throws Error(msg()) unless expr holds. */
export function assert(expr: boolean, msg: () => string): void {
  if (!expr) throw new Error(typeof msg === 'function' ? msg() : String(msg));
}

export function sizeFromShape(shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new Error(`util.sizeFromShape: shape must be an array of sizes, got ${describe(shape)}`);
  return sizeOf(shape);
}

export function arraysEqual(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A nested array flattened in row-major order. */
export function flatten<T extends Nested>(arr: T | T[], out: T[] = []): T[] {
  if (Array.isArray(arr)) for (const a of arr) flatten(a as T, out);
  else out.push(arr);
  return out;
}

/** Shuffles in place with glassbox's seeded generator (setSeed makes it reproducible). */
export function shuffle<T>(array: T[] | Uint32Array | Int32Array | Float32Array): void {
  getRng().shuffle(array as T[]);
}

/** Shuffles two arrays in place by the same permutation. */
export function shuffleCombo<T, U>(a: T[], b: U[]): void {
  if (a.length !== b.length) throw new Error(`util.shuffleCombo: the arrays have lengths ${a.length} and ${b.length}`);
  const order = getRng().permutation(a.length);
  const [ca, cb] = [[...a], [...b]];
  order.forEach((from, to) => {
    a[to] = ca[from];
    b[to] = cb[from];
  });
}

/** 0..n-1 in a seeded random order. */
export function createShuffledIndices(n: number): Uint32Array {
  return Uint32Array.from(getRng().permutation(n));
}

export const clamp = (min: number, x: number, max: number): number => Math.max(min, Math.min(max, x));
export const now = (): number => performance.now();
export const isNumber = (v: unknown): v is number => typeof v === 'number';
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isTypedArray = (v: unknown): boolean => v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array;
