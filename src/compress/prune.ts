// Magnitude pruning. Unstructured: the smallest |w| of every unit kernel (Dense, Conv) set to zero (a mask per kernel,
// kept through fine-tuning), in one shot or on a gradual schedule. Structured: whole units / conv filters with
// the smallest L1 norm removed, which rebuilds the layers smaller (and the layers that read them narrower).

import { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../autograd/variable.js';
import type { Layer } from '../nn/layer.js';
import { deserializeLayer } from '../nn/registry.js';
import type { Sequential } from '../train/sequential.js';
import type { CallbackHooks } from '../train/callbacks.js';
import { copyCompiled } from './model-copy.js';

/** The kernels magnitude pruning acts on: those of the layers that are unit kernels (Dense, Conv1D/2D). */
export function prunableKernels(model: Sequential): { layer: Layer; kernel: Variable }[] {
  const out: { layer: Layer; kernel: Variable }[] = [];
  for (const layer of model.layers) {
    const unit = layer.unitKernel();
    if (unit) out.push({ layer, kernel: unit.kernel });
  }
  return out;
}

/** A kernel's keep-mask: 1 keeps a weight, 0 holds it at zero. */
export interface PruneMask {
  kernel: Variable;
  mask: Uint8Array;
}

function checkFraction(what: string, f: number): void {
  if (!(f >= 0 && f < 1)) throw new Error(`${what} must be in [0, 1) (the fraction removed), got ${f}`);
}

/**
 * Masks that zero round(sparsity * n) of the smallest-magnitude weights of each kernel (per layer, so
 * every kernel ends exactly that sparse); ties broken by position, so the result is deterministic.
 */
export function magnitudeMasks(model: Sequential, sparsity: number): PruneMask[] {
  checkFraction('prune: sparsity', sparsity);
  return prunableKernels(model).map(({ kernel }) => {
    const w = kernel.values as Float32Array;
    const n = w.length;
    const drop = Math.round(sparsity * n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
    const mask = new Uint8Array(n).fill(1);
    for (let i = 0; i < drop; i++) mask[order[i]] = 0;
    return { kernel, mask };
  });
}

/** Zeroes the masked weights in place. */
export function applyMasks(masks: readonly PruneMask[]): void {
  for (const { kernel, mask } of masks) {
    const w = kernel.values as Float32Array;
    for (let i = 0; i < w.length; i++) if (mask[i] === 0) w[i] = 0;
  }
}

/** A fit callback that re-applies the masks after every step, so pruned weights stay zero while the rest train. */
export function keepPruned(masks: () => readonly PruneMask[]): CallbackHooks {
  return { onBatchEnd: () => applyMasks(masks()) };
}

/**
 * Sparsity at fine-tuning epoch `epoch` of `epochs` on the gradual schedule (Zhu & Gupta 2017): a cubic ramp
 * s_f (1 - (1 - t)^3) that reaches the target at the start of the last epoch, which trains at full sparsity.
 * One-shot pruning (or a single epoch) starts at the target.
 */
export function scheduledSparsity(target: number, epoch: number, epochs: number, schedule: 'one-shot' | 'gradual'): number {
  if (schedule === 'one-shot' || epochs <= 1) return target;
  const t = Math.min(1, (epoch + 1) / (epochs - 1));
  return target * (1 - (1 - t) ** 3);
}

/** A copy of a model (same layers, names, weights, metadata and compile config) that compression can change freely. */
export function cloneModel(model: Sequential): Sequential {
  const copy = copyCompiled(model, model.layers.map((l) => deserializeLayer(l.serialize())));
  copy.setWeights(model.getWeights());
  return copy;
}

/** Fraction of kernel weights (Dense / Conv) that are exactly zero. */
export function kernelSparsity(model: Sequential): number {
  let zeros = 0;
  let total = 0;
  for (const { kernel } of prunableKernels(model)) {
    for (const v of kernel.values) if (v === 0) zeros++;
    total += kernel.size;
  }
  return total === 0 ? 0 : zeros / total;
}

export interface FineTuneData {
  x: Tensor;
  y: Tensor;
  /** Fine-tuning epochs (0: prune without training). */
  epochs: number;
  batchSize?: number;
  /** Seed of the shuffles (and dropout) of the fine-tuning epochs. */
  seed?: number;
}

export interface UnstructuredOptions {
  /** Fraction of every kernel's weights set to zero, in [0, 1). */
  sparsity: number;
  /** 'gradual' (default): the cubic ramp over the fine-tuning epochs; 'one-shot': the target at once. */
  schedule?: 'one-shot' | 'gradual';
}

/**
 * Unstructured magnitude pruning of a copy of `model`: masks recomputed at the start of each fine-tuning
 * epoch on the schedule (prune-then-train with one-shot), held through every step; returns the pruned copy.
 */
export async function pruneUnstructured(model: Sequential, options: UnstructuredOptions, tune: FineTuneData | null = null): Promise<Sequential> {
  checkFraction('prune: sparsity', options.sparsity);
  const schedule = options.schedule ?? 'gradual';
  if (schedule !== 'gradual' && schedule !== 'one-shot') throw new Error(`prune: schedule must be 'gradual' or 'one-shot', got '${String(schedule)}'`);
  const out = cloneModel(model);
  const epochs = tune?.epochs ?? 0;
  if (!tune || epochs === 0) {
    applyMasks(magnitudeMasks(out, options.sparsity));
    return out;
  }
  requireCompiled(out);
  let masks: PruneMask[] = [];
  const callbacks: CallbackHooks[] = [
    {
      onEpochBegin: (epoch: number) => {
        masks = magnitudeMasks(out, scheduledSparsity(options.sparsity, epoch, epochs, schedule));
        applyMasks(masks);
      },
    },
    keepPruned(() => masks),
  ];
  await out.fit(tune.x, tune.y, { epochs, batchSize: tune.batchSize ?? 32, shuffleSeed: tune.seed ?? 1, verbose: 0, callbacks });
  // The last epoch ran at the target; re-applying is a no-op then, and exact if fit stopped early.
  applyMasks(magnitudeMasks(out, options.sparsity));
  return out;
}

function requireCompiled(model: Sequential): void {
  if (!model.compileConfig) throw new Error('prune: fine-tuning needs the model compiled with its loss (a saved model keeps it); pass epochs 0 to prune without training');
}

/** Layers a pruned unit's channel passes through unchanged (channels-last), on its way to the next layer that reads it. */
const PASS_THROUGH = new Set(['Dropout', 'Activation', 'MaxPooling1D', 'MaxPooling2D', 'AveragePooling1D', 'AveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'ZeroPadding2D']);

/** The values of t at `indices` along `axis`. */
function takeAlong(t: Tensor, axis: number, indices: readonly number[]): Tensor {
  const shape = [...t.shape];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = shape[axis];
  const out = new Float32Array(outer * indices.length * inner);
  for (let o = 0; o < outer; o++) {
    indices.forEach((idx, k) => out.set(t.values.subarray((o * dim + idx) * inner, (o * dim + idx + 1) * inner), (o * indices.length + k) * inner));
  }
  shape[axis] = indices.length;
  return new Tensor(out, shape);
}

/** Whether the units of layer i can be removed: a Dense / Conv whose output reaches another Dense / Conv only through layers that keep channels. */
function structurallyPrunable(layers: readonly Layer[], i: number): boolean {
  if (!layers[i].unitKernel()) return false;
  for (let j = i + 1; j < layers.length; j++) {
    const l = layers[j];
    if (l.unitKernel()) return true;
    if (!PASS_THROUGH.has(l.className) && l.className !== 'BatchNormalization' && l.className !== 'Flatten') return false;
  }
  return false;
}

/** Units kept: the (1 - fraction) with the largest L1 norm of incoming weights, in their original order; at least one. */
function keptUnits(kernel: Tensor, fraction: number): number[] {
  const units = kernel.shape[kernel.rank - 1];
  const norms = new Float64Array(units);
  kernel.values.forEach((v, i) => (norms[i % units] += Math.abs(v)));
  const keep = Math.max(1, units - Math.round(fraction * units));
  return Array.from({ length: units }, (_, u) => u).sort((a, b) => norms[b] - norms[a] || a - b).slice(0, keep).sort((a, b) => a - b);
}

export interface StructuredResult {
  model: Sequential;
  /** Units / filters before and after, per pruned layer. */
  layers: { name: string; before: number; after: number }[];
}

/**
 * Structured pruning: removes `fraction` of the units (Dense) or filters (Conv) of every layer whose outputs
 * feed another Dense / Conv through channel-preserving layers (batch norm, pooling, dropout, activations,
 * flatten), choosing those with the smallest L1 norm; the following layers lose the matching inputs. The
 * output layer keeps every unit. Returns a new, smaller model (not fine-tuned).
 */
export function pruneStructured(model: Sequential, fraction: number): StructuredResult {
  checkFraction('prune: fraction of units', fraction);
  const layers = model.layers;
  let shape = model.inputShape;
  /** Kept indices of the current activation's last axis (null: all). */
  let keep: number[] | null = null;
  const rebuilt: Layer[] = [];
  const weights: Tensor[][] = [];
  const report: StructuredResult['layers'] = [];
  layers.forEach((layer, i) => {
    const outShape = layer.computeOutputShape(shape);
    const config = { ...layer.getConfig() };
    if (i === 0) config.inputShape = [...shape];
    let w = layer.getWeights();
    const unit = layer.unitKernel();
    if (unit) {
      const kernel = w[0];
      let k = keep ? takeAlong(kernel, kernel.rank - 2, keep) : kernel;
      let units: number[] | null = null;
      if (structurallyPrunable(layers, i)) {
        units = keptUnits(k, fraction);
        k = takeAlong(k, k.rank - 1, units);
        report.push({ name: layer.name, before: config[unit.unitsKey] as number, after: units.length });
        config[unit.unitsKey] = units.length;
      }
      w = [k, ...(w.length > 1 ? [units ? takeAlong(w[1], 0, units) : w[1]] : [])];
      keep = units;
    } else if (layer.className === 'BatchNormalization') {
      if (keep) w = w.map((t) => takeAlong(t, 0, keep!));
    } else if (layer.className === 'Flatten') {
      if (keep) {
        const channels = shape[shape.length - 1];
        const positions = shape.slice(0, -1).reduce((a, b) => a * b, 1);
        const kept: number[] = keep;
        keep = Array.from({ length: positions }, (_, p) => kept.map((c) => p * channels + c)).flat();
      }
    } else if (keep && !PASS_THROUGH.has(layer.className)) {
      throw new Error(`prune: layer '${layer.name}' (${layer.className}) cannot follow a structurally pruned layer (internal error)`);
    }
    rebuilt.push(deserializeLayer({ className: layer.className, config }));
    weights.push(w);
    shape = outShape;
  });
  const out = copyCompiled(model, rebuilt);
  out.layers.forEach((l, i) => l.setWeights(weights[i]));
  return { model: out, layers: report };
}

/** Fine-tunes a (structurally pruned) model in place: `epochs` of fit on (x, y). */
export async function fineTune(model: Sequential, tune: FineTuneData): Promise<void> {
  if (tune.epochs === 0) return;
  requireCompiled(model);
  await model.fit(tune.x, tune.y, { epochs: tune.epochs, batchSize: tune.batchSize ?? 32, shuffleSeed: tune.seed ?? 1, verbose: 0 });
}
