// Tests for MinMaxScaler and StandardScaler: values, inverses, errors and JSON.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { MinMaxScaler, StandardScaler, scalerFromJSON } from './scalers.js';

const t2 = (rows: number[][]) => new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
const rowsOf = (t: Tensor) => t.arraySync() as number[][];

describe('MinMaxScaler', () => {
  const x = t2([
    [1, 10, 5],
    [3, 20, 5],
    [2, 30, 5],
  ]);

  it('maps each feature to [0, 1]; a constant feature maps to 0, not NaN', () => {
    const y = new MinMaxScaler().fitTransform(x);
    expect(rowsOf(y)).toEqual([
      [0, 0, 0],
      [1, 0.5, 0],
      [0.5, 1, 0],
    ]);
  });

  it('honours featureRange and inverts exactly', () => {
    const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(x);
    const y = s.transform(x);
    expect(rowsOf(y)[1]).toEqual([1, 0, -1]);
    expect(rowsOf(s.inverseTransform(y))).toEqual(rowsOf(x));
  });

  it('leaves new data outside the training range unclipped unless clip is set', () => {
    const outside = t2([[5, 0, 5]]);
    expect(rowsOf(new MinMaxScaler().fit(x).transform(outside))[0]).toEqual([2, -0.5, 0]);
    expect(rowsOf(new MinMaxScaler({ clip: true }).fit(x).transform(outside))[0]).toEqual([1, 0, 0]);
  });

  it('scales [n, 28, 28, 1] images per pixel and keeps the shape', () => {
    const img = new Tensor(Float32Array.from({ length: 2 * 4 }, (_, i) => i * 10), [2, 2, 2, 1]);
    const y = new MinMaxScaler().fitTransform(img);
    expect(y.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(y.values)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('rejects bad ranges', () => {
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow(/featureRange must be \[lo, hi\] with finite lo < hi/);
  });

  it('property: fitted data lies in [0, 1] and inverseTransform recovers it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const x = t2(rows);
          const s = new MinMaxScaler().fit(x);
          const y = s.transform(x);
          for (const v of y.values) expect(v >= 0 && v <= 1 + 1e-6).toBe(true);
          const back = s.inverseTransform(y).values;
          x.values.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(1e-6 * 2e4 + 1e-6));
        },
      ),
    );
  });
});

describe('StandardScaler', () => {
  it('gives mean 0 and std 1 per feature; std 0 features are only centred', () => {
    const x = t2([
      [1, 100, 7],
      [2, 200, 7],
      [3, 300, 7],
      [4, 400, 7],
    ]);
    const s = new StandardScaler().fit(x);
    expect(s.mean[1]).toBeCloseTo(250, 10);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 10);
    const y = rowsOf(s.transform(x));
    for (let j = 0; j < 2; j++) {
      const col = y.map((r) => r[j]);
      const mean = col.reduce((a, b) => a + b) / 4;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
      expect(mean).toBeCloseTo(0, 6);
      expect(std).toBeCloseTo(1, 6);
    }
    expect(y.map((r) => r[2])).toEqual([0, 0, 0, 0]);
    const back = rowsOf(s.inverseTransform(s.transform(x)));
    back.flat().forEach((v, i) => expect(v).toBeCloseTo(x.values[i], 3));
  });

  it('withMean: false only scales', () => {
    const x = t2([[2], [4]]);
    expect(Array.from(new StandardScaler({ withMean: false }).fitTransform(x).values)).toEqual([2, 4]);
  });

  it('is stable for large offsets', () => {
    const x = t2([[1e6 + 1], [1e6 + 2], [1e6 + 3]]);
    const y = new StandardScaler().fitTransform(x).values;
    expect(y[0]).toBeCloseTo(-Math.sqrt(1.5), 5);
  });
});

describe('scaler errors', () => {
  it('reports NaN and Infinity with their row and column', () => {
    const x = t2([
      [1, 2],
      [3, NaN],
    ]);
    expect(() => new MinMaxScaler().fit(x)).toThrow(/MinMaxScaler\.fit: value at row 1, column 1 \(counting from 0\) is NaN/);
    const s = new StandardScaler().fit(t2([[1, 2]]));
    expect(() => s.transform(t2([[Infinity, 2]]))).toThrow(/StandardScaler\.transform: value at row 0, column 0 .* is Infinity/);
  });

  it('reports a width mismatch', () => {
    const s = new MinMaxScaler().fit(new Tensor(new Float32Array(2 * 784), [2, 784]));
    expect(() => s.transform(new Tensor(new Float32Array(783), [1, 783]))).toThrow(/expected 784 features, got 783/);
  });

  it('requires fit first, a 2-D input and at least one row', () => {
    expect(() => new MinMaxScaler().transform(t2([[1]]))).toThrow(/not fitted; call fit\(\)/);
    expect(() => new MinMaxScaler().fit(new Tensor(new Float32Array(3), [3]))).toThrow(/expected a 2-D tensor/);
    expect(() => new StandardScaler().fit(new Tensor(new Float32Array(0), [0, 3]))).toThrow(/cannot fit on 0 rows/);
    expect(() => new StandardScaler().toJSON()).toThrow(/not fitted/);
  });
});

describe('scaler JSON', () => {
  const x = t2([
    [1, 5],
    [3, 5],
    [8, 6],
  ]);

  it('round-trips both scalers through JSON text with identical transforms', () => {
    for (const s of [new MinMaxScaler({ featureRange: [0, 2], clip: true }).fit(x), new StandardScaler().fit(x)]) {
      const json = JSON.parse(JSON.stringify(s.toJSON()));
      const back = scalerFromJSON(json);
      expect(back.constructor).toBe(s.constructor);
      expect(back.toJSON()).toEqual(s.toJSON());
      expect(back.transform(x).values).toEqual(s.transform(x).values);
    }
  });

  it('rejects unknown types and malformed objects', () => {
    expect(() => scalerFromJSON({ type: 'RobustScaler' })).toThrow(/unknown scaler type "RobustScaler"; known types: MinMaxScaler, StandardScaler/);
    expect(() => scalerFromJSON(null)).toThrow(/unknown scaler type/);
    expect(() => scalerFromJSON({ type: 'toString' })).toThrow(/unknown scaler type/);
    expect(() => scalerFromJSON({ type: 'MinMaxScaler', featureRange: [0, 1], dataMin: [0, 'a'], dataMax: [1, 1] })).toThrow(
      /dataMin: expected an array of finite numbers/,
    );
    expect(() => scalerFromJSON({ type: 'StandardScaler', mean: [0], std: [-1] })).toThrow(/std >= 0/);
  });
});
