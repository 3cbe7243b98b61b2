// Input checks shared by the data layer: finite values, row counts, feature widths, label ranges.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** Number of rows (first dimension) of a tensor; rank-0 tensors have none. */
export function rowCount(t: Tensor, name = 'x'): number {
  if (t.rank === 0) throw new Error(`${name}: expected a tensor with rows, got a scalar; pass at least a 1-D tensor`);
  return t.shape[0];
}

/** Values per row: the product of all dimensions after the first (1 for a 1-D tensor). */
export function rowSize(t: Tensor): number {
  let s = 1;
  for (let i = 1; i < t.rank; i++) s *= t.shape[i];
  return s;
}

/**
 * Throws on the first NaN or ±Infinity, naming its row and column (0-based, in the
 * flattened row), so the bad record can be found and fixed.
 */
export function assertFinite(t: Tensor, name = 'x'): void {
  const v = t.values;
  if (t.dtype !== 'float32') return; // integer storage cannot hold NaN or Infinity
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    if (a - a !== 0) {
      const width = Math.max(rowSize(t), 1);
      const row = Math.floor(i / width);
      const col = i % width;
      const what = Number.isNaN(a) ? 'NaN' : a > 0 ? 'Infinity' : '-Infinity';
      throw new Error(
        `${name}: value at row ${row}, column ${col} (counting from 0) is ${what}; ` +
          'remove or impute missing and non-finite values before using the data',
      );
    }
  }
}

/** Throws unless x and y have the same number of rows. */
export function assertSameRows(x: Tensor, y: Tensor, xName = 'x', yName = 'y'): number {
  const n = rowCount(x, xName);
  const m = rowCount(y, yName);
  if (n !== m) {
    throw new Error(
      `${xName} has ${n} rows but ${yName} has ${m} (shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}); ` +
        'each example needs exactly one target',
    );
  }
  return n;
}

/** Throws unless every row of t has `expected` values, e.g. "expected 784 features, got 783". */
export function assertFeatureCount(t: Tensor, expected: number, name = 'x'): void {
  if (t.rank < 2) {
    throw new Error(`${name}: expected a 2-D tensor [rows, ${expected}], got shape ${formatShape(t.shape)}`);
  }
  const got = rowSize(t);
  if (got !== expected) {
    throw new Error(
      `${name}: expected ${expected} features, got ${got} (shape ${formatShape(t.shape)}); ` +
        'pass data with the same columns as the data this was fitted on',
    );
  }
}

/** Throws unless every label is an integer in [0, numClasses), naming the first bad row. */
export function assertLabels(y: Tensor, numClasses: number, name = 'y'): void {
  const v = y.values;
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    if (!Number.isInteger(a) || a < 0 || a >= numClasses) {
      throw new Error(
        `${name}: label at row ${i} (counting from 0) is ${a}; expected an integer class index in [0, ${numClasses - 1}]`,
      );
    }
  }
}
