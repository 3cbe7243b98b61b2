// Builds an explainer call from CLI-level choices: background rows, targets, image patches, sample counts.

import type { Tensor } from '../tensor/tensor.js';
import type { LayersModel } from '../train/layers-model.js';
import { takeRows } from '../data/batches.js';
import { Rng } from '../util/random.js';
import { runExplainer, isMethodName, METHODS, NEEDS_BACKGROUND, type MethodName } from '../explain/run.js';
import { patchGroups } from '../explain/groups.js';
import type { Explanation } from '../explain/explanation.js';
import { UserError } from './errors.js';
import { explainOnWorkers, type RedisFlags } from './explain-distributed.js';

export interface ExplainRequest {
  method: string;
  model: LayersModel<Tensor>;
  /** All rows available (the explained rows are chosen from them; background too, unless given). */
  x: Tensor;
  /** Targets of x as the model predicts them (needed by permutation importance only). */
  y?: Tensor;
  rows: number[];
  /** Background rows for the methods that need them (default: sampled from x, leaving out the explained rows). */
  background?: Tensor;
  seed: number;
  backgroundSize: number;
  /** Patch side for image models (0: single pixels). */
  patch: number;
  samples?: number;
  steps?: number;
  /** Layer to attribute to (grad-cam: default the last convolution; layer-integrated-gradients: required). */
  layer?: string;
  /** Occlusion window side and stride on the image grid. */
  window?: number;
  stride?: number;
  onProgress?: (done: number, total: number) => void;
  /** Run on BullMQ workers (glassbox explain --redis URL). */
  distributed?: RedisFlags;
}

/** Which option carries the sample count, per method. */
const SAMPLE_OPTION: Partial<Record<MethodName, string>> = {
  'kernel-shap': 'nSamples', lime: 'nSamples', 'lime-image': 'nSamples', 'smooth-grad': 'nSamples', 'gradient-shap': 'nSamples',
  'sampling-shap': 'nPermutations', 'permutation-importance': 'nRepeats',
};

/** Model-agnostic methods whose cost grows with the number of features: images get patch groups. */
const GROUPED: readonly MethodName[] = ['kernel-shap', 'exact-shapley', 'sampling-shap', 'permutation-importance'];

export async function explainRows(r: ExplainRequest): Promise<Explanation> {
  if (!isMethodName(r.method)) throw new UserError(`--method ${r.method}: unknown; use one of ${METHODS.join(', ')}`);
  const method: MethodName = r.method;
  const imageShape = r.model.metadata.imageShape;
  const options: Record<string, unknown> = { seed: r.seed };
  if (r.onProgress) options.onProgress = (p: { done: number; total: number }) => r.onProgress!(p.done, p.total);
  // Permutation importance is global: it scores the model on the rows asked for, against their targets.
  const explained = takeRows(r.x, r.rows);
  if (method === 'permutation-importance') {
    if (!r.y) throw new UserError('--method permutation-importance scores predictions against the target, which this data does not have');
    options.y = takeRows(r.y, r.rows);
  }
  if (NEEDS_BACKGROUND.includes(method) && r.background) options.background = r.background;
  else if (NEEDS_BACKGROUND.includes(method)) {
    const rowsSet = new Set(r.rows);
    const candidates = Array.from({ length: r.x.shape[0] }, (_, i) => i).filter((i) => !rowsSet.has(i));
    new Rng(r.seed).shuffle(candidates);
    options.background = takeRows(r.x, candidates.slice(0, Math.max(1, r.backgroundSize)));
  }
  if (imageShape && r.patch > 0 && GROUPED.includes(method)) options.groups = patchGroups(imageShape[0], imageShape[1], r.patch);
  if (imageShape && method === 'lime-image') options.imageShape = imageShape;
  if (r.samples !== undefined) {
    const key = SAMPLE_OPTION[method];
    if (!key) throw new UserError(`--samples does not apply to ${method}`);
    options[key] = r.samples;
  }
  if (r.steps !== undefined) {
    if (method !== 'integrated-gradients' && method !== 'layer-integrated-gradients') throw new UserError('--steps applies to integrated-gradients and layer-integrated-gradients only');
    options.steps = r.steps;
  }
  if (r.layer !== undefined) {
    if (method !== 'grad-cam' && method !== 'layer-integrated-gradients') throw new UserError('--layer applies to grad-cam and layer-integrated-gradients only');
    options.layer = r.layer;
  } else if (method === 'layer-integrated-gradients') {
    throw new UserError(`--method layer-integrated-gradients needs --layer <name>; this model's layers: ${r.model.layers.map((l) => l.name).join(', ')}`);
  }
  for (const [flag, value] of [['window', r.window], ['stride', r.stride]] as const) {
    if (value === undefined) continue;
    if (method !== 'occlusion') throw new UserError(`--${flag} applies to occlusion only`);
    options[flag] = value;
  }
  if (imageShape && method === 'occlusion') options.imageShape = imageShape;
  if (r.distributed) return explainOnWorkers(method, r.model, explained, options, r.distributed);
  return runExplainer(method, r.model, explained, options);
}
