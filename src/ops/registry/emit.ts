// Small helpers over an Emitter, so gradient rules read like math: mul(e, dy, y) rather than e.op(...).

import type { BinaryOp, UnaryOp } from '../../backend/backend.js';
import { reducedShape, shapesEqual } from '../../tensor/shape.js';
import type { Emitter, Val } from './types.js';

export const bin = <T extends Val>(e: Emitter<T>, fn: BinaryOp, a: T, b: T): T => e.op('binary', [a, b], { fn });
export const add = <T extends Val>(e: Emitter<T>, a: T, b: T): T => bin(e, 'add', a, b);
export const sub = <T extends Val>(e: Emitter<T>, a: T, b: T): T => bin(e, 'sub', a, b);
export const mul = <T extends Val>(e: Emitter<T>, a: T, b: T): T => bin(e, 'mul', a, b);
export const div = <T extends Val>(e: Emitter<T>, a: T, b: T): T => bin(e, 'div', a, b);
export const un = <T extends Val>(e: Emitter<T>, fn: UnaryOp, x: T, alpha = 0): T => e.op('unary', [x], { fn, alpha });
/** A scalar constant. */
export const num = <T extends Val>(e: Emitter<T>, value: number): T => e.constant(value, []);
export const toFloat = <T extends Val>(e: Emitter<T>, x: T): T => (x.dtype === 'float32' ? x : e.op('cast', [x], { dtype: 'float32' }));

export function reshape<T extends Val>(e: Emitter<T>, x: T, shape: readonly number[]): T {
  return shapesEqual(x.shape, shape) ? x : e.op('reshape', [x], { shape: [...shape] });
}

export function sum<T extends Val>(e: Emitter<T>, x: T, axes: number[], keepDims: boolean): T {
  return axes.length === 0 ? x : e.op('reduce', [x], { fn: 'sum', axes, keepDims });
}

export function broadcastTo<T extends Val>(e: Emitter<T>, x: T, shape: readonly number[]): T {
  return shapesEqual(x.shape, shape) ? x : e.op('broadcastTo', [x], { shape: [...shape] });
}

/** Sums a broadcast gradient back down to the operand's shape. */
export function unbroadcast<T extends Val>(e: Emitter<T>, g: T, shape: readonly number[]): T {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) if (i < lead || shape[i - lead] === 1) axes.push(i);
  return reshape(e, sum(e, g, axes, true), shape);
}

/** Spreads a reduced value back over the reduced axes of `shape`. */
export function expandReduced<T extends Val>(e: Emitter<T>, y: T, shape: readonly number[], axes: number[]): T {
  return broadcastTo(e, reshape(e, y, reducedShape(shape, axes, true)), shape);
}

export const matMul = <T extends Val>(e: Emitter<T>, a: T, b: T, transA: boolean, transB: boolean): T => e.op('matMul', [a, b], { transA, transB });
