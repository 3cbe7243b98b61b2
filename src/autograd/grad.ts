// Gradient functions in the TensorFlow.js shape: grad, grads, valueAndGrad(s), variableGrads.

import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { backprop, inScope, watch } from './tape.js';
import { eagerEmitter } from '../ops/run.js';
import { ones, zerosLike } from '../ops/creation.js';
import type { Variable } from './variable.js';
import { trainableVariables } from './variable.js';

function seedGradient(y: Tensor, dy?: Tensor): Tensor {
  if (dy) {
    if (!shapesEqual(dy.shape, y.shape)) {
      throw new Error(`grad: dy has shape ${formatShape(dy.shape)} but f(x) has shape ${formatShape(y.shape)}`);
    }
    return dy;
  }
  return ones(y.shape);
}

function checkOutput(y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new Error('grad: the function must return a Tensor');
  return y;
}

/** Runs f on fresh views of xs inside a gradient scope; returns f's value and d(sum(dy * f))/dxs. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw new Error(`grad: argument 'f' must be a function of tensors, got ${f === null ? 'null' : typeof f}`);
  return (xs, dy) =>
    inScope((scope) => {
      if (!Array.isArray(xs) || xs.some((x) => !(x instanceof Tensor))) {
        throw new Error(`grad: the function's arguments must be Tensors (for grads / valueAndGrads: a list of them), got ${Array.isArray(xs) ? 'a list holding a non-Tensor' : typeof xs}`);
      }
      // Views share storage, so watching them never marks the caller's tensors.
      const views = xs.map((x) => new Tensor(x.values, x.shape, x.dtype));
      views.forEach(watch);
      const value = checkOutput(f(...views));
      const g = backprop(value, seedGradient(value, dy), scope, eagerEmitter);
      return { value, grads: views.map((v) => g.get(v.id) ?? zerosLike(v)) };
    });
}

export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  if (typeof f !== 'function') throw new Error(`grad: argument 'f' must be a function of a tensor, got ${f === null ? 'null' : typeof f}`);
  const vg = valueAndGrads((x) => f(x));
  return (x, dy) => {
    if (!(x instanceof Tensor)) throw new Error(`grad: argument 'x' must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}`);
    const { value, grads } = vg([x], dy);
    return { value, grad: grads[0] };
  };
}

/** d f / dx as a function of x (TensorFlow.js `tf.grad`). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  const vg = valueAndGrad(f);
  return (x, dy) => vg(x, dy).grad;
}

/** Gradients with respect to every argument (TensorFlow.js `tf.grads`). */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  const vg = valueAndGrads(f);
  return (xs, dy) => vg(xs, dy).grads;
}

/**
 * Value of a scalar f() and its gradient with respect to variables (default: all trainable ones),
 * keyed by variable name (TensorFlow.js `tf.variableGrads`).
 */
export function variableGrads(f: () => Tensor, varList?: readonly Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? trainableVariables();
  return inScope((scope) => {
    vars.forEach(watch);
    const value = checkOutput(f());
    if (value.size !== 1) throw new Error(`variableGrads: f must return a scalar, got shape ${formatShape(value.shape)}`);
    const g = backprop(value, ones(value.shape), scope, eagerEmitter);
    const out: Record<string, Tensor> = {};
    for (const v of vars) out[v.name] = g.get(v.id) ?? zerosLike(v);
    return { value, grads: out };
  });
}

/** Gradients of a scalar loss with respect to a list of variables, in order (used by training). */
export function gradientsOf(f: () => Tensor, vars: readonly Tensor[]): { value: Tensor; grads: (Tensor | null)[] } {
  return inScope((scope) => {
    vars.forEach(watch);
    const value = checkOutput(f());
    const g = backprop(value, ones(value.shape), scope, eagerEmitter);
    return { value, grads: vars.map((v) => g.get(v.id) ?? null) };
  });
}
