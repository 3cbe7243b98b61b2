// Tests for CSV loading: fixtures, task detection, options and every error path.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCsv, parseCsv } from './csv.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

describe('loadCsv: fixtures', () => {
  it('loads the iris-like file as 3-class classification', () => {
    const ds = loadCsv(fixture('iris.csv'), { target: 'species' });
    expect(ds.task).toBe('classification');
    expect(ds.x.shape).toEqual([150, 4]);
    expect(ds.x.dtype).toBe('float32');
    expect(ds.y.shape).toEqual([150]);
    expect(ds.y.dtype).toBe('int32');
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ds.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(ds.groups).toEqual(ds.featureNames.map((name, i) => ({ name, indices: [i] })));
    expect(ds.y.values[0]).toBe(0);
    expect(ds.y.values[149]).toBe(2);
    expect(ds.x.values[0]).toBeCloseTo(5.0, 6);
  });

  it('loads the regression file as float32 [n, 1]', () => {
    const ds = loadCsv(fixture('regression.csv'), { target: 'y' });
    expect(ds.task).toBe('regression');
    expect(ds.y.shape).toEqual([60, 1]);
    expect(ds.y.dtype).toBe('float32');
    expect(ds.classNames).toBeUndefined();
    // y = 2 x1 - 3 x2 + 0.5 x3 + 1 (plus tiny noise)
    const [x1, x2, x3] = ds.x.values.subarray(0, 3);
    expect(ds.y.values[0]).toBeCloseTo(2 * x1 - 3 * x2 + 0.5 * x3 + 1, 1);
  });

  it('one-hot encodes categorical columns (quoted commas included) and groups them', () => {
    const ds = loadCsv(fixture('categorical.csv'), { target: 'bought' });
    expect(ds.columns).toEqual(['age', 'color', 'income', 'city']);
    expect(ds.featureNames).toEqual(['age', 'color=blue', 'color=green', 'color=red', 'income', 'city=Boston', 'city=Chicago', 'city=New York, NY']);
    expect(ds.groups).toEqual([
      { name: 'age', indices: [0] },
      { name: 'color', indices: [1, 2, 3] },
      { name: 'income', indices: [4] },
      { name: 'city', indices: [5, 6, 7] },
    ]);
    expect(ds.classNames).toEqual(['no', 'yes']);
    // first data row: 41,red,89.84,"New York, NY",yes
    expect(Array.from(ds.x.values.subarray(0, 8))).toEqual([41, 0, 0, 1, Math.fround(89.84), 0, 0, 1]);
    expect(ds.y.values[0]).toBe(1);
    // each one-hot group has exactly one 1 per row
    for (let r = 0; r < 40; r++) {
      const row = ds.x.values.subarray(r * 8, r * 8 + 8);
      expect(row[1] + row[2] + row[3]).toBe(1);
      expect(row[5] + row[6] + row[7]).toBe(1);
    }
  });

  it('uses featureColumns to pick and order features', () => {
    const ds = loadCsv(fixture('categorical.csv'), { target: 'bought', featureColumns: ['income', 'age'] });
    expect(ds.featureNames).toEqual(['income', 'age']);
    expect(ds.x.shape).toEqual([40, 2]);
  });
});

