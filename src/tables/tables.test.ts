// Tests for table models: predictTable in user units, scores and the trivial baseline, explanations in the user's units.

import { describe, expect, it } from 'vitest';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { Tensor } from '../tensor/tensor.js';
import { layers } from '../nn/index.js';
import { sequential } from '../train/sequential.js';
import { subTable } from '../data/csv-table.js';
import { kernelShap, saliency } from '../explain/index.js';
import { predictTable } from './predict-table.js';
import { baselineScores, baselineWarning, tableScores } from './scores.js';
import { tableExplanation } from './explain-table.js';
import { trainedTableModel } from './test-table-models.js';

describe('predictTable', () => {
  it('takes raw records (no target, missing cells, numbers as strings) and answers in the target\'s units', async () => {
    const { model, prepared } = await trainedTableModel('regression');
    const { pipeline, test } = prepared;
    const header = test.table.header;
    const records = test.table.rows.map((r) => Object.fromEntries(header.filter((h) => h !== 'price').map((h) => [h, r[header.indexOf(h)]])));
    const viaApi = model.predictTable(records);
    const direct = pipeline.outputsToUnits(model.predict(test.x)).values;
    expect(viaApi.length).toBe(test.rows.length);
    viaApi.forEach((p, i) => expect(p.prediction).toBeCloseTo(direct[i], 2));
    // In the target's units: far from the standardised scale, close to the written prices.
    const written = pipeline.targetValues(test.table).values;
    const mae = viaApi.reduce((s, p, i) => s + Math.abs((p.prediction as number) - written[i]), 0) / viaApi.length;
    expect(mae).toBeLessThan(0.25 * (Math.max(...written) - Math.min(...written)));
    expect(Math.abs(viaApi[0].prediction as number)).toBeGreaterThan(1000);
    // A missing cell is filled in with the training value, exactly as an explicit value would be.
    const filled = model.predictTable([{ age: pipeline.fill!.age as number, income: 50, region: 'east', noise: 0 }])[0].prediction;
    expect(predictTable(model, [{ age: null, income: '50', region: 'east', noise: 0 }])[0].prediction).toBe(filled);
  });

  it('names the class and gives every class probability; refuses models not trained on a table', async () => {
    const { model } = await trainedTableModel('classification');
    const [p] = model.predictTable([{ age: 70, income: 90, region: 'south', noise: 0 }]);
    expect(p.prediction).toBe('yes');
    expect(Object.keys(p.probabilities!)).toEqual(['no', 'yes']);
    expect(p.probabilities!.no + p.probabilities!.yes).toBeCloseTo(1, 5);
    const plain = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    expect(() => plain.predictTable([{ a: 1 }])).toThrow(/not trained on a table.*use model\.predict/);
    expect(() => model.predictTable([{ age: 70, income: 90, region: 'mars', noise: 0 }])).toThrow(/category "mars" was not in the training data/);
  });
});

describe('scores and the trivial baseline', () => {
  it('scores in user units and the baseline on the same rows', () => {
    const y = new Tensor(new Float32Array([10, 20, 30, 40]), [4, 1]);
    const s = tableScores('regression', y, new Tensor(new Float32Array([12, 18, 33, 37]), [4, 1]));
    expect(s.mse).toBeCloseTo((4 + 4 + 9 + 9) / 4, 5);
    expect(s.mae).toBeCloseTo(2.5, 5);
    expect(s.rmse).toBeCloseTo(Math.sqrt(6.5), 5);
    const b = baselineScores({ kind: 'mean', value: 25 }, y);
    expect(b.baseline_mse).toBeCloseTo(125, 5);
    expect(b.baseline_r2).toBeCloseTo(0, 5);
    expect(baselineWarning(s, b)).toBeNull();
    expect(baselineWarning({ ...s, mse: 130 }, b)).toMatch(/MSE 130 does not beat always predicting the training mean \(MSE 125\)/);
    const labels = new Tensor(new Int32Array([0, 0, 0, 1]), [4], 'int32');
    const c = baselineScores({ kind: 'majority', classCounts: [30, 10] }, labels);
    expect(c.baseline_accuracy).toBe(0.75);
    expect(c.baseline_loss).toBeCloseTo(-(3 * Math.log(0.75) + Math.log(0.25)) / 4, 5);
    expect(baselineWarning({ accuracy: 0.75, loss: 0.1 }, c)).toMatch(/accuracy 0\.75 does not beat always predicting the most frequent training class \(0\.75\)/);
  });
});

describe('explanations of a table model', () => {
  it('carry the values as written and, for regression, attributions that add up in the target\'s units', async () => {
    const { model, prepared } = await trainedTableModel('regression');
    const { pipeline, test } = prepared;
    const rows = [0, 1, 2];
    const x = new Tensor(test.x.values.slice(0, 3 * test.x.shape[1]), [3, test.x.shape[1]]);
    const raw = await kernelShap(model, x, { background: prepared.train.x, seed: 1 });
    const e = tableExplanation(raw, pipeline, subTable(test.table, rows), rows.map((r) => test.rows[r]));
    expect(e.featureNames).toEqual(['age', 'income', 'region', 'noise']);
    const written = pipeline.displayValues(subTable(test.table, rows));
    expect(e.displayData).toEqual(written);
    expect(e.rowIndices).toEqual(test.rows.slice(0, 3));
    const units = pipeline.outputsToUnits(model.predict(x)).values;
    for (const r of rows) {
      let sum = e.baseValue(r);
      for (let f = 0; f < e.features; f++) sum += e.value(r, f);
      expect(e.prediction(r)).toBeCloseTo(units[r], 1);
      expect(sum).toBeCloseTo(e.prediction(r), 0);
    }
    const text = e.toString({ row: 0 });
    expect(text).toContain(`region = ${written[0][2] ?? 'missing'}`);
    expect(text).toMatch(/prediction \d{4}(\.\d+)? = base value \d{4}/);
    expect(JSON.parse(JSON.stringify(e.toJSON())).displayData).toEqual(written);
  });

  it('saliency text no longer claims that attributions add up', async () => {
    const { model, prepared } = await trainedTableModel('regression');
    const x = new Tensor(prepared.test.x.values.slice(0, prepared.test.x.shape[1]), [1, prepared.test.x.shape[1]]);
    const e = tableExplanation(await saliency(model, x), prepared.pipeline, subTable(prepared.test.table, [0]), [prepared.test.rows[0]]);
    expect(e.toString({ row: 0 })).toMatch(/prediction \d+(\.\d+)?; attributions \(they do not add up to the prediction\):/);
    expect(e.toString({ row: 0 })).not.toMatch(/= base value/);
  });
});
