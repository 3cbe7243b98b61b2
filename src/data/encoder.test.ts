// Tests for TabularEncoder: re-encoding new data, JSON round trips, object rows.

import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCsv } from './csv.js';
import { TabularEncoder, encodeCsvRows } from './encoder.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

describe('TabularEncoder', () => {
  const train = loadCsv(fixture('categorical.csv'), { target: 'bought' });

  it('re-encodes the training text identically', () => {
    const again = train.encoder.transform(readFileSync(fixture('categorical.csv'), 'utf8'));
    expect(again.x.values).toEqual(train.x.values);
    expect(again.y.values).toEqual(train.y.values);
  });

  it('applies the training encoding to new data with other column order and extra columns', () => {
    const test = train.encoder.transform('note,bought,city,income,color,age\nhi,no,Boston,50,blue,30\nyo,yes,"New York, NY",60,red,50\n', {
      name: 'test.csv',
    });
    expect(test.featureNames).toEqual(train.featureNames);
    expect(Array.from(test.x.values)).toEqual([30, 1, 0, 0, 50, 1, 0, 0, 50, 0, 0, 1, 60, 0, 0, 1]);
    expect(Array.from(test.y.values)).toEqual([0, 1]);
  });

  it('survives a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(train.encoder.toJSON()));
    expect(json.type).toBe('TabularEncoder');
    const enc = TabularEncoder.fromJSON(json);
    expect(enc.toJSON()).toEqual(train.encoder.toJSON());
    expect(enc.featureNames).toEqual(train.featureNames);
    expect(enc.groups).toEqual(train.groups);
    const again = enc.transform(readFileSync(fixture('categorical.csv'), 'utf8'));
    expect(again.x.values).toEqual(train.x.values);
  });

  it('encodes object rows for prediction', () => {
    const x = encodeCsvRows(train.encoder, [{ age: 30, color: 'green', income: '55.5', city: 'Chicago' }]);
    expect(x.shape).toEqual([1, 8]);
    expect(Array.from(x.values)).toEqual([30, 0, 1, 0, 55.5, 0, 1, 0]);
    expect(() => train.encoder.encodeRows([{ age: 30, color: 'green', income: 1 }])).toThrow(/rows: row 1, column "city" is missing \(empty\)/);
    expect(() => train.encoder.encodeRows([{ age: NaN, color: 'green', income: 1, city: 'Boston' }])).toThrow(/row 1, column "age" is missing/);
    expect(() => train.encoder.encodeRows([{ age: 'old', color: 'green', income: 1, city: 'Boston' }])).toThrow(/"old" is not a number/);
    expect(Array.from(train.encoder.encodeRows([{ age: null, color: null, income: 2, city: 'Boston' }], { fill: { age: 40, color: 'red' } }).values))
      .toEqual([40, 0, 0, 1, 2, 1, 0, 0]);
  });

  it('reports unseen categories and classes, unless told to ignore categories', () => {
    const text = 'age,color,income,city,bought\n30,purple,50,Boston,no\n';
    expect(() => train.encoder.transform(text, { name: 'new.csv' })).toThrow(
      'new.csv: row 2, column "color": category "purple" was not in the training data (known: blue, green, red)',
    );
    const ds = train.encoder.transform(text, { unknownCategories: 'ignore' });
    expect(Array.from(ds.x.values.subarray(1, 4))).toEqual([0, 0, 0]);
    expect(() => train.encoder.transform('age,color,income,city,bought\n30,red,50,Boston,maybe\n')).toThrow(
      /class "maybe" was not in the training data \(known: no, yes\)/,
    );
  });

  it('reports columns missing from new data', () => {
    expect(() => train.encoder.transform('age,color,income,bought\n30,red,50,no\n', { name: 'new.csv' })).toThrow(
      /new\.csv: feature column "city" not found; available columns: "age", "color", "income", "bought"/,
    );
    expect(() => train.encoder.transform('age,color,income,city\n30,red,50,Boston\n')).toThrow(/target column "bought" not found/);
    expect(train.encoder.transformFeatures('age,color,income,city\n30,red,50,Boston\n').shape).toEqual([1, 8]);
  });

  it('rejects malformed JSON', () => {
    expect(() => TabularEncoder.fromJSON({ type: 'Other' } as never)).toThrow(/expected an object with type "TabularEncoder"/);
    const good = train.encoder.toJSON();
    expect(() => TabularEncoder.fromJSON({ ...good, task: 'ranking' } as never)).toThrow(/unknown task "ranking"/);
    expect(() => TabularEncoder.fromJSON({ ...good, classes: undefined })).toThrow(/needs classes/);
    expect(() => TabularEncoder.fromJSON({ ...good, columns: [{ name: 'c', kind: 'categorical' }] })).toThrow(/column "c" has an unknown kind or no categories/);
  });
});
