// Value of coalitions for interventional Shapley methods: v(S) = E_b[f(x_S, b_rest)], streamed in chunks.
// Generic path: builds perturbed rows chunk by chunk (memory bounded by maxRowsPerCall) and calls the model.
// Shortcut for models whose input first meets one linear map: that map's output is decomposed per group
// (linear-coalitions.ts), so coalitions cost one small GEMM plus the rest of the model; checked against the model.

import type { Background } from './background.js';
import type { ResolvedGroups } from './groups.js';
import type { Model } from './predictor.js';
import { checkAbort } from './predictor.js';
import { firstLinear, shortcutPays, type FirstLinear } from '../plan/linear-first.js';
import type { FastPath } from './types.js';
import { linearCoalitionEvaluator } from './linear-coalitions.js';

export interface CoalitionEvaluator {
  outputs: number;
  /** f(x) per output. */
  fx: Float64Array;
  /** E_b f(b) per output. */
  fnull: Float64Array;
  /** Model rows evaluated so far. */
  rowsEvaluated: number;
  /** Whether the exact first-linear-map shortcut is in use. */
  fastPath: boolean;
  /** v(S) for `count` masks (flat [count, G], 1 = present); returns [count, outputs]. */
  evaluate(masks: Uint8Array, count: number): Promise<Float64Array>;
  /** Returns backend buffers the evaluator holds (the shortcut's matrices) at once; it cannot evaluate after. */
  dispose(): void;
}

export interface EvaluatorOptions {
  maxRowsPerCall: number;
  signal?: AbortSignal;
  /** Shared across rows: f(x) for this row, and the weighted mean model output over the background. */
  fx?: Float64Array;
  fnull?: Float64Array;
  /** The model's first linear map when the shortcut is to be used (chooseShortcut), else null: plain model calls. */
  first: FirstLinear | null;
}

/** Weighted mean of the model's outputs over the background rows. */
export async function backgroundMean(model: Model, bg: Background, inputs: number, opts: { maxRowsPerCall: number; signal?: AbortSignal }): Promise<Float64Array> {
  const y = await callChunked(model, bg.rows, bg.n, inputs, opts);
  const outputs = y.length / bg.n;
  const m = new Float64Array(outputs);
  for (let b = 0; b < bg.n; b++) for (let o = 0; o < outputs; o++) m[o] += bg.weights[b] * y[b * outputs + o];
  return m;
}

