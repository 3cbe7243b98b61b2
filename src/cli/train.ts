// `glassbox train`: builds the model the flags describe (see architectures.ts), trains it, reports test metrics and saves it.

import { setSeed } from '../util/random.js';
import { setBackend } from '../backend/backend.js';
import type { FitArgs } from '../train/fit-args.js';
import type { LayersModel } from '../train/layers-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { buildModel, type Arch } from './architectures.js';
import { EarlyStopping, type CallbackHooks, type Logs } from '../train/callbacks.js';
import { baselineScores, baselineWarning, tableScores, type Scores } from '../tables/scores.js';
import { loadTrainingData, type TrainingData } from './datasets.js';
import type { ColumnFlags, SplitRecord } from './table-data.js';
import type { TablePipeline } from '../data/table-pipeline.js';
import type { CsvTable } from '../data/csv-table.js';
import { UserError } from './errors.js';

export interface TrainOptions extends ColumnFlags {
  data: string;
  /** Fixed epochs; when absent: 10 for MNIST, early stopping (at most MAX_EPOCHS) for a CSV file. */
  epochs?: number;
  batchSize: number;
  seed: number;
  out: string;
  json: boolean;
  hidden: number[];
  activation: string;
  optimizer: string;
  lr: number;
  /** Gradient clipping by global norm (--clip-norm). */
  clipNorm?: number;
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
  model: LayersModel<Tensor>;
  /** The held-out rows (the training rows are not kept, so their memory is freed after fit). */
  test: { x: Tensor; y: Tensor };
  summary: Record<string, number | string>;
  /** Set when the model scores no better than the trivial baseline on the held-out rows. */
  warning: string | null;
  /** CSV data: the pipeline and the held-out rows as written, with their data row indices. */
  table?: { pipeline: TablePipeline; test: CsvTable; testRows: number[] };
}

/** Early stopping defaults for a CSV file trained without --epochs: a validation split, patience, a ceiling. */
export const EARLY_STOPPING = { validationSplit: 0.2, patience: 20, maxEpochs: 1000 } as const;
const MNIST_EPOCHS = 10;

/** How fit is run: fresh, or continued from a checkpoint (see io/resume). */
export type FitRunner = (model: LayersModel<Tensor> | null, x: Tensor, y: Tensor, args: FitArgs) => Promise<{ model: LayersModel<Tensor>; history: { epoch: number[]; history: Record<string, number[]> } }>;

const freshFit: FitRunner = async (model, x, y, args) => ({ model: model!, history: await model!.fit(x, y, args) });

