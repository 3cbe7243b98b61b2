// Ctrl-C during training: save a checkpoint after the current batch, stop fit, and let the caller exit.

import type { AnyLayersModel } from '../train/layers-model.js';
import { ModelCheckpoint } from './model-checkpoint.js';

export interface InterruptHandle {
  /** Pass this to fit's callbacks (unless you passed your own ModelCheckpoint in). */
  callback: ModelCheckpoint;
  /** True once a checkpoint was saved because of a signal. */
  readonly interrupted: boolean;
  /** Removes the signal handlers. */
  uninstall(): void;
}

export interface InterruptOptions {
  /** Signals to handle (default SIGINT and SIGTERM). */
  signals?: NodeJS.Signals[];
  /** Told when the first signal arrives (default: a line on stderr). */
  onSignal?: (message: string) => void;
  /** Exit code when a signal arrives outside training or a second time (default 130). */
  exitCode?: number;
}

/**
 * On the first Ctrl-C during fit, saves a checkpoint after the current batch and stops training;
 * a second Ctrl-C, or one outside training, exits at once. Give it the run's ModelCheckpoint (so the
 * interrupt checkpoint keeps its history and best value) or a model and a checkpoint folder.
 */
export function installInterruptCheckpoint(target: ModelCheckpoint | AnyLayersModel, dir?: string, options: InterruptOptions = {}): InterruptHandle {
  let callback: ModelCheckpoint;
  if (target instanceof ModelCheckpoint) callback = target;
  else {
    if (!dir) throw new Error('installInterruptCheckpoint: pass the checkpoint folder, e.g. installInterruptCheckpoint(model, "runs/x/checkpoint")');
    callback = new ModelCheckpoint({ dir, everyEpoch: false });
    callback.setModel(target);
  }
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const tell = options.onSignal ?? ((m: string) => process.stderr.write(m + '\n'));
  const exitCode = options.exitCode ?? 130;
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1 || !callback.isTraining) process.exit(exitCode);
    tell(`${signal}: saving a checkpoint to ${callback.dir} after this batch (press Ctrl-C again to quit without saving)`);
    callback.requestInterrupt();
  };
  for (const s of signals) process.on(s, handler);
  return {
    callback,
    get interrupted() {
      return callback.interrupted;
    },
    uninstall() {
      for (const s of signals) process.off(s, handler);
    },
  };
}
