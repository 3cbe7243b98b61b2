// The rows `glassbox compress` works on: MNIST's training and test sets, or a CSV model's own training file split
// into the rows it was trained on and the held-out rows it recorded; and the held-out score in the user's units.

import type { Tensor } from '../tensor/tensor.js';
import type { ModelMetadata } from '../train/sequential.js';
import { loadMnist } from '../data/mnist.js';
import { subTable } from '../data/csv-table.js';
import { TablePipeline } from '../data/table-pipeline.js';
import { usableRows } from '../data/table-split.js';
import { accuracyOf, type ScoreSpec } from '../compress/measure.js';
import { readTableFile, type SplitRecord } from './table-data.js';
import { UserError } from './errors.js';

export interface CompressData {
  xTrain: Tensor;
  /** Targets as the model trains on them (class indices, or a standardised regression target). */
  yTrain: Tensor;
  xTest: Tensor;
  /** Test targets as the model trains on them (for permutation importance). */
  yTest: Tensor;
  task: 'classification' | 'regression';
  score: ScoreSpec;
  /** [height, width] of image rows, for patch groups. */
  imageShape: [number, number] | null;
}

export async function compressData(data: string, metadata: ModelMetadata, limits: { trainLimit?: number; testLimit?: number }): Promise<CompressData> {
  if (data === 'mnist') {
    if (metadata.dataset && metadata.dataset !== 'mnist') throw new UserError(`--data mnist: this model was trained on ${metadata.dataset} data; pass its CSV file`);
    const d = await loadMnist({ trainLimit: limits.trainLimit, testLimit: limits.testLimit });
    const [xTest, yTest] = [d.testImages, d.testLabels];
    return {
      xTrain: d.trainImages, yTrain: d.trainLabels, xTest, yTest, task: 'classification', imageShape: [28, 28],
      score: { metric: 'accuracy', higherIsBetter: true, score: (m) => accuracyOf(m, xTest, yTest) },
    };
  }
  const pipeline = TablePipeline.fromMetadata(metadata);
  if (!pipeline) throw new UserError(`--data ${data}: this model was not trained on a CSV file; use --data mnist`);
  const { table, digest } = readTableFile(data);
  const split = metadata.split as SplitRecord | undefined;
  if (!split || split.fileSha256 !== digest) {
    throw new UserError(`--data ${data}: compress needs the file the model was trained on (to calibrate, fine-tune or distill on its training rows and score its held-out rows); ` +
      `${split ? 'this file\'s SHA-256 differs from the one recorded' : 'the model has no record of its split'}`);
  }
  const usable = new Set(usableRows(table, pipeline.encoder, pipeline.missing === 'drop' ? 'drop' : 'impute'));
  const test = split.testRows.filter((r) => usable.has(r)).slice(0, limits.testLimit);
  const held = new Set(split.testRows);
  const train = table.rows.map((_, i) => i).filter((r) => usable.has(r) && !held.has(r)).slice(0, limits.trainLimit);
  const part = (rows: number[]) => subTable(table, rows);
  const encode = (rows: number[]) => pipeline.encodeFeatures(part(rows), { style: 'cli' });
  const xTest = encode(test);
  const yTest = pipeline.encodeTarget(part(test), 'cli');
  const userY = pipeline.targetValues(part(test), 'cli');
  const classification = pipeline.task === 'classification';
  const score: ScoreSpec = classification
    ? { metric: 'accuracy', higherIsBetter: true, score: (m) => accuracyOf(m, xTest, yTest) }
    : { metric: `mae (${pipeline.target})`, higherIsBetter: false, score: (m) => meanAbsoluteError(pipeline.outputsToUnits(m.predict(xTest)), userY) };
  return { xTrain: encode(train), yTrain: pipeline.encodeTarget(part(train), 'cli'), xTest, yTest, task: pipeline.task, score, imageShape: null };
}

function meanAbsoluteError(pred: Tensor, y: Tensor): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += Math.abs(pred.values[i] - y.values[i]);
  return s / Math.max(y.size, 1);
}

