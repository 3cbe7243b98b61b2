// A small table model trained on a generated table, for the tests of table-level features.

import { layers } from '../nn/index.js';
import { sequential, type Sequential } from '../train/sequential.js';
import { readCsvTable } from '../data/csv-table.js';
import { makeTestTable } from '../data/test-tables.js';
import { prepareTable, type PreparedTable } from '../data/table-split.js';
import { setSeed } from '../util/random.js';

/** A 16-unit MLP fitted for 60 epochs on 240 generated rows (4% missing, imputed), with its pipeline in its metadata. */
export async function trainedTableModel(task: 'regression' | 'classification'): Promise<{ model: Sequential; prepared: PreparedTable; text: string }> {
  setSeed(1);
  const text = makeTestTable({ rows: 240, task, missingRate: 0.04, seed: 11 });
  const prepared = prepareTable(readCsvTable(text, 'gen.csv'), { target: task === 'regression' ? 'price' : 'bought', missing: 'impute', seed: 2 });
  const k = task === 'regression' ? 1 : 2;
  const model = sequential({ layers: [
    layers.dense({ units: 16, activation: 'relu', inputShape: [prepared.train.x.shape[1]] }),
    layers.dense({ units: k, activation: task === 'regression' ? 'linear' : 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: task === 'regression' ? 'meanSquaredError' : 'sparseCategoricalCrossentropy' });
  await model.fit(prepared.train.x, prepared.train.y, { epochs: 60, batchSize: 16, verbose: 0 });
  model.metadata = { table: prepared.pipeline.toJSON(), groups: prepared.pipeline.encoder.groups, featureNames: prepared.pipeline.encoder.featureNames };
  return { model, prepared, text };
}
