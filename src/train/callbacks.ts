// Training callbacks: the hook interface, a list that dispatches to many, and early stopping.

import type { Tensor } from '../tensor/tensor.js';

export type Logs = Record<string, number>;

/** What callbacks may see and steer of the model being trained. */
export interface TrainableModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
}

export interface CallbackHooks {
  setModel?(model: TrainableModel): void;
  setParams?(params: TrainingParams): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

export interface TrainingParams {
  epochs: number;
  initialEpoch: number;
  samples: number;
  batchSize: number;
  stepsPerEpoch: number;
  metrics: string[];
}

/** Base class with no-op hooks; subclass and override what you need. */
export class Callback implements CallbackHooks {
  model: TrainableModel | null = null;
  params: TrainingParams | null = null;
  setModel(model: TrainableModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

export class CallbackList {
  /** Whether any callback wants per-batch calls (checked once: fit asks on every batch). */
  readonly hasBatchHooks: boolean;

  constructor(readonly callbacks: CallbackHooks[]) {
    this.hasBatchHooks = callbacks.some((c) => c.onBatchEnd || c.onBatchBegin);
  }

  setModel(model: TrainableModel, params: TrainingParams): void {
    for (const c of this.callbacks) {
      c.setModel?.(model);
      c.setParams?.(params);
    }
  }

  async trainBegin(logs: Logs = {}) {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs = {}) {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs = {}) {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs) {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs) {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs) {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}

/** Stops when the monitored value has not improved by minDelta for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly better: (a: number, b: number) => boolean;
  private readonly baseline: number;
  private best = NaN;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    const mode = options.mode ?? 'auto';
    const maximise = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/.test(this.monitor));
    this.better = maximise ? (a, b) => a > b + this.minDelta : (a, b) => a < b - this.minDelta;
    this.baseline = options.baseline ?? NaN;
    this.best = this.baseline;
  }

  /** Every fit starts afresh (Keras semantics), so a reused callback does not carry an old best. */
  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.best = this.baseline;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`earlyStopping: metric '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')}); ` +
        `monitor one of those, or pass validation data for val_* metrics`);
    }
    if (Number.isNaN(this.best) || this.better(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      return;
    }
    this.wait++;
    // Keras and TensorFlow.js: stop once `patience` epochs in a row have not improved.
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch >= 0) this.model!.setWeights(this.bestWeights);
  }
}

export const callbacks = {
  earlyStopping: (options?: EarlyStoppingOptions) => new EarlyStopping(options),
};

/** What fit returns: per-epoch logs. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
