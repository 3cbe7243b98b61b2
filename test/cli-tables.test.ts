// End-to-end on tables this test makes itself: train with defaults, evaluate honestly, predict, explain in the user's units.

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glassbox } from './cli-run.js';
import { makeTestTable } from '../src/data/test-tables.js';
import { readCsvTable } from '../src/data/csv-table.js';
import '../src/backend/js/index.js';
import '../src/backend/wasm/index.js';
import { loadModel } from '../src/io/save-load.js';
import '../src/tables/predict-table.js';


describe('glassbox on a generated regression table, with default settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-tables-'));
  const data = join(dir, 'prices.csv');
  const out = join(dir, 'model');
  let trained: Record<string, number | string>;

  beforeAll(() => {
    writeFileSync(data, makeTestTable({ rows: 400, task: 'regression', missingRate: 0.03, seed: 21 }));
    const r = glassbox('train', '--data', data, '--target', 'price', '--missing', 'impute', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    trained = r.last();
  });

  it('stops early and beats the training-mean baseline by a wide margin, in the target\'s units', () => {
    expect(Number(trained.epochs)).toBeGreaterThan(10);
    expect(Number(trained.epochs)).toBeLessThan(1000);
    expect(Number(trained.test_rmse)).toBeLessThan(0.5 * Number(trained.baseline_rmse));
    expect(Number(trained.test_r2)).toBeGreaterThan(0.8);
    // Prices are in the thousands: an RMSE in standardised units would be below 1.
    expect(Number(trained.baseline_rmse)).toBeGreaterThan(300);
    expect(trained.warning).toBeUndefined();
  });

  it('evaluate scores the rows it is given, and the recorded held-out rows only with --split test', () => {
    const all = glassbox('evaluate', '--model', out, '--data', data, '--json').last();
    expect(all.rows).toBe(400);
    expect(all.scored).toBe('all rows given');
    expect(all.test_mse).toBeUndefined();
    expect(typeof all.mse).toBe('number');
    const held = glassbox('evaluate', '--model', out, '--data', data, '--split', 'test', '--json').last();
    expect(held.rows).toBe(trained.test_rows);
    expect(held.test_mse).toBeCloseTo(Number(trained.test_mse), 0);
    const other = join(dir, 'other.csv');
    writeFileSync(other, readFileSync(data, 'utf8').split('\n').slice(0, 50).join('\n') + '\n');
    const refused = glassbox('evaluate', '--model', out, '--data', other, '--split', 'test');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--split test: .*other\.csv is not the file this model was trained on/);
    expect(glassbox('evaluate', '--model', out, '--data', other, '--json').last().rows).toBe(49);
  });

  it('predict takes rows without the target, keeps their order and answers in the target\'s units', async () => {
    const rows = [
      'age,income,region,noise', '70,90,west,0', '20,30,east,0', ',55,north,0.1', '45,60.5,south,NA',
    ].join('\n') + '\n';
    const input = join(dir, 'new.csv');
    writeFileSync(input, rows);
    const target = join(dir, 'predictions.csv');
    const r = glassbox('predict', '--model', out, '--data', input, '--out', target);
    expect(r.code, r.stderr).toBe(0);
    const written = readCsvTable(readFileSync(target, 'utf8'));
    expect(written.header).toEqual(['row', 'price']);
    expect(written.rows.map((x) => x[0])).toEqual(['0', '1', '2', '3']);
    const prices = written.rows.map((x) => Number(x[1]));
    // The rule behind the table: price = 2000 + 45 age + 9 income + region effect (west +300, east -500).
    expect(prices[0]).toBeGreaterThan(prices[1] + 2000);
    expect(Math.abs(prices[0] - (2000 + 45 * 70 + 9 * 90 + 300))).toBeLessThan(600);
    const model = await loadModel(out);
    const api = model.predictTable(readCsvTable(rows).rows.map((c) => ({ age: c[0], income: c[1], region: c[2], noise: c[3] })));
    api.forEach((p, i) => expect(p.prediction as number).toBeCloseTo(prices[i], 1));
  });

  it('explain takes rows without the target and shows the values as written, with the row indices', () => {
    const input = join(dir, 'explain.csv');
    writeFileSync(input, 'region,noise,age,income\nwest,0.25,70,90.0\neast,,20,30\n');
    const r = glassbox('explain', '--model', out, '--data', input, '--method', 'exact-shapley', '--rows', '1', '--out', join(dir, 'e.html'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = r.last();
    expect(e.featureNames).toEqual(['age', 'income', 'region', 'noise']);
    expect(e.displayData).toEqual([[20, 30, 'east', null]]);
    expect(e.rowIndices).toEqual([1]);
    const sum = e.values[0].reduce((s: number, v: number[]) => s + v[0], e.baseValues[0][0]);
    expect(sum).toBeCloseTo(e.predictions[0][0], 0);
    expect(e.predictions[0][0]).toBeGreaterThan(1000);
    const html = readFileSync(join(dir, 'e.html'), 'utf8');
    expect(html).toContain('region = east');
    expect(html).toContain('noise = missing');
    const pi = glassbox('explain', '--model', out, '--data', data, '--method', 'permutation-importance', '--rows', '0:100', '--out', join(dir, 'pi.html'), '--json').last();
    expect(pi.rowIndices).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(pi.featureNames[pi.values[0].map((v: number[]) => v[0]).indexOf(Math.max(...pi.values[0].map((v: number[]) => v[0])))]).toBe('age');
  });

  it('refuses what cannot work with one line naming the option (more cases in the unit tests)', () => {
    const cases: [string[], RegExp][] = [
      [['explain', '--model', out, '--data', data, '--rows', '0x10'], /--rows 0x10: use START:END/],
      [['explain', '--model', out, '--data', join(dir, 'new.csv'), '--method', 'permutation-importance'], /has no "price" column \(the target\), which scoring needs/],
      [['train', '--data', data, '--target', 'price'], /row \d+, column "\w+" is missing \((empty|"NA")\); fill it in, or use --missing drop .* or --missing impute/],
      [['train', '--data', data, '--target', 'price', '--ignore', 'colour'], /--ignore column "colour" not found; available columns: "age", "income", "region", "noise", "price"/],
      [['train', '--data', data, '--target', 'price', '--test-fraction', '1.5'], /--test-fraction must be a number strictly between 0 and 1/],
      [['train', '--target', 'price'], /--target applies to CSV files/],
    ];
    for (const [args, message] of cases) {
      const r = glassbox(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at |featureColumns|maxCategories/);
    }
  });
});

