// `glassbox train`: builds the model the flags describe (see architectures.ts), trains it, reports test metrics and saves it.

import { setSeed } from '../util/random.js';
import { setBackend } from '../backend/backend.js';
import type { FitArgs, Sequential } from '../train/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { buildModel, type Arch } from './architectures.js';
import { EarlyStopping, type CallbackHooks } from '../train/callbacks.js';
import { loadTrainingData } from './datasets.js';
import { UserError } from './errors.js';

export interface TrainOptions {
  data: string;
  target?: string;
  epochs: number;
  batchSize: number;
  seed: number;
  out: string;
  json: boolean;
  hidden: number[];
  activation: string;
  optimizer: string;
  lr: number;
  l2: number;
  dropout: number;
  /** Hidden layers: the MLP of --hidden (default) or the CNN preset; --config replaces both. */
  arch: Arch;
  config?: string;
  validationSplit?: number;
  patience?: number;
  trainLimit?: number;
  testLimit?: number;
  backend?: string;
  verbose: boolean;
}

export interface TrainResult {
  model: Sequential;
  /** The held-out rows (the training rows are not kept, so their memory is freed after fit). */
  test: { x: Tensor; y: Tensor };
  summary: Record<string, number | string>;
}

/** How fit is run: fresh, or continued from a checkpoint (see io/resume). */
export type FitRunner = (model: Sequential | null, x: Tensor, y: Tensor, args: FitArgs) => Promise<{ model: Sequential; history: { epoch: number[]; history: Record<string, number[]> } }>;

const freshFit: FitRunner = async (model, x, y, args) => ({ model: model!, history: await model!.fit(x, y, args) });

export async function runTrain(o: TrainOptions, extraCallbacks: CallbackHooks[] = [], runner: FitRunner = freshFit): Promise<TrainResult> {
  if (o.backend) setBackend(o.backend);
  setSeed(o.seed);
  const log = (line: string) => process.stderr.write(line + '\n');
  const data = await loadTrainingData({ data: o.data, target: o.target, seed: o.seed, trainLimit: o.trainLimit, testLimit: o.testLimit });
  const inputs = data.xTrain.shape[1];
  const fresh = runner === freshFit ? buildModel(o, inputs, data.outputs, data.task) : null;
  if (fresh) fresh.metadata = { ...data.metadata };
  if (o.verbose) {
    log(`Training on ${data.xTrain.shape[0]} rows, testing on ${data.xTest.shape[0]} (${o.data}, ${data.task})`);
    fresh?.summary(log);
  }
  // Epochs finished by this process (a resumed run finishes only the remaining ones).
  let epochsHere = 0;
  const callbacks: CallbackHooks[] = [...extraCallbacks, { onEpochEnd: () => void epochsHere++ }];
  if (o.patience !== undefined) {
    if (!o.validationSplit) throw new UserError('--patience needs --validation-split (early stopping watches val_loss)');
    callbacks.push(new EarlyStopping({ monitor: 'val_loss', patience: o.patience, restoreBestWeights: true }));
  }
  const start = performance.now();
  const { model, history } = await runner(fresh, data.xTrain, data.yTrain, {
    epochs: o.epochs, batchSize: o.batchSize, validationSplit: o.validationSplit, callbacks, verbose: o.verbose ? 1 : 0,
  });
  const trainSeconds = (performance.now() - start) / 1000;
  const epochsRun = history.epoch.length;
  const test = model.evaluateLogs(data.xTest, data.yTest);
  const summary: Record<string, number | string> = {
    data: o.data,
    task: data.task,
    epochs: epochsRun,
    train_seconds: round(trainSeconds),
    seconds_per_epoch: round(trainSeconds / Math.max(epochsHere, 1)),
    params: model.countParams(),
    test_loss: round(test.loss, 6),
    backend: (await import('../backend/backend.js')).getBackend().name,
  };
  for (const [k, v] of Object.entries(test)) if (k !== 'loss') summary[`test_${k}`] = round(v, 6);
  model.metadata.training = { ...summary, history: history.history };
  return { model, test: { x: data.xTest, y: data.yTest }, summary };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