export async function runTrain(o: TrainOptions, extraCallbacks: CallbackHooks[] = [], runner: FitRunner = freshFit): Promise<TrainResult> {
  if (o.backend) setBackend(o.backend);
  setSeed(o.seed);
  const log = (line: string) => process.stderr.write(line + '\n');
  const data = await loadTrainingData(o);
  const inputs = data.xTrain.shape[1];
  const plan = trainingPlan(o);
  const trainRows = data.xTrain.shape[0];
  if (plan.validationSplit && (Math.floor(trainRows * (1 - plan.validationSplit)) < 1 || Math.floor(trainRows * (1 - plan.validationSplit)) >= trainRows)) {
    throw new UserError(`${trainRows} training rows are too few to hold out ${plan.validationSplit} of them for validation; ` +
      `pass --epochs N to train a fixed number of epochs${o.validationSplit ? ' without --validation-split' : ''}, or use more rows`);
  }
  const fresh = runner === freshFit ? buildModel(o, inputs, data.outputs, data.task) : null;
  if (fresh) fresh.metadata = { ...data.metadata };
  if (o.verbose) {
    const dropped = data.table?.dropped.length ? `; ${data.table.dropped.length} rows with missing values skipped (--missing drop)` : '';
    log(`Training on ${data.xTrain.shape[0]} rows, testing on ${data.xTest.shape[0]} (${o.data}, ${data.task}${dropped})`);
    if (plan.early) log(`Epochs: early stopping on val_loss (${plan.validationSplit} of the training rows, patience ${plan.patience}, at most ${plan.epochs}); --epochs N trains a fixed number`);
    fresh?.summary(log);
  }
  // Epochs finished by this process (a resumed run finishes only the remaining ones).
  let epochsHere = 0;
  const callbacks: CallbackHooks[] = [...extraCallbacks, { onEpochEnd: () => void epochsHere++ }];
  const stopper = plan.patience !== undefined ? new EarlyStopping({ monitor: 'val_loss', patience: plan.patience, restoreBestWeights: true }) : null;
  if (stopper) callbacks.push(stopper);
  if (plan.early && o.verbose) callbacks.push(everyNthEpoch(10, log));
  const start = performance.now();
  const { model, history } = await runner(fresh, data.xTrain, data.yTrain, {
    epochs: plan.epochs, batchSize: o.batchSize, validationSplit: plan.validationSplit, callbacks, verbose: o.verbose && !plan.early ? 1 : 0,
  });
  const trainSeconds = (performance.now() - start) / 1000;
  const epochsRun = history.epoch.length;
  if (stopper && o.verbose && stopper.bestEpoch >= 0) {
    const stopped = stopper.stoppedEpoch >= 0 ? `stopped after epoch ${stopper.stoppedEpoch + 1}` : `ran all ${epochsRun} epochs`;
    log(`Early stopping: ${stopped}; weights of epoch ${stopper.bestEpoch + 1} (lowest val_loss) kept`);
  }
  const { scores, baseline } = heldOutScores(model, data);
  const summary: Record<string, number | string> = {
    data: o.data,
    task: data.task,
    epochs: epochsRun,
    train_seconds: round(trainSeconds),
    seconds_per_epoch: round(trainSeconds / Math.max(epochsHere, 1)),
    params: model.countParams(),
    test_rows: data.xTest.shape[0],
    backend: (await import('../backend/backend.js')).getBackend().name,
  };
  for (const [k, v] of Object.entries(scores)) summary[`test_${k}`] = round(v, 6);
  for (const [k, v] of Object.entries(baseline)) summary[k] = round(v, 6);
  const settings = { ...plan, batchSize: o.batchSize, hidden: o.hidden.join(',') || 'none', activation: o.activation, optimizer: o.optimizer, lr: o.lr, l2: o.l2, dropout: o.dropout, seed: o.seed };
  const warning = baselineWarning(scores, baseline);
  model.metadata.training = { ...summary, settings, history: history.history, ...(warning ? { warning } : {}) };
  const table = data.table && { pipeline: data.table.pipeline, test: data.table.test, testRows: (data.metadata.split as SplitRecord).testRows };
  return { model, test: { x: data.xTest, y: data.yTest }, summary, warning, table };
}

/** Epochs, validation and patience: as the flags say, or early stopping for a CSV file trained without --epochs. */
function trainingPlan(o: TrainOptions): { early: boolean; epochs: number; validationSplit?: number; patience?: number } {
  if (o.patience !== undefined && !o.validationSplit && (o.epochs !== undefined || o.data === 'mnist')) {
    throw new UserError('--patience needs --validation-split (early stopping watches val_loss)');
  }
  if (o.epochs !== undefined || o.data === 'mnist') {
    return { early: false, epochs: o.epochs ?? MNIST_EPOCHS, validationSplit: o.validationSplit, patience: o.patience };
  }
  return {
    early: true, epochs: EARLY_STOPPING.maxEpochs,
    validationSplit: o.validationSplit ?? EARLY_STOPPING.validationSplit, patience: o.patience ?? EARLY_STOPPING.patience,
  };
}

/** Test scores in user units (CSV: through the pipeline) and the baseline's on the same rows. */
function heldOutScores(model: LayersModel<Tensor>, data: TrainingData): { scores: Scores; baseline: Scores } {
  if (!data.table) {
    const logs = model.evaluateLogs(data.xTest, data.yTest);
    return { scores: logs, baseline: baselineScores(data.baseline, data.yTest) };
  }
  const { pipeline, test } = data.table;
  const yTrue = pipeline.targetValues(test);
  const scores = tableScores(data.task, yTrue, pipeline.outputsToUnits(model.predict(data.xTest)));
  return { scores, baseline: baselineScores(data.baseline, yTrue) };
}

/** A progress line every n epochs (early stopping may run hundreds of short epochs). */
function everyNthEpoch(n: number, log: (line: string) => void): CallbackHooks {
  return {
    onEpochEnd: (epoch: number, logs: Logs = {}) => {
      if ((epoch + 1) % n !== 0) return;
      log(`Epoch ${epoch + 1}: ${Object.entries(logs).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(' ')}`);
    },
  };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