describe('parseCsv: task detection and options', () => {
  it('treats a numeric target with few integer values as classes, sorted numerically', () => {
    const ds = parseCsv('a,label\n1,10\n2,2\n3,1\n4,2\n', { target: 'label' });
    expect(ds.task).toBe('classification');
    expect(ds.classNames).toEqual(['1', '2', '10']);
    expect(Array.from(ds.y.values)).toEqual([2, 1, 0, 1]);
  });

  it('treats non-integer numeric targets, and integers with many values, as regression', () => {
    expect(parseCsv('a,t\n1,0.5\n2,1.5\n', { target: 't' }).task).toBe('regression');
    const many = ['a,t', ...Array.from({ length: 30 }, (_, i) => `${i},${i * 3}`)].join('\n');
    expect(parseCsv(many, { target: 't' }).task).toBe('regression');
    expect(parseCsv(many, { target: 't', task: 'classification' }).classNames?.length).toBe(30);
  });

  it('honours an explicit categorical list (numbers as categories) and a delimiter', () => {
    const ds = parseCsv('zip;v;t\n02134;1.5;x\n10001;2;y\n02134;3;x\n', { target: 't', categorical: ['zip'] });
    expect(ds.featureNames).toEqual(['zip=02134', 'zip=10001', 'v']);
    expect(Array.from(ds.x.values)).toEqual([1, 0, 1.5, 0, 1, 2, 1, 0, 3]);
    const tab = parseCsv('a\tt\n1\tx\n2\ty\n', { target: 't', delimiter: '\t' });
    expect(tab.x.shape).toEqual([2, 1]);
  });

  it('handles a BOM, CRLF line ends, blank lines and spaces around values', () => {
    const ds = parseCsv('\ufeffa , b,t\r\n 1, 2 ,x\r\n\r\n3,4,y\r\n', { target: 't' });
    expect(ds.columns).toEqual(['a', 'b']);
    expect(Array.from(ds.x.values)).toEqual([1, 2, 3, 4]);
  });

  it('rejects unknown and malformed options', () => {
    expect(() => parseCsv('a,t\n1,x\n2,y\n', { target: 't', tsak: 'auto' } as never)).toThrow(/unknown option "tsak"/);
    expect(() => parseCsv('a,t\n1,x\n', {} as never)).toThrow(/options\.target must name the column to predict/);
    expect(() => parseCsv('a,t\n1,x\n2,y\n', { target: 't', task: 'cluster' as never })).toThrow(/task must be "auto", "classification" or "regression"/);
  });
});

