// Tests for the table pipeline: statistics from training rows only, missing-value policies, target scaling, JSON.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { isMissing, parseNumber, readCsvTable } from './csv-table.js';
import { makeTestTable } from './test-tables.js';
import { prepareTable } from './table-split.js';
import { TablePipeline } from './table-pipeline.js';

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

describe('prepareTable', () => {
  const table = readCsvTable(makeTestTable({ rows: 300, task: 'regression', missingRate: 0.05, seed: 2 }), 'cars.csv');

  it('learns fill-ins, feature scaling and target scaling on the training rows only', () => {
    const p = prepareTable(table, { target: 'price', missing: 'impute', seed: 1 });
    const { pipeline, train, test } = p;
    expect(train.rows.length + test.rows.length).toBe(300);
    expect(new Set([...train.rows, ...test.rows]).size).toBe(300);
    const ageCol = table.header.indexOf('age');
    const trainAges = train.rows.map((r) => table.rows[r][ageCol]).filter((c) => !isMissing(c)).map(parseNumber);
    const allAges = table.rows.map((r) => r[ageCol]).filter((c) => !isMissing(c)).map(parseNumber);
    expect(pipeline.fill!.age).toBe(median(trainAges));
    expect(trainAges.length).toBeLessThan(allAges.length);
    // Min-max scaling fitted on training rows: their encoded features span exactly [0, 1].
    const f = train.x.shape[1];
    const col0 = Array.from({ length: train.x.shape[0] }, (_, i) => train.x.values[i * f]);
    expect(Math.min(...col0)).toBe(0);
    expect(Math.max(...col0)).toBe(1);
    // The regression target is standardised on the training rows and maps back to the written values.
    const y = Array.from(train.y.values);
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length)).toBeCloseTo(1, 4);
    const back = pipeline.outputsToUnits(test.y).values;
    const priceCol = table.header.indexOf('price');
    test.rows.forEach((r, i) => expect(back[i]).toBeCloseTo(parseNumber(table.rows[r][priceCol]), 1));
    expect(pipeline.baseline).toEqual({ kind: 'mean', value: expect.closeTo(train.rows.reduce((s, r) => s + parseNumber(table.rows[r][priceCol]), 0) / train.rows.length, 3) });
  });

  it('drop skips rows with a missing cell; error names the first ones with the option to use', () => {
    const p = prepareTable(table, { target: 'price', missing: 'drop', seed: 1 });
    const expected = table.rows.map((r, i) => (r.some(isMissing) ? i : -1)).filter((i) => i >= 0);
    expect(p.dropped).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
    expect(p.train.rows.length + p.test.rows.length).toBe(300 - expected.length);
    expect(() => prepareTable(table, { target: 'price', seed: 1 })).toThrow(/cars\.csv: \d+ bad values:\n {2}row \d+, column "\w+" is missing \((empty|"NA")\); fill it in, or use \{ missing: "drop" \}/);
    expect(() => prepareTable(table, { target: 'price', seed: 1, style: 'cli' })).toThrow(/use --missing drop \(skip rows with missing values\) or --missing impute/);
    expect(() => prepareTable(table, { target: 'price', missing: 'fill' as never, style: 'cli' })).toThrow('--missing must be one of error, drop, impute, got "fill"');
  });

  it('splits classification tables by class and keeps the row indices of each part', () => {
    const t = readCsvTable(makeTestTable({ rows: 200, task: 'classification', seed: 3 }));
    const p = prepareTable(t, { target: 'bought', testFraction: 0.25, seed: 4 });
    expect(p.test.rows.length).toBe(50);
    const yes = (rows: number[]) => rows.filter((r) => t.rows[r][t.header.indexOf('bought')] === 'yes').length / rows.length;
    expect(Math.abs(yes(p.test.rows) - yes(p.train.rows))).toBeLessThan(0.03);
    expect(Array.from(p.test.y.values)).toEqual(p.test.rows.map((r) => (t.rows[r][t.header.indexOf('bought')] === 'yes' ? 1 : 0)));
    const counts = (p.pipeline.baseline as { classCounts: number[] }).classCounts;
    expect(counts[0] + counts[1]).toBe(150);
  });

  it('column control: features, ignore, categorical and task', () => {
    const t = readCsvTable(makeTestTable({ rows: 120, task: 'regression', withId: true }));
    expect(() => prepareTable(t, { target: 'price', style: 'cli' })).toThrow(/"id" has 120 distinct values.*leave it out with --ignore id; otherwise raise --max-categories/);
    const p = prepareTable(t, { target: 'price', ignore: ['id', 'noise'], categorical: ['age'] });
    expect(p.pipeline.encoder.columns.map((c) => c.name)).toEqual(['age', 'income', 'region']);
    expect(p.pipeline.encoder.columns[0].kind).toBe('categorical');
    const q = prepareTable(t, { target: 'region', featureColumns: ['income', 'age'], style: 'cli' });
    expect(q.pipeline.task).toBe('classification');
    expect(() => prepareTable(t, { target: 'region', task: 'regression', ignore: ['id'], style: 'cli' })).toThrow(/the non-numeric value "east", so it cannot be a regression target; use --task classification/);
    expect(() => prepareTable(t, { target: 'price', featureColumns: ['height'], style: 'cli' })).toThrow(/--features column "height" not found; available columns: "id", "age"/);
    const tiny = readCsvTable('a,b\n1,2\n3,4\n');
    expect(() => prepareTable(tiny, { target: 'b', style: 'cli' })).toThrow(/2 usable rows with --test-fraction 0\.2 leave no training or no test rows/);
  });
});

