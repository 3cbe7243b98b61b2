// Test helper: compares autodiff gradients with central finite differences.
// The function runs in float32 (the engine's dtype); the difference quotient and the weighting
// are done in float64, and the step is large enough that float32 rounding stays below tolerance.

import { expect } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { grads, gradientsOf } from '../src/autograd/grad.js';
import type { Variable } from '../src/autograd/variable.js';
import * as ops from '../src/ops/index.js';
import { Rng } from '../src/util/random.js';

export interface GradCheckOptions {
  step?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/** A random fixed weighting w of f's output: the scalar sum(w * out) in float64, and w as dy. */
function randomProjection(probe: Tensor, seed: number): { weighted: (out: Tensor) => number; dy: Tensor } {
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: probe.size }, () => rng.uniform(-1, 1));
  const weighted = (out: Tensor): number => {
    let s = 0;
    for (let i = 0; i < out.size; i++) s += w[i] * out.values[i];
    return s;
  };
  return { weighted, dy: new Tensor(Float32Array.from(w), probe.shape) };
}

function expectMatch(got: number, numeric: number, rtol: number, atol: number, what: string): void {
  if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
    throw new Error(`gradient of ${what}: autodiff ${got}, finite difference ${numeric}`);
  }
}

/** Checks d/dxs of sum(w * f(xs)) for a random fixed w, for every input element. */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const { step = 1e-2, rtol = 2e-2, atol = 2e-3, seed = 7 } = opts;
  const { weighted, dy } = randomProjection(f(...inputs), seed);
  const analytic = grads(f)(inputs, dy);
  inputs.forEach((x, k) => {
    expect(analytic[k].shape).toEqual(x.shape);
    for (let i = 0; i < x.size; i++) {
      const plus = new Float32Array(x.values as Float32Array);
      const minus = new Float32Array(x.values as Float32Array);
      plus[i] += step;
      minus[i] -= step;
      const args = (v: Float32Array) => inputs.map((t, j) => (j === k ? new Tensor(v, x.shape) : t));
      const numeric = (weighted(f(...args(plus))) - weighted(f(...args(minus)))) / (2 * step);
      expectMatch(analytic[k].values[i], numeric, rtol, atol, `input ${k} at element ${i}`);
    }
  });
}

/**
 * Checks d/dvars of sum(w * f()) against central differences taken by perturbing each variable
 * element in place (restored afterwards).
 */
export function checkVariableGradients(f: () => Tensor, vars: Variable[], opts: GradCheckOptions = {}): void {
  const { step = 1e-2, rtol = 2e-2, atol = 2e-3, seed = 11 } = opts;
  const { weighted, dy } = randomProjection(f(), seed);
  // sum(dy * f()) as a scalar, so its gradient is the vector-Jacobian product with dy.
  const { grads: analytic } = gradientsOf(() => ops.sum(ops.mul(f(), dy)), vars);
  vars.forEach((v, k) => {
    const g = analytic[k];
    expect(g, `gradient for ${v.name}`).not.toBeNull();
    const values = v.values as Float32Array;
    for (let i = 0; i < v.size; i++) {
      const orig = values[i];
      values[i] = orig + step;
      const plus = weighted(f());
      values[i] = orig - step;
      const minus = weighted(f());
      values[i] = orig;
      expectMatch(g!.values[i], (plus - minus) / (2 * step), rtol, atol, `${v.name} at element ${i}`);
    }
  });
}

/** A float32 tensor of uniform values in [lo, hi), seeded. */
export function randomTensor(shape: number[], seed = 1, lo = -1, hi = 1): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

/** Values away from zero, for ops with a kink or pole there (abs, relu, log, div). */
export function awayFromZero(shape: number[], seed = 1, lo = 0.3, hi = 1.5): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * rng.uniform(lo, hi)), shape);
}

export function positive(shape: number[], seed = 1, lo = 0.3, hi = 2): Tensor {
  return randomTensor(shape, seed, lo, hi);
}