describe('CSV errors', () => {
  it('names the file, row (as in the file) and column of a non-number', () => {
    const path = fixture('bad-number.csv');
    expect(() => loadCsv(path, { target: 'label' })).toThrow(
      `${path}: row 17, column "age": "abc" is not a number; fix the value or treat the column as categories with { categorical: ["age"] }`,
    );
  });

  it('names missing values', () => {
    expect(() => loadCsv(fixture('missing-value.csv'), { target: 'label' })).toThrow(
      /missing-value\.csv: row 6, column "height" is missing \(empty\); fill it in, or use \{ missing: "drop" \} \(skip rows with missing values\) or \{ missing: "impute" \}/,
    );
  });

  it('lists several bad values at once, up to ten', () => {
    const text = ['a,t', ...Array.from({ length: 15 }, (_, i) => `${i < 12 ? '' : i},x`), '1,y'].join('\n');
    const err = (() => {
      try {
        parseCsv(text, { target: 't', name: 'many.csv' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toMatch(/^many\.csv: 12 bad values:\n {2}row 2, column "a" is missing \(empty\)/);
    expect(err).toMatch(/\.\.\. and 2 more$/);
  });

  it('reports an empty file, a header without rows, and a missing header', () => {
    expect(() => loadCsv(fixture('empty.csv'), { target: 'y' })).toThrow(/empty\.csv: the file is empty; expected a header line/);
    expect(() => loadCsv(fixture('header-only.csv'), { target: 'label' })).toThrow(/header-only\.csv: has a header but no data rows/);
    expect(() => loadCsv(fixture('no-header.csv'), { target: 'label' })).toThrow(
      /no-header\.csv: the first line \(22, 153\.0, 1\) looks like data, not column names; add a header line/,
    );
  });

  it('reports a target column that is not there, listing the columns', () => {
    expect(() => loadCsv(fixture('iris.csv'), { target: 'class' })).toThrow(
      /iris\.csv: target column "class" not found; available columns: "sepal_length", "sepal_width", "petal_length", "petal_width", "species"/,
    );
    expect(() => loadCsv(fixture('iris.csv'), { target: 'species', featureColumns: ['petal'] })).toThrow(/featureColumns column "petal" not found/);
    expect(() => loadCsv(fixture('iris.csv'), { target: 'species', categorical: ['colour'] })).toThrow(/categorical column "colour" not found/);
    expect(() => loadCsv(fixture('iris.csv'), { target: 'species', featureColumns: ['species'] })).toThrow(/includes the target/);
  });

  it('reports a file with no feature columns', () => {
    expect(() => parseCsv('t\nx\ny\n', { target: 't' })).toThrow(/no feature columns left to predict "t" from/);
    expect(() => parseCsv('a,b,t\n1,2,x\n', { target: 't', ignore: ['a', 'b'] })).toThrow(/no feature columns left.*check featureColumns and ignore/);
    expect(() => parseCsv('a,b,t\n1,2,x\n', { target: 't', ignore: ['c'] })).toThrow(/ignore column "c" not found/);
    expect(() => parseCsv('a,b,t\n1,2,x\n', { target: 't', ignore: ['t'] })).toThrow(/ignore lists the target "t"/);
  });

  it('reports ragged rows with their line number', () => {
    expect(() => loadCsv(fixture('ragged.csv'), { target: 'label' })).toThrow(/ragged\.csv: row 8 has 4 fields but the header has 3/);
  });

  it('reports unparseable CSV, duplicate and empty column names, and a missing file', () => {
    expect(() => parseCsv('a,t\n1,"x\n', { target: 't' })).toThrow(/<text>: not valid CSV: Quote Not Closed/);
    expect(() => parseCsv('a,a,t\n1,2,x\n', { target: 't' })).toThrow(/names column "a" twice/);
    expect(() => parseCsv('a,,t\n1,2,x\n', { target: 't' })).toThrow(/column 2 of the header has no name/);
    expect(() => loadCsv(fixture('nope.csv'), { target: 't' })).toThrow(/nope\.csv: cannot read CSV file \(ENOENT/);
  });

  it('reports targets that cannot be used', () => {
    expect(() => parseCsv('a,t\n1,x\n2,x\n', { target: 't' })).toThrow(/target "t" has only one class \("x"\); a classifier needs/);
    expect(() => parseCsv('a,t\n1,x\n2,\n3,y\n', { target: 't' })).toThrow(/row 3, column "t" \(the target\) is missing/);
    expect(() => parseCsv('a,t\n1,x\n2,1.5\n', { target: 't', task: 'regression' })).toThrow(
      /target "t" has the non-numeric value "x", so it cannot be a regression target; use \{ task: "classification" \}/,
    );
  });

  it('refuses to one-hot encode an identifier-like column', () => {
    const text = ['id,t', ...Array.from({ length: 120 }, (_, i) => `user${i},${i % 2}`)].join('\n');
    expect(() => parseCsv(text, { target: 't' })).toThrow(/categorical column "id" has 120 distinct values \(more than maxCategories = 100\)/);
    expect(parseCsv(text, { target: 't', maxCategories: 200 }).x.shape).toEqual([120, 120]);
  });

  it('rejects NaN, Infinity and hex strings in numeric columns', () => {
    for (const bad of ['Infinity', '0x10', '1,5']) {
      const text = `a,t\n1,x\n2,y\n3,x\n"${bad}",y\n`;
      expect(() => parseCsv(text, { target: 't' })).toThrow(`row 5, column "a": "${bad}" is not a number`);
    }
  });

  it('reads NA, N/A, NaN, null, None and ? as missing values, in features and targets', () => {
    for (const token of ['NA', 'N/A', 'NaN', 'null', 'None', '?']) {
      expect(() => parseCsv(`a,t\n1,x\n${token},y\n`, { target: 't' })).toThrow(`row 3, column "a" is missing ("${token}")`);
    }
    expect(parseCsv('a,t\nNA,x\nred,y\nblue,x\n', { target: 't', categorical: ['a'], missing: 'drop' } as never).x.shape).toEqual([2, 2]);
  });
});
