// The arguments and saved settings of compile / fit / evaluate, and their checks.

import type { Tensor } from '../tensor/tensor.js';
import type { Loss, LossSpec } from './losses.js';
import type { OptimizerConfig, OptimizerSpec } from './optimizers.js';
import type { Metric, MetricSpec } from './metrics.js';
import type { CallbackHooks } from './callbacks.js';
import type { ModelData } from './validate.js';

export interface CompileArgs {
  optimizer: OptimizerSpec;
  /** One loss for every output, a list in output order, or {outputName: loss}. */
  loss: LossSpec | LossSpec[] | Record<string, LossSpec>;
  metrics?: MetricSpec[];
}

export interface CompileConfig {
  optimizer: OptimizerConfig;
  loss: ReturnType<Loss['getConfig']> | ReturnType<Loss['getConfig']>[];
  metrics: string[];
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the examples (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: [ModelData, ModelData];
  callbacks?: CallbackHooks | CallbackHooks[];
  /** 0 silent, 1 progress bar (TTY) or a line per epoch. */
  verbose?: 0 | 1;
  initialEpoch?: number;
  /** Skip the first batches of initialEpoch (resuming mid-epoch from a checkpoint). */
  initialBatch?: number;
  /** Seed of the per-epoch shuffles and dropout masks; drawn from the global generator when omitted. */
  shuffleSeed?: number;
  /**
   * 'plan' (default): each step runs a compiled plan of the forward and backward pass. 'eager' runs
   * op by op through autograd instead: slower, the reference the plans are tested against.
   */
  engine?: 'plan' | 'eager';
  /** Kept for TensorFlow.js code: glassbox lets the event loop run every 200 ms on its own. */
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never' | number;
}

export interface TrainingState {
  shuffleSeed: number;
  epoch: number;
  /** Last completed batch of `epoch` (-1 before the first). */
  batch: number;
}

/** JSON-safe facts about the data a model was trained on, saved with it. */
export interface ModelMetadata {
  featureNames?: string[];
  classNames?: string[];
  groups?: { name: string; indices: number[] }[];
  task?: 'classification' | 'regression';
  imageShape?: number[];
  [key: string]: unknown;
}

export interface EvaluateArgs {
  batchSize?: number;
}

/** Mixes integers into a 32-bit seed (for per-epoch and per-batch generators). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h;
}

/** A metric reported under `prefix + name` (one output of several). */
export function prefixed(prefix: string, metric: Metric): Metric {
  return {
    name: prefix + metric.name,
    reset: () => metric.reset(),
    update: (t: Tensor, p: Tensor) => metric.update(t, p),
    result: () => metric.result(),
  };
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'initialBatch', 'shuffleSeed', 'engine', 'yieldEvery'];

export function checkFitArgs(args: FitArgs, epochs: number, batchSize: number, initialEpoch: number): void {
  const known = new Set(FIT_KEYS);
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw new Error(`fit: unknown option '${key}'; known options: ${FIT_KEYS.join(', ')}`);
  }
  if (args.engine !== undefined && args.engine !== 'plan' && args.engine !== 'eager') {
    throw new Error(`fit: engine must be 'plan' or 'eager', got '${String(args.engine)}'`);
  }
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
    throw new Error(`fit: initialEpoch must be an integer in [0, epochs), got ${initialEpoch}`);
  }
  if (args.validationSplit !== undefined && !(args.validationSplit > 0 && args.validationSplit < 1)) {
    throw new Error(`fit: validationSplit must be in (0, 1), got ${args.validationSplit}`);
  }
  if (args.validationData !== undefined && (!Array.isArray(args.validationData) || args.validationData.length !== 2)) {
    throw new Error('fit: validationData must be [x, y]');
  }
}
