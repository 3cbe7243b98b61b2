// Test helpers for nn/ and train/: weight-gradient checks, small seeded datasets, closeness checks.

import { expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Variable } from '../../src/autograd/variable.js';
import { gradientsOf } from '../../src/autograd/grad.js';
import { Rng } from '../../src/util/random.js';
import * as ops from '../../src/ops/index.js';

/** Every element of `got` within atol + rtol * |expected| of `expected`. */
export function expectClose(got: Tensor | ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  const values = got instanceof Tensor ? got.values : got;
  expect(values.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(values[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: got ${values[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

/**
 * Checks d/dvars of sum(w * f()) for a random fixed w against central differences taken by
 * perturbing each variable element in place (the variables are restored afterwards).
 */
export function checkVariableGradients(f: () => Tensor, vars: Variable[], opts: { step?: number; rtol?: number; atol?: number; seed?: number } = {}): void {
  const { step = 1e-2, rtol = 2e-2, atol = 2e-3, seed = 11 } = opts;
  const probe = f();
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: probe.size }, () => rng.uniform(-1, 1));
  const weighted = (out: Tensor): number => {
    let s = 0;
    for (let i = 0; i < out.size; i++) s += w[i] * out.values[i];
    return s;
  };
  const dy = new Tensor(Float32Array.from(w), probe.shape);
  const { grads } = gradientsOf(() => {
    // sum(dy * f()) as a scalar, so its gradient is the vector-Jacobian product with dy.
    return ops.sum(ops.mul(f(), dy));
  }, vars);
  vars.forEach((v, k) => {
    const g = grads[k];
    expect(g, `gradient for ${v.name}`).not.toBeNull();
    const values = v.values as Float32Array;
    for (let i = 0; i < v.size; i++) {
      const orig = values[i];
      values[i] = orig + step;
      const plus = weighted(f());
      values[i] = orig - step;
      const minus = weighted(f());
      values[i] = orig;
      const numeric = (plus - minus) / (2 * step);
      const got = g!.values[i];
      if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradient of ${v.name} at element ${i}: autodiff ${got}, finite difference ${numeric}`);
      }
    }
  });
}

/** `classes` Gaussian blobs in 2-D (centres on a circle of radius 3, std 0.6), labels int32. */
export function blobs(rows: number, seed: number, classes = 3): { x: Tensor; y: Tensor; labels: number[] } {
  const rng = new Rng(seed);
  const xs = new Float32Array(rows * 2);
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    const angle = (2 * Math.PI * c) / classes;
    xs[2 * i] = 3 * Math.cos(angle) + rng.normal(0, 0.6);
    xs[2 * i + 1] = 3 * Math.sin(angle) + rng.normal(0, 0.6);
    labels.push(c);
  }
  return { x: new Tensor(xs, [rows, 2]), y: new Tensor(Int32Array.from(labels), [rows], 'int32'), labels };
}

/** Row-major float32 tensor from nested numbers. */
export function t2(rows: number[][]): Tensor {
  return new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
}

/** Plain arrays of every weight, for exact comparisons. */
export function weightArrays(ws: Tensor[]): number[][] {
  return ws.map((w) => Array.from(w.values));
}
