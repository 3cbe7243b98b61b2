// Test helpers for nn/ and train/: small seeded datasets and closeness checks.

import { expect } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/util/random.js';

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
