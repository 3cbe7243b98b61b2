// Merges shard explanations, in row order, into the Explanation one run over all rows gives (Shapley driver's diagnostics).

import { Explanation, type JsonValue } from '../explain/explanation.js';

/** Diagnostics that are a worst case over rows. */
const MAXIMA = new Set(['additivityGap', 'completenessGap']);

/**
 * `parts` in row order; `data` the whole set's rows. Every shard must agree on names, shapes and settings. The Shapley
 * driver counts modelRows as f(x) for all rows + the background once + each row's coalitions; a shard counts its
 * background and coalitions, so the merge counts the background once and adds the rows' f(x) the submitter computed.
 */
export function mergeShards(parts: Explanation[], data: Float32Array): Explanation {
  if (parts.length === 0) throw new Error('merge: no shards');
  const first = parts[0];
  for (const [i, p] of parts.entries()) {
    for (const k of ['method', 'kind', 'features', 'outputs', 'settings', 'inputShape', 'featureNames', 'inputNames', 'groups', 'outputNames'] as const) {
      if (JSON.stringify(p[k]) !== JSON.stringify(first[k])) {
        throw new Error(`merge: shard ${i} disagrees with shard 0 on ${k}; run the same glassbox version on every worker`);
      }
    }
  }
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const cat = (get: (p: Explanation) => Float32Array | null, width: number): Float32Array | null => {
    if (parts.every((p) => get(p) === null)) return null;
    const out = new Float32Array(rows * width);
    let at = 0;
    for (const p of parts) {
      const a = get(p);
      if (a) out.set(a, at);
      at += p.rows * width;
    }
    return out;
  };
  const { features: G, outputs: K } = first;
  const targets = cat((p) => (p.targets ? Float32Array.from(p.targets) : null), 1);
  return new Explanation({
    ...first, rows, values: cat((p) => p.values, G * K)!, stdErrors: cat((p) => p.stdErrors, G * K), baseValues: cat((p) => p.baseValues, K)!,
    predictions: cat((p) => p.predictions, K), data, targets: targets ? Int32Array.from(targets) : null,
    diagnostics: mergeDiagnostics(parts, rows), displayData: null, rowIndices: null,
  });
}

function mergeDiagnostics(parts: Explanation[], rows: number): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const background = Number(parts[0].settings.backgroundRows ?? 0);
  for (const key of Object.keys(parts[0].diagnostics)) {
    const vals = parts.map((p, i) => {
      if (!(key in p.diagnostics)) throw new Error(`merge: shard ${i} has no diagnostic '${key}'`);
      return p.diagnostics[key];
    });
    const v0 = vals[0];
    if (key === 'modelRows') out[key] = (vals as number[]).reduce((s, v) => s + v, 0) - (parts.length - 1) * background + rows;
    else if (MAXIMA.has(key)) out[key] = Math.max(...(vals as number[]));
    else if (Array.isArray(v0)) out[key] = (vals as JsonValue[][]).flat();
    else if (typeof v0 === 'boolean') out[key] = vals.some(Boolean);
    else if (vals.every((v) => JSON.stringify(v) === JSON.stringify(v0))) out[key] = v0;
    else throw new Error(`merge: shards disagree on diagnostic '${key}' and there is no rule to combine it`);
  }
  return out;
}