/** Builds the evaluator for one explained row `x` (flat, length = inputs). */
export async function coalitionEvaluator(model: Model, x: Float32Array, bg: Background, g: ResolvedGroups, opts: EvaluatorOptions): Promise<CoalitionEvaluator> {
  const inputs = x.length;
  const G = g.members.length;
  const fx = opts.fx ? Float64Array.from(opts.fx) : Float64Array.from((await model.call(x, 1)).values);
  const outputs = fx.length;
  const fnull = opts.fnull ? Float64Array.from(opts.fnull) : await backgroundMean(model, bg, inputs, opts);

  const rows = new DistinctRows(model, x, bg, g, opts);
  const ev: CoalitionEvaluator = {
    outputs, fx, fnull, rowsEvaluated: 0, fastPath: false, dispose: () => {},
    evaluate: async (masks, count) => {
      const out = new Float64Array(count * outputs);
      // Each (coalition, background row) is one distinct row of the model's input; its output is read back by index.
      const index = new Int32Array(count * bg.n);
      for (let s = 0; s < count; s++) {
        checkAbort(opts.signal);
        const mask = masks.subarray(s * G, (s + 1) * G);
        for (let b = 0; b < bg.n; b++) {
          if (rows.full) await rows.flush();
          index[s * bg.n + b] = rows.add(mask, b);
        }
      }
      const y = await rows.flush();
      for (let s = 0; s < count; s++) {
        for (let b = 0; b < bg.n; b++) {
          const w = bg.weights[b];
          const r = index[s * bg.n + b] * outputs;
          for (let o = 0; o < outputs; o++) out[s * outputs + o] += w * y[r + o];
        }
      }
      ev.rowsEvaluated = rows.evaluated;
      return out;
    },
  };
  // Inputs outside every group keep x's value, so the empty coalition is not plain E f(b).
  if (g.groupOf.some((gi) => gi < 0)) ev.fnull.set(await ev.evaluate(new Uint8Array(G), 1));
  const first = opts.first;
  if (!first) return ev;
  const fast = linearCoalitionEvaluator(first, x, bg, g, opts.maxRowsPerCall);
  // The fast path must reproduce the model: check f(x) and f(background) before trusting it.
  const all = new Uint8Array(G).fill(1);
  const none = new Uint8Array(G);
  const [vAll, vNone] = [fast.evaluate(all, 1), fast.evaluate(none, 1)];
  for (let o = 0; o < outputs; o++) {
    if (Math.abs(vAll[o] - fx[o]) > 1e-4 * (1 + Math.abs(fx[o])) || Math.abs(vNone[o] - fnull[o]) > 1e-4 * (1 + Math.abs(fnull[o]))) {
      fast.dispose();
      return ev;
    }
  }
  ev.fastPath = true;
  ev.dispose = fast.dispose;
  ev.evaluate = async (masks, count) => {
    checkAbort(opts.signal);
    ev.rowsEvaluated += count * bg.n;
    return fast.evaluate(masks, count);
  };
  return ev;
}

/**
 * The first linear map to evaluate perturbed rows through, or null for plain model calls, and why: the
 * shortcut needs a model whose input first meets one linear map, and (unless fastPath is 'always') forming
 * z for a perturbed row, `zMacsPerUnit` multiply-adds per unit of z, plus the rest of the model must cost
 * clearly less than the model.
 */
export function chooseShortcut(model: Model, inputs: number, zMacsPerUnit: number, fastPath: FastPath | undefined): { first: FirstLinear | null; choice: string } {
  if (fastPath === false) return { first: null, choice: 'off (fastPath: false)' };
  if (!model.traceable) return { first: null, choice: 'not available: the model is a plain function' };
  const first = firstLinear(model.traceable);
  if (!first || first.inputs !== inputs) return { first: null, choice: 'not available: the input does not first meet one linear map' };
  const zMacs = zMacsPerUnit * first.units;
  const costs = `${Math.round(zMacs + first.restMacs)} vs ${Math.round(first.modelMacs)} multiply-adds per row`;
  if (fastPath !== 'always' && !shortcutPays(first, zMacs)) return { first: null, choice: `not used: through the first ${first.op} it costs more (${costs})` };
  return { first, choice: `first ${first.op} (${costs})` };
}

/**
 * The model's outputs for coalition rows (background row b, with x's values on the groups present),
 * evaluated once per distinct row: a group whose values in x and in b are equal changes nothing there, so
 * coalitions that agree on the groups that differ share one row (exact for any deterministic model). Rows
 * go to the model in calls of at most maxRowsPerCall; outputs are kept by row index for the explained row.
 */
class DistinctRows {
  /** Per background row: the groups where x differs from it, and the row with ungrouped inputs set to x. */
  private readonly differs: Int32Array[] = [];
  private readonly base: Float32Array;
  /** Views of base's rows, made once (a view per added row would be an allocation each). */
  private readonly baseRows: Float32Array[] = [];
  private readonly seen: Map<string | number, number>[];
  private readonly buf: Float32Array;
  private pending = 0;
  private outputs: Float32Array = new Float32Array(0);
  private width = 0;
  private count = 0;
  evaluated = 0;

