// model.fitDataset / evaluateDataset (TensorFlow.js): training and scoring on batches a Dataset yields, each
// {xs, ys} or [xs, ys] with xs and ys a tensor, a list, or {name: tensor}; every batch runs through the plans.

import type { Tensor } from '../tensor/tensor.js';
import { Rng, getRng } from '../util/random.js';
import { describe } from '../nn/symbolic.js';
import type { Dataset } from '../data/dataset.js';
import { CallbackList, History, type CallbackHooks, type Logs, type TrainingParams } from './callbacks.js';
import { ProgressLogger } from './progress.js';
import { mixSeed } from './fit-args.js';
import type { ModelData } from './validate.js';
import { yieldToEventLoop } from '../util/yield.js';

/** What fitDataset needs of the model (LayersModel implements it). */
export interface DatasetTrainable {
  stopTraining: boolean;
  readonly metrics: { name: string; reset(): void; result(): number }[];
  /** One optimiser step on a batch; the loss, and the batch size. */
  trainBatch(x: ModelData, y: ModelData, rng: Rng, where: string): { loss: number; rows: number };
  evaluateLogs(x: ModelData, y: ModelData, batchSize?: number): Logs;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
}

export interface FitDatasetArgs {
  epochs?: number;
  /** Batches per epoch (default: until the dataset ends). */
  batchesPerEpoch?: number;
  callbacks?: CallbackHooks | CallbackHooks[];
  /** A dataset of batches, or [x, y] tensors. */
  validationData?: Dataset<unknown> | [ModelData, ModelData];
  verbose?: 0 | 1;
  initialEpoch?: number;
  /** Seed of the dropout masks; drawn from the global generator when omitted. */
  seed?: number;
  /** Kept for TensorFlow.js code: glassbox yields to the event loop on its own. */
  yieldEvery?: unknown;
}

const KEYS = ['epochs', 'batchesPerEpoch', 'callbacks', 'validationData', 'verbose', 'initialEpoch', 'seed', 'yieldEvery'];

/** A batch element as [x, y]. */
export function batchPair(element: unknown, where: string): [ModelData, ModelData] {
  if (Array.isArray(element) && element.length === 2) return [element[0] as ModelData, element[1] as ModelData];
  if (element !== null && typeof element === 'object' && 'xs' in element && 'ys' in element) {
    const e = element as { xs: ModelData; ys: ModelData };
    return [e.xs, e.ys];
  }
  throw new Error(`${where}: each dataset element must be {xs, ys} or [xs, ys] (batch the dataset first: dataset.batch(32)), got ${describe(element)}`);
}

export async function fitDataset(model: DatasetTrainable, dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
  if (!dataset || typeof (dataset as Dataset<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw new Error(`fitDataset: the first argument must be a dataset (data.array(...).batch(32)), got ${describe(dataset)}`);
  }
  if (args === null || typeof args !== 'object') throw new Error(`fitDataset: the second argument must be an options object like {epochs: 5}, got ${describe(args)}`);
  for (const k of Object.keys(args)) if (!KEYS.includes(k)) throw new Error(`fitDataset: unknown option '${k}'; known options: ${KEYS.join(', ')}`);
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fitDataset: epochs must be a positive integer, got ${epochs}`);
  if (args.batchesPerEpoch !== undefined && !(Number.isInteger(args.batchesPerEpoch) && args.batchesPerEpoch > 0)) {
    throw new Error(`fitDataset: batchesPerEpoch must be a positive integer, got ${args.batchesPerEpoch}`);
  }
  const seed = args.seed ?? getRng().nextUint32();
  const history = new History();
  const userCallbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  const list = new CallbackList([history, ...((args.verbose ?? 1) > 0 ? [new ProgressLogger()] : []), ...userCallbacks]);
  const steps = args.batchesPerEpoch ?? dataset.size ?? 0;
  const params: TrainingParams = { epochs, initialEpoch, samples: 0, batchSize: 0, stepsPerEpoch: steps, metrics: model.metrics.map((m) => m.name) };
  list.setModel(model, params);
  model.stopTraining = false;
  await list.trainBegin();
  let iterator = dataset[Symbol.asyncIterator]();
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await list.epochBegin(epoch);
    model.metrics.forEach((m) => m.reset());
    let [lossSum, seen, b] = [0, 0, 0];
    // With batchesPerEpoch the iterator runs on across epochs (TensorFlow.js); without, each epoch is one pass.
    if (args.batchesPerEpoch === undefined && epoch > initialEpoch) iterator = dataset[Symbol.asyncIterator]();
    for (; (args.batchesPerEpoch === undefined || b < args.batchesPerEpoch) && !model.stopTraining; b++) {
      const next = await iterator.next();
      if (next.done) {
        if (args.batchesPerEpoch !== undefined) throw new Error(`fitDataset: the dataset ended after ${b} batches of epoch ${epoch + 1}, before batchesPerEpoch (${args.batchesPerEpoch}); repeat() it`);
        break;
      }
      if (list.hasBatchHooks) await list.batchBegin(b, { batch: b });
      const [x, y] = batchPair(next.value, 'fitDataset');
      const r = model.trainBatch(x, y, new Rng(mixSeed(seed, epoch, b, 1)), 'fitDataset');
      if (!Number.isFinite(r.loss)) throw new Error(`fitDataset: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or scale inputs`);
      lossSum += r.loss * r.rows;
      seen += r.rows;
      if (list.hasBatchHooks) await list.batchEnd(b, { batch: b, size: r.rows, loss: lossSum / seen, ...metricLogs(model) });
      if (b % 16 === 15) await yieldToEventLoop();
    }
    if (seen === 0) throw new Error('fitDataset: the dataset yielded no batches');
    const logs: Logs = { loss: lossSum / seen, ...metricLogs(model) };
    if (args.validationData) {
      const v = Array.isArray(args.validationData)
        ? model.evaluateLogs(args.validationData[0], args.validationData[1])
        : await evaluateDataset(model, args.validationData);
      for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
    }
    await list.epochEnd(epoch, logs);
  }
  await list.trainEnd();
  return history;
}

function metricLogs(model: DatasetTrainable): Logs {
  return Object.fromEntries(model.metrics.map((m) => [m.name, m.result()]));
}

/** Loss and metrics over every batch of a dataset (or the first `batches`), weighted by batch size. */
export async function evaluateDataset(model: DatasetTrainable, dataset: Dataset<unknown>, args: { batches?: number } = {}): Promise<Logs> {
  const sums: Record<string, number> = {};
  let rows = 0;
  let b = 0;
  for await (const element of dataset) {
    if (args.batches !== undefined && b++ >= args.batches) break;
    const [x, y] = batchPair(element, 'evaluateDataset');
    const logs = model.evaluateLogs(x, y, Number.MAX_SAFE_INTEGER);
    const n = firstTensor(x).shape[0];
    for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * n;
    rows += n;
  }
  if (rows === 0) throw new Error('evaluateDataset: the dataset yielded no batches');
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / rows]));
}

/** The first tensor of a batch's inputs (for its row count). */
function firstTensor(x: ModelData): Tensor {
  if (Array.isArray(x)) return x[0];
  return 'shape' in x ? (x as Tensor) : Object.values(x)[0];
}
