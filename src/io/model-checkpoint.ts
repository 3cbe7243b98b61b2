// The modelCheckpoint callback: saves a resumable checkpoint every epoch or every N batches, and the best model.

import { Callback, type Logs, type TrainableModel, type TrainingParams } from '../train/callbacks.js';
import { LayersModel, type AnyLayersModel } from '../train/layers-model.js';
import { saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { saveModel } from './save-load.js';

export interface ModelCheckpointOptions {
  /** Folder of the latest checkpoint; `loadCheckpoint(dir)` / `resumeTraining(dir, ...)` continue from it. */
  dir: string;
  /** Also save every N batches (0 or absent: only at epoch ends). */
  everyBatches?: number;
  /** Save at the end of every epoch (default true). */
  everyEpoch?: boolean;
  /** Metric to watch for the best model, e.g. 'val_loss' or 'val_accuracy'. */
  monitor?: string;
  /** Whether smaller or larger is better; 'auto' picks max for accuracy-like names. */
  mode?: 'min' | 'max' | 'auto';
  /** Folder for the best model so far by `monitor` (a plain saved model; default: none). */
  bestDir?: string;
}

export class ModelCheckpoint extends Callback {
  readonly dir: string;
  readonly everyBatches: number;
  readonly everyEpoch: boolean;
  readonly bestDir: string | null;
  readonly monitor: { name: string; mode: 'min' | 'max' } | null;
  best: number | null = null;
  /** Per-epoch logs, including those of the run a resumed run continues. */
  history: CheckpointState['history'] = { epoch: [], history: {} };
  /** Number of checkpoints written by this callback. */
  saves = 0;
  private lastBatch = -1;
  private interruptRequested = false;
  private interruptSaved = false;
  private training = false;

  constructor(options: ModelCheckpointOptions) {
    super();
    if (!options || typeof options.dir !== 'string' || options.dir === '') throw new Error('modelCheckpoint: pass {dir: "runs/x/checkpoint"}');
    const n = options.everyBatches ?? 0;
    if (!Number.isInteger(n) || n < 0) throw new Error(`modelCheckpoint: everyBatches must be a non-negative integer, got ${n}`);
    this.dir = options.dir;
    this.everyBatches = n;
    this.everyEpoch = options.everyEpoch ?? true;
    this.bestDir = options.bestDir ?? null;
    if (options.monitor) {
      const mode = options.mode ?? 'auto';
      const max = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall|f1/i.test(options.monitor));
      this.monitor = { name: options.monitor, mode: max ? 'max' : 'min' };
    } else {
      if (options.bestDir) throw new Error('modelCheckpoint: bestDir needs a monitor, e.g. {monitor: "val_loss"}');
      this.monitor = null;
    }
  }

  /** Continues the history and best value of a checkpointed run (resumeTraining calls this). */
  restore(state: CheckpointState): void {
    this.history = structuredClone(state.history);
    if (this.monitor && state.monitor && state.monitor.name === this.monitor.name) this.best = state.monitor.best;
  }

  /** Asks for a checkpoint after the current batch, then stops training (Ctrl-C). */
  requestInterrupt(): void {
    this.interruptRequested = true;
  }

  /** True while fit is running with this callback. */
  get isTraining(): boolean {
    return this.training;
  }

  /** True once an interrupt checkpoint has been written. */
  get interrupted(): boolean {
    return this.interruptSaved;
  }

  override setModel(model: TrainableModel): void {
    if (!(model instanceof LayersModel)) throw new Error('modelCheckpoint: works with glassbox models (sequential() or model())');
    super.setModel(model);
  }

  onTrainBegin(): void {
    this.training = true;
  }

  onTrainEnd(): void {
    this.training = false;
  }

  onEpochBegin(): void {
    this.lastBatch = -1;
  }

  async onBatchEnd(batch: number): Promise<void> {
    this.lastBatch = batch;
    if (this.interruptRequested) {
      this.interruptRequested = false;
      await this.save('interrupt', batch);
      this.interruptSaved = true;
      this.sequential.stopTraining = true;
      return;
    }
    if (this.everyBatches > 0 && (batch + 1) % this.everyBatches === 0) await this.save('batch', batch);
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    // An epoch cut short by a stop (Ctrl-C) is not a finished epoch: its state is already in the checkpoint.
    const steps = this.params?.stepsPerEpoch ?? 0;
    if (this.lastBatch + 1 < steps && this.lastBatch >= 0 && this.sequential.stopTraining) return;
    this.history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history.history[k] ??= []).push(v);
    if (this.monitor && this.bestDir) {
      const value = logs[this.monitor.name];
      if (value === undefined) {
        throw new Error(`modelCheckpoint: metric '${this.monitor.name}' is not in the logs (${Object.keys(logs).join(', ')})`);
      }
      const better = this.best === null || (this.monitor.mode === 'min' ? value < this.best : value > this.best);
      if (better && Number.isFinite(value)) {
        this.best = value;
        await saveModel(this.sequential, this.bestDir);
      }
    }
    if (this.everyEpoch) await this.save('epoch', -1, epoch);
  }

  /** Writes a checkpoint now, for the last completed batch (or -1: the epoch is complete). */
  async save(reason: CheckpointState['reason'], batch: number, epoch?: number): Promise<void> {
    const model = this.sequential;
    const ts = model.trainingState;
    if (!ts) throw new Error('modelCheckpoint: the model has no training state yet (save from a fit callback)');
    const params: TrainingParams | null = this.params;
    await saveCheckpoint(model, this.dir, {
      epoch: epoch ?? ts.epoch,
      batch,
      stepsPerEpoch: params?.stepsPerEpoch ?? 0,
      epochs: params?.epochs ?? 0,
      shuffleSeed: ts.shuffleSeed,
      history: this.history,
      monitor: this.monitor ? { ...this.monitor, best: this.best } : null,
      reason,
    });
    this.saves++;
  }

  private get sequential(): AnyLayersModel {
    if (!this.model) throw new Error('modelCheckpoint: used outside fit');
    return this.model as AnyLayersModel;
  }
}

/** Keras-style factory. */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}