  constructor(private readonly model: Model, private readonly x: Float32Array, bg: Background, private readonly g: ResolvedGroups, private readonly opts: { maxRowsPerCall: number; signal?: AbortSignal }) {
    const inputs = x.length;
    this.base = Float32Array.from(bg.rows);
    for (let b = 0; b < bg.n; b++) {
      const row = this.base.subarray(b * inputs, (b + 1) * inputs);
      for (let i = 0; i < inputs; i++) if (g.groupOf[i] < 0) row[i] = x[i];
      this.differs.push(Int32Array.from(g.members.map((m, gi) => (m.some((i) => x[i] !== row[i]) ? gi : -1)).filter((gi) => gi >= 0)));
      this.baseRows.push(row);
    }
    this.seen = Array.from({ length: bg.n }, () => new Map());
    this.buf = new Float32Array(Math.max(1, opts.maxRowsPerCall) * inputs);
  }

  /** True when the next new row needs a flush first. */
  get full(): boolean {
    return this.pending * this.x.length >= this.buf.length;
  }

  /** The index of the row for coalition `mask` ([G], 1 = present) on background row b (check `full` first). */
  add(mask: Uint8Array, b: number): number {
    const d = this.differs[b];
    // The key: which differing groups are present (a number while they fit in 52 bits).
    let key: string | number = 0;
    let present = 0;
    if (d.length <= 52) {
      let bit = 1;
      for (let k = 0; k < d.length; k++, bit *= 2) {
        if (mask[d[k]]) {
          key += bit;
          present++;
        }
      }
    } else {
      for (let k = 0; k < d.length; k++) present += mask[d[k]] ? 1 : 0;
      key = Array.from(d, (gi) => mask[gi]).join('');
    }
    const hit = this.seen[b].get(key);
    if (hit !== undefined) return hit;
    const at = this.pending * this.x.length;
    // The row is background row b with x's values on the present groups; outside the differing groups the two
    // agree. Start from whichever side leaves fewer groups to overwrite (coalitions are mostly near empty or full).
    const fromX = 2 * present > d.length;
    this.buf.set(fromX ? this.x : this.baseRows[b], at);
    const src = fromX ? this.baseRows[b] : this.x;
    for (let k = 0; k < d.length; k++) {
      if ((mask[d[k]] !== 0) === fromX) continue;
      const members = this.g.members[d[k]];
      for (let m = 0; m < members.length; m++) this.buf[at + members[m]] = src[members[m]];
    }
    this.pending++;
    const index = this.count++;
    this.seen[b].set(key, index);
    return index;
  }

  /** Evaluates the pending rows; returns every row's outputs so far, [rows, outputs] flat. */
  async flush(): Promise<Float32Array> {
    if (this.pending === 0) return this.outputs;
    checkAbort(this.opts.signal);
    const y = await this.model.call(this.buf, this.pending);
    this.width = y.outputs;
    const start = this.count - this.pending;
    if (this.outputs.length < this.count * this.width) {
      const grown = new Float32Array(Math.max(this.count, 2 * this.outputs.length / Math.max(this.width, 1)) * this.width);
      grown.set(this.outputs);
      this.outputs = grown;
    }
    this.outputs.set(y.values.subarray(0, this.pending * this.width), start * this.width);
    this.evaluated += this.pending;
    this.pending = 0;
    return this.outputs;
  }
}

/** Evaluate a model's rows in chunks; returns outputs [n, outputs]. */
export async function callChunked(model: Model, rows: Float32Array, n: number, inputs: number, opts: { maxRowsPerCall: number; signal?: AbortSignal }): Promise<Float32Array> {
  let out: Float32Array | null = null;
  for (let r0 = 0; r0 < n; r0 += opts.maxRowsPerCall) {
    checkAbort(opts.signal);
    const r1 = Math.min(n, r0 + opts.maxRowsPerCall);
    const y = await model.call(rows.subarray(r0 * inputs, r1 * inputs), r1 - r0);
    out ??= new Float32Array(n * y.outputs);
    out.set(y.values, r0 * y.outputs);
  }
  return out!;
}
