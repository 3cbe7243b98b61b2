// Test helper: compares autodiff gradients with central finite differences.
// The function runs in float32 (the engine's dtype); the difference quotient and the weighting
// are done in float64, and the step is large enough that float32 rounding stays below tolerance.

import { expect } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { grads } from '../src/autograd/grad.js';
import { Rng } from '../src/util/random.js';

export interface GradCheckOptions {
  step?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/** Checks d/dxs of sum(w * f(xs)) for a random fixed w, for every input element. */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const { step = 1e-2, rtol = 2e-2, atol = 2e-3, seed = 7 } = opts;
  const probe = f(...inputs);
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: probe.size }, () => rng.uniform(-1, 1));
  const weighted = (out: Tensor): number => {
    let s = 0;
    for (let i = 0; i < out.size; i++) s += w[i] * out.values[i];
    return s;
  };
  const dy = new Tensor(Float32Array.from(w), probe.shape);
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
      const got = analytic[k].values[i];
      const tol = atol + rtol * Math.abs(numeric);
      if (!(Math.abs(got - numeric) <= tol)) {
        throw new Error(`gradient of input ${k} at element ${i}: autodiff ${got}, finite difference ${numeric}`);
      }
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
