// Raw records in, predictions in the user's units out: `predictTable(model, rows)`, also as `model.predictTable(rows)`.

import { LayersModel } from '../train/layers-model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CsvTable } from '../data/csv-table.js';
import { type TableRecord, recordsTable } from '../data/csv-table.js';
import { TablePipeline } from '../data/table-pipeline.js';
import type { OptionStyle } from '../data/option-hints.js';

/** One row's prediction: a value in the target's units (regression), or a class with every class's probability. */
export interface TablePrediction {
  prediction: number | string;
  probabilities?: Record<string, number>;
}

/** The table pipeline a model was trained with; an error naming the fix for models trained on other data. */
export function tablePipelineOf(model: LayersModel<Tensor | Tensor[]>, what = 'predictTable'): TablePipeline {
  const pipeline = TablePipeline.fromMetadata(model.metadata);
  if (!pipeline) {
    throw new Error(`${what}: this model was not trained on a table (its metadata has no table pipeline); use model.predict on a tensor instead`);
  }
  return pipeline;
}

/** Model outputs for a table's rows, in user units: [n, 1] target values or [n, classes] probabilities. */
export function tableOutputs(model: LayersModel<Tensor>, pipeline: TablePipeline, table: CsvTable, style?: OptionStyle): Tensor {
  const x = pipeline.encodeFeatures(table, { style });
  return pipeline.outputsToUnits(model.predict(x));
}

/** Readable predictions from outputs in user units. */
export function toPredictions(pipeline: TablePipeline, out: Tensor): TablePrediction[] {
  const n = out.shape[0];
  const k = out.shape[1] ?? 1;
  const v = out.values;
  const classes = pipeline.encoder.classes;
  return Array.from({ length: n }, (_, r) => {
    if (!classes) return { prediction: v[r * k] };
    const probabilities: Record<string, number> = {};
    let best = 0;
    classes.forEach((c, j) => {
      probabilities[c] = v[r * k + j];
      if (v[r * k + j] > v[r * k + best]) best = j;
    });
    return { prediction: classes[best], probabilities };
  });
}

/**
 * Predicts raw records (column name to value, as in the CSV; the target may be absent): encoded, missing cells filled
 * in and scaled as at training time; regression values come back in the target's units, classes by name.
 */
export function predictTable(model: LayersModel<Tensor>, rows: TableRecord[]): TablePrediction[] {
  const pipeline = tablePipelineOf(model);
  const table = recordsTable(rows, pipeline.encoder.columns.map((c) => c.name));
  return toPredictions(pipeline, tableOutputs(model, pipeline, table));
}

declare module '../train/layers-model.js' {
  interface LayersModel<Y extends Tensor | Tensor[] = Tensor> {
    /** Predictions for raw records in the user's units (a model trained on a table); see `predictTable`. */
    predictTable(rows: TableRecord[]): TablePrediction[];
  }
}

LayersModel.prototype.predictTable = function predictTableMethod(this: LayersModel<Tensor>, rows: TableRecord[]): TablePrediction[] {
  return predictTable(this, rows);
};