describe('glassbox on a generated classification table', () => {
  it('trains with column flags, reports the majority-class baseline, predicts class and probabilities', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-tables-'));
    const data = join(dir, 'buyers.csv');
    writeFileSync(data, makeTestTable({ rows: 300, task: 'classification', withId: true, seed: 22 }));
    const out = join(dir, 'model');
    const r = glassbox('train', '--data', data, '--target', 'bought', '--ignore', 'id,noise', '--test-fraction', '0.25', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = r.last();
    expect(s.test_rows).toBe(75);
    expect(Number(s.test_accuracy)).toBeGreaterThan(Number(s.baseline_accuracy));
    expect(Number(s.test_loss)).toBeLessThan(Number(s.baseline_loss));
    const target = join(dir, 'p.csv');
    expect(glassbox('predict', '--model', out, '--data', data, '--out', target).code).toBe(0);
    const p = readCsvTable(readFileSync(target, 'utf8'));
    expect(p.header).toEqual(['row', 'bought', 'probability_no', 'probability_yes']);
    expect(p.rows.length).toBe(300);
    for (const row of p.rows) {
      expect(Number(row[2]) + Number(row[3])).toBeCloseTo(1, 4);
      expect(row[1]).toBe(Number(row[3]) > Number(row[2]) ? 'yes' : 'no');
    }
  });
});
