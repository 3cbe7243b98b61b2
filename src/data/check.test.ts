// Tests for the shared input checks (finite values, rows, widths, labels).

import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { assertFeatureCount, assertFinite, assertLabels, assertSameRows, rowSize } from './check.js';

describe('checks', () => {
  it('assertFinite names the first bad row and column', () => {
    const t = new Tensor(Float32Array.of(1, 2, 3, 4, 5, -Infinity), [2, 3]);
    expect(() => assertFinite(t, 'xTrain')).toThrow('xTrain: value at row 1, column 2 (counting from 0) is -Infinity');
    expect(() => assertFinite(new Tensor(Float32Array.of(NaN), [1]))).toThrow(/x: value at row 0, column 0 .* is NaN/);
    expect(() => assertFinite(new Tensor(Float32Array.of(1, 2), [2, 1]))).not.toThrow();
    const img = new Tensor(new Float32Array(2 * 4), [2, 2, 2, 1]);
    img.values[6] = NaN;
    expect(() => assertFinite(img)).toThrow(/row 1, column 2/);
  });

  it('assertSameRows, assertFeatureCount and assertLabels explain shapes and values', () => {
    const x = new Tensor(new Float32Array(6), [3, 2]);
    expect(assertSameRows(x, new Tensor(new Int32Array(3), [3]))).toBe(3);
    expect(() => assertSameRows(x, new Tensor(new Int32Array(2), [2]))).toThrow('x has 3 rows but y has 2 (shapes [3,2] and [2])');
    expect(() => assertFeatureCount(x, 3)).toThrow(/expected 3 features, got 2/);
    expect(() => assertFeatureCount(new Tensor(new Float32Array(3), [3]), 3)).toThrow(/expected a 2-D tensor \[rows, 3\]/);
    expect(() => assertLabels(new Tensor(Int32Array.of(0, 9, 10), [3]), 10)).toThrow(/label at row 2 .* is 10; expected an integer class index in \[0, 9\]/);
    expect(rowSize(new Tensor(new Float32Array(24), [2, 3, 4]))).toBe(12);
  });
});
