// Feature groups: validation, the input-to-group map explainers work with, and image patch groups.

import type { FeatureGroup } from './types.js';

/** Groups as explainers use them: G units, each a list of input columns. */
export interface ResolvedGroups {
  /** Names of the attributed units (group names, or the input names when ungrouped). */
  names: string[];
  /** Input columns of each unit. */
  members: Int32Array[];
  /** For each input column, its unit, or -1 when no group holds it (it then always keeps its value). */
  groupOf: Int32Array;
  /** The groups as given, or null when each input is its own unit. */
  groups: FeatureGroup[] | null;
}

/** Checks groups (non-empty, disjoint, in range) and builds the maps; null groups = one unit per input. */
export function resolveGroups(groups: FeatureGroup[] | null, inputs: number, inputNames: string[]): ResolvedGroups {
  const groupOf = new Int32Array(inputs).fill(-1);
  if (groups === null) {
    for (let i = 0; i < inputs; i++) groupOf[i] = i;
    return { names: [...inputNames], members: Array.from({ length: inputs }, (_, i) => Int32Array.of(i)), groupOf, groups: null };
  }
  if (!Array.isArray(groups) || groups.length === 0) throw new Error('explain: groups must be a non-empty array of {name, indices}');
  const members: Int32Array[] = [];
  groups.forEach((g, gi) => {
    if (typeof g.name !== 'string' || !Array.isArray(g.indices) || g.indices.length === 0) {
      throw new Error(`explain: group ${gi} must have a name and a non-empty indices array`);
    }
    for (const i of g.indices) {
      if (!Number.isInteger(i) || i < 0 || i >= inputs) throw new Error(`explain: group '${g.name}' has index ${i}, outside 0..${inputs - 1}`);
      if (groupOf[i] !== -1) throw new Error(`explain: input ${i} is in groups '${groups[groupOf[i]].name}' and '${g.name}'; groups must not overlap`);
      groupOf[i] = gi;
    }
    members.push(Int32Array.from(g.indices));
  });
  return { names: groups.map((g) => g.name), members, groupOf, groups: groups.map((g) => ({ name: g.name, indices: [...g.indices] })) };
}

/**
 * Square patches of an image stored row-major as [height, width, channels] (channels last):
 * patch groups named "r{row}c{col}" by the patch's top-left pixel, e.g. 49 groups of 4x4 for 28x28.
 */
export function patchGroups(height: number, width: number, patch: number, channels = 1): FeatureGroup[] {
  if (![height, width, patch, channels].every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error('patchGroups: height, width, patch and channels must be positive integers');
  }
  const groups: FeatureGroup[] = [];
  for (let r0 = 0; r0 < height; r0 += patch) {
    for (let c0 = 0; c0 < width; c0 += patch) {
      const indices: number[] = [];
      for (let r = r0; r < Math.min(r0 + patch, height); r++) {
        for (let c = c0; c < Math.min(c0 + patch, width); c++) {
          for (let ch = 0; ch < channels; ch++) indices.push((r * width + c) * channels + ch);
        }
      }
      groups.push({ name: `r${r0}c${c0}`, indices });
    }
  }
  return groups;
}
