// ONNX export of table models: onnxruntime fed raw column values (missing ones too) gives glassbox's predictTable answer.

import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { toOnnx } from '../io/onnx-export.js';
import { isMissing } from '../data/csv-table.js';
import { trainedTableModel } from './test-table-models.js';
import './predict-table.js';

/** Feeds for the exported graph: one [n, 1] input per column, NaN / the token as written where a cell is missing. */
function feeds(header: string[], rows: string[][], numeric: Record<string, boolean>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const name of Object.keys(numeric)) {
    const col = header.indexOf(name);
    const cells = rows.map((r) => r[col]);
    out[name] = numeric[name]
      ? new ort.Tensor('float32', Float32Array.from(cells, (c) => (isMissing(c) ? NaN : Number(c))), [rows.length, 1])
      : new ort.Tensor('string', cells, [rows.length, 1]);
  }
  return out;
}

describe('exportOnnx of a table model', () => {
  for (const task of ['regression', 'classification'] as const) {
    it(`${task}: onnxruntime on raw values (with missing cells) agrees with predictTable`, async () => {
      const { model, prepared } = await trainedTableModel(task);
      const { pipeline, test } = prepared;
      const rows = [...test.table.rows, ['33', 'NA', '', '0.5', 'x'], ['', '', '?', '', 'x']];
      expect(rows.some((r) => r.some(isMissing))).toBe(true);
      const header = test.table.header;
      const session = await ort.InferenceSession.create(toOnnx(model));
      const numeric = Object.fromEntries(pipeline.encoder.columns.map((c) => [c.name, c.kind === 'numeric']));
      expect(session.inputNames).toEqual(Object.keys(numeric));
      const got = (await session.run(feeds(header, rows, numeric))).output;
      const expected = model.predictTable(rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))));
      const k = task === 'regression' ? 1 : 2;
      expect(got.dims).toEqual([rows.length, k]);
      const data = got.data as Float32Array;
      expected.forEach((p, i) => {
        if (task === 'regression') expect(Math.abs(data[i] - (p.prediction as number))).toBeLessThan(1e-3 * Math.abs(p.prediction as number));
        else ['no', 'yes'].forEach((c, j) => expect(Math.abs(data[i * 2 + j] - p.probabilities![c])).toBeLessThan(1e-5));
      });
      if (task === 'regression') expect(Math.abs(data[0])).toBeGreaterThan(1000); // target units, not standardised
      expect(session.outputNames).toEqual(['output']);
    });
  }

  it('exports the bare network (scaled inputs and outputs) on request', async () => {
    const { model, prepared } = await trainedTableModel('regression');
    const bare = await ort.InferenceSession.create(toOnnx(model, { preprocessing: false }));
    expect(bare.inputNames).toEqual(['input']);
    const out = (await bare.run({ input: new ort.Tensor('float32', prepared.test.x.values as Float32Array, prepared.test.x.shape) })).output.data as Float32Array;
    const net = model.predict(prepared.test.x).values;
    for (let i = 0; i < net.length; i++) expect(out[i]).toBeCloseTo(net[i], 4);
  });
});