describe('TablePipeline', () => {
  const table = readCsvTable(makeTestTable({ rows: 120, task: 'classification', missingRate: 0.1, seed: 5 }));
  const { pipeline } = prepareTable(table, { target: 'bought', missing: 'impute' });

  it('survives a JSON round trip and encodes the same', () => {
    const again = TablePipeline.fromJSON(JSON.parse(JSON.stringify(pipeline.toJSON())));
    expect(again.toJSON()).toEqual(pipeline.toJSON());
    expect(again.encodeFeatures(table).values).toEqual(pipeline.encodeFeatures(table).values);
    expect(TablePipeline.fromMetadata({ table: pipeline.toJSON() })!.toJSON()).toEqual(pipeline.toJSON());
    expect(TablePipeline.fromMetadata({ dataset: 'mnist' })).toBeNull();
  });

  it('rejects inconsistent JSON', () => {
    const good = pipeline.toJSON();
    expect(() => TablePipeline.fromJSON({ ...good, missing: 'maybe' as never })).toThrow(/missing must be one of/);
    expect(() => TablePipeline.fromJSON({ ...good, fill: { ...good.fill!, region: 'mars' } })).toThrow(/fill value of column "region"/);
    expect(() => TablePipeline.fromJSON({ ...good, baseline: { kind: 'mean', value: 3 } })).toThrow(/does not fit a classification target/);
    expect(() => TablePipeline.fromJSON({ ...good, featureScaler: { type: 'MinMaxScaler', featureRange: [0, 1], clip: false, dataMin: [0], dataMax: [1] } })).toThrow(/1 features, the encoding 7/);
  });

  it('shows values as written: numbers, category strings, null where missing', () => {
    const t = readCsvTable('age,income,region,noise,bought\n08,52.50,east,,yes\nNA,1e3,west,0.5,no\n');
    expect(pipeline.displayValues(t)).toEqual([[8, 52.5, 'east', null], [null, 1000, 'west', 0.5]]);
  });

  it('fills in missing cells of new rows with the training values; models without fill-ins say how to get them', () => {
    const t = readCsvTable('age,income,region,noise\nNA,,,\n');
    const x = pipeline.encodeFeatures(t);
    const filled = readCsvTable(`age,income,region,noise\n${pipeline.fill!.age},${pipeline.fill!.income},${pipeline.fill!.region},${pipeline.fill!.noise}\n`);
    expect(x.values).toEqual(pipeline.encodeFeatures(filled).values);
    const strict = prepareTable(readCsvTable(makeTestTable({ rows: 50, task: 'classification' })), { target: 'bought' }).pipeline;
    expect(() => strict.encodeFeatures(t, { style: 'cli' })).toThrow(/this model refused missing values in training, so it has no value to fill in; fill it in, or train again with --missing impute/);
    expect(strict.outputsToUnits(new Tensor(new Float32Array([0.2, 0.8]), [1, 2])).values).toEqual(new Float32Array([0.2, 0.8]));
  });
});
