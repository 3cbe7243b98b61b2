// Checkpoints: a model folder whose model.json also records training state, plus optimiser slots in the weights.

import { Tensor } from '../tensor/tensor.js';
import type { AnyLayersModel, LayersModel } from '../train/layers-model.js';
import { getRng } from '../util/random.js';
import { weightManifest } from './artifacts.js';
import { saveModel, loadModelWithState } from './save-load.js';
import type { CheckpointState } from './model-format.js';

export type { CheckpointState };

/** Where a run stands, as ModelCheckpoint records it. */
export type TrainingProgress = Omit<CheckpointState, 'optimizer' | 'rng'>;

/** What `fit` needs to continue a checkpointed run exactly where it stopped. */
export interface ResumeArgs {
  initialEpoch: number;
  initialBatch: number;
  shuffleSeed: number;
}

export interface LoadedCheckpoint {
  model: LayersModel<Tensor>;
  state: CheckpointState;
  /** Spread into fit's arguments: `model.fit(x, y, {...fitArgs, ...resume})`. */
  resume: ResumeArgs;
  /** True when the checkpointed run had already finished all its epochs. */
  finished: boolean;
}

const OPTIMIZER_PREFIX = 'optimizer/';

/** Saves weights, optimiser state (slots and step count), the global RNG state and `progress` into `dir`. */
export async function saveCheckpoint(model: AnyLayersModel, dir: string, progress: TrainingProgress): Promise<void> {
  const tensors: [string, Tensor][] = [];
  let optimizer: CheckpointState['optimizer'] = null;
  if (model.optimizer) {
    const names = weightManifest(model).flat();
    const index = new Map(model.weights.map((v, i) => [v.name, i]));
    const slots: Record<string, string> = {};
    for (const { name, tensor } of model.optimizer.getWeights()) {
      if (name === 'iterations') continue;
      const cut = name.lastIndexOf('/');
      const i = index.get(name.slice(0, cut));
      if (i === undefined) continue; // State of a variable that is not part of this model.
      const key = `${OPTIMIZER_PREFIX}${names[i]}/${name.slice(cut + 1)}`;
      slots[key] = `${i}/${name.slice(cut + 1)}`;
      tensors.push([key, tensor]);
    }
    optimizer = { iterations: model.optimizer.iterations, slots };
  }
  const state: CheckpointState = { ...progress, optimizer, rng: getRng().getState() };
  await saveModel(model, dir, { tensors, checkpoint: state });
}

/** Resume arguments for fit from a checkpoint's state. */
export function resumeArgsFor(state: CheckpointState): ResumeArgs {
  const epochDone = state.batch < 0 || state.batch + 1 >= state.stepsPerEpoch;
  return {
    initialEpoch: epochDone ? state.epoch + 1 : state.epoch,
    initialBatch: epochDone ? 0 : state.batch + 1,
    shuffleSeed: state.shuffleSeed,
  };
}

/**
 * Loads a checkpoint folder: the model with its weights and compile config, the optimiser's slots and
 * step count, and the global RNG state; returns the arguments that make fit continue where it stopped.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { model, document, tensors } = await loadModelWithState(dir);
  const state = document.checkpoint;
  if (!state) throw new Error(`${dir}: this is a saved model, not a checkpoint (it has no training state); load it with loadModel`);
  if (state.optimizer) {
    if (!model.optimizer) throw new Error(`${dir}: the checkpoint has optimiser state but no compile config`);
    const vars = model.weights;
    const restored = [{ name: 'iterations', tensor: new Tensor(new Float32Array([state.optimizer.iterations]), []) }];
    for (const [key, where] of Object.entries(state.optimizer.slots)) {
      const cut = where.indexOf('/');
      const i = Number(where.slice(0, cut));
      const tensor = tensors.get(key);
      if (!Number.isInteger(i) || i < 0 || i >= vars.length || !tensor) {
        throw new Error(`${dir}: optimiser slot '${key}' is missing from the weights or names no weight of the model`);
      }
      restored.push({ name: `${vars[i].name}/${where.slice(cut + 1)}`, tensor });
    }
    model.optimizer.setWeights(restored, vars);
    model.optimizer.iterations = state.optimizer.iterations; // Exact, where the float32 tensor might round.
  }
  getRng().setState(state.rng);
  const resume = resumeArgsFor(state);
  return { model: model as LayersModel<Tensor>, state, resume, finished: resume.initialEpoch >= state.epochs };
}
