// resumeTraining: continue a checkpointed fit exactly where it stopped (same shuffles, dropout masks, optimiser state).

import type { Tensor } from '../tensor/tensor.js';
import type { FitArgs } from '../train/fit-args.js';
import type { LayersModel } from '../train/layers-model.js';
import type { CallbackHooks } from '../train/callbacks.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { ModelCheckpoint } from './model-checkpoint.js';
import type { CheckpointState } from './model-format.js';

export interface ResumeResult {
  model: LayersModel<Tensor>;
  /** Per-epoch logs of the whole run: the checkpointed part followed by the resumed part. */
  history: CheckpointState['history'];
  checkpoint: LoadedCheckpoint;
}

/**
 * Loads the checkpoint in `dir` and calls fit with the same data and arguments as the original run;
 * ModelCheckpoint callbacks among `args.callbacks` continue its history and best value.
 * The data, batchSize and epochs must be those of the original run (checked against the checkpoint).
 */
export async function resumeTraining(dir: string, x: Tensor, y: Tensor, args: FitArgs = {}): Promise<ResumeResult> {
  const checkpoint = await loadCheckpoint(dir);
  const { model, state, resume } = checkpoint;
  const epochs = args.epochs ?? 1;
  if (state.epochs !== 0 && epochs !== state.epochs) {
    throw new Error(`resumeTraining: the checkpoint was taken in a run of ${state.epochs} epochs; pass epochs: ${state.epochs}`);
  }
  const batchSize = args.batchSize ?? 32;
  const rows = args.validationSplit ? Math.floor(x.shape[0] * (1 - args.validationSplit)) : x.shape[0];
  const steps = Math.ceil(rows / batchSize);
  if (state.stepsPerEpoch !== 0 && steps !== state.stepsPerEpoch) {
    throw new Error(
      `resumeTraining: the checkpoint has ${state.stepsPerEpoch} batches per epoch, this data and batchSize give ${steps}; ` +
        'resume with the same data and batchSize as the original run',
    );
  }
  const history = structuredClone(state.history);
  if (resume.initialEpoch >= epochs) return { model, history, checkpoint };
  const callbacks: CallbackHooks[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  for (const c of callbacks) if (c instanceof ModelCheckpoint) c.restore(state);
  const more = await model.fit(x, y, { ...args, callbacks, ...resume });
  history.epoch.push(...more.epoch);
  for (const [k, v] of Object.entries(more.history)) (history.history[k] ??= []).push(...v);
  return { model, history, checkpoint };
}
