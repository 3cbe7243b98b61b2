// How far a compressed model's explanations moved from the original's: the global importances of both (the
// same explainer, data and seed) compared by Spearman rank correlation and by the overlap of their top features.

import type { Tensor } from '../tensor/tensor.js';
import type { Sequential } from '../train/sequential.js';
import { permutationImportance } from '../explain/permutation-importance.js';
import type { FeatureGroup } from '../explain/types.js';

export interface ExplanationShift {
  method: 'permutation-importance';
  /** Features or groups compared, with both models' importances. */
  names: string[];
  before: number[];
  after: number[];
  /** Spearman rank correlation of the importances (1: same order). */
  spearman: number;
  /** Inputs in both top-k lists (inputs with importance > 0 only), over k. */
  topOverlap: number;
  k: number;
  rows: number;
}

/** Ranks 1..n with ties sharing their average rank. */
export function averageRanks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) ranks[order[t][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation of the average ranks; 1 when both are constant (nothing to order), NaN never. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} and ${b.length} values`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (ra.length + 1) / 2;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) ** 2;
    sbb += (rb[i] - mean) ** 2;
  }
  if (saa === 0 && sbb === 0) return 1;
  if (saa === 0 || sbb === 0) return 0;
  return sab / Math.sqrt(saa * sbb);
}

/** The k most important inputs; only those whose shuffling costs something (importance > 0) can be among them. */
function topK(v: readonly number[], k: number): Set<number> {
  return new Set(v.map((x, i) => [x, i] as const).filter(([x]) => x > 0).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map(([, i]) => i));
}

export interface ShiftOptions {
  /** Attribute to these groups of inputs (image patches, one-hot columns) instead of single inputs. */
  groups?: FeatureGroup[];
  featureNames?: string[];
  /** Permutations per feature (default 3). */
  repeats?: number;
  seed?: number;
  /** Size of the top lists compared (default 10, at most the number of features). */
  k?: number;
}

/**
 * Permutation importance of both models on the same rows (x, y: class indices or values), then their rank
 * correlation and top-k overlap: does the cheaper model still rely on the same inputs?
 */
export async function explanationShift(before: Sequential, after: Sequential, x: Tensor, y: Tensor, options: ShiftOptions = {}): Promise<ExplanationShift> {
  const opts = { y, nRepeats: options.repeats ?? 3, seed: options.seed ?? 0, groups: options.groups, featureNames: options.featureNames };
  const a = await permutationImportance(before, x, opts);
  const b = await permutationImportance(after, x, opts);
  const va = Array.from(a.values);
  const vb = Array.from(b.values);
  const k = Math.min(options.k ?? 10, va.length);
  const ta = topK(va, k);
  const overlap = [...topK(vb, k)].filter((i) => ta.has(i)).length / Math.max(k, 1);
  return { method: 'permutation-importance', names: [...a.featureNames], before: va, after: vb, spearman: spearman(va, vb), topOverlap: overlap, k, rows: x.shape[0] };
}
