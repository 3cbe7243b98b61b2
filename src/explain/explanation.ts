// The Explanation every explainer returns: attributions [rows, features, outputs] plus everything to read them.

import { Tensor } from '../tensor/tensor.js';
import type { FeatureGroup } from './types.js';

export type JsonValue = number | string | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** A feature's value as the user wrote it: a number, a category, or null when missing. */
export type DisplayValue = number | string | null;

/** Where the explained rows came from, in the user's terms (set by table-level callers, e.g. the CLI). */
export interface TableContext {
  /** The raw value of each attributed feature, [rows][features]: numbers as written, categories as strings. */
  displayData?: DisplayValue[][] | null;
  /** Index of each explained row in the data it came from (for a global explanation: the rows scored). */
  rowIndices?: number[] | null;
}

export interface ExplanationInit {
  method: string;
  settings: Record<string, JsonValue>;
  /** 'local': one attribution per explained row; 'global': one row of importances for the whole set. */
  kind: 'local' | 'global';
  rows: number;
  features: number;
  outputs: number;
  /** Attributions, flat [rows, features, outputs]. */
  values: Float32Array;
  /** Standard errors of sampled estimates, same layout as values; null when exact. */
  stdErrors: Float32Array | null;
  /** Base value per row and output (E[f(background)], f(baseline), LIME intercept), flat [rows, outputs]. */
  baseValues: Float32Array;
  /** Model outputs f(x), flat [rows, outputs]; null for global explanations. */
  predictions: Float32Array | null;
  /** The explained rows, flat [rows, ...inputShape]; null for global explanations. */
  data: Float32Array | null;
  inputShape: number[];
  /** Names of the attributed units (features or groups). */
  featureNames: string[];
  /** Names of the input columns. */
  inputNames: string[];
  groups: FeatureGroup[] | null;
  outputNames: string[];
  /** When outputs = 'predicted': the class explained for each row (output 0 holds it). */
  targets: Int32Array | null;
  diagnostics: Record<string, JsonValue>;
  displayData?: DisplayValue[][] | null;
  rowIndices?: number[] | null;
}

export interface ToStringOptions {
  /** Most features listed (default 10). */
  top?: number;
  /** Row to describe (default: the set when rows > 1, else row 0). */
  row?: number;
  /** Output to describe (default: the predicted class, or output 0). */
  output?: number;
}

export class Explanation implements ExplanationInit {
  readonly method!: string;
  readonly settings!: Record<string, JsonValue>;
  readonly kind!: 'local' | 'global';
  readonly rows!: number;
  readonly features!: number;
  readonly outputs!: number;
  readonly values!: Float32Array;
  readonly stdErrors!: Float32Array | null;
  readonly baseValues!: Float32Array;
  readonly predictions!: Float32Array | null;
  readonly data!: Float32Array | null;
  readonly inputShape!: number[];
  readonly featureNames!: string[];
  readonly inputNames!: string[];
  readonly groups!: FeatureGroup[] | null;
  readonly outputNames!: string[];
  readonly targets!: Int32Array | null;
  readonly diagnostics!: Record<string, JsonValue>;
  readonly displayData!: DisplayValue[][] | null;
  readonly rowIndices!: number[] | null;

  constructor(init: ExplanationInit) {
    const n = init.rows * init.features * init.outputs;
    if (init.values.length !== n) throw new Error(`Explanation: ${init.values.length} values for shape [${init.rows}, ${init.features}, ${init.outputs}]`);
    if (init.featureNames.length !== init.features) throw new Error(`Explanation: ${init.featureNames.length} feature names for ${init.features} features`);
    Object.assign(this, { displayData: null, rowIndices: null }, init);
    const d = this.displayData;
    if (d && (d.length !== this.rows || d.some((r) => r.length !== this.features))) {
      throw new Error(`Explanation: displayData must be [${this.rows}][${this.features}] (rows x attributed features)`);
    }
    if (this.rowIndices && this.kind === 'local' && this.rowIndices.length !== this.rows) {
      throw new Error(`Explanation: ${this.rowIndices.length} row indices for ${this.rows} rows`);
    }
  }

  /** The same explanation with the rows' values as the user wrote them and where the rows came from. */
  withTableContext(context: TableContext): Explanation {
    return new Explanation({ ...this, ...context });
  }

  /** True when the attributions add up to the prediction minus the base value (Shapley methods, integrated gradients). */
  get additive(): boolean {
    return typeof this.diagnostics.additivityGap === 'number' || typeof this.diagnostics.completenessGap === 'number';
  }

  /** [rows, features, outputs]. */
  get shape(): [number, number, number] {
    return [this.rows, this.features, this.outputs];
  }

  /** The attributions as nested arrays: array()[row][feature][output] (full float precision). */
  array(): number[][][] {
    const { rows, features, outputs, values } = this;
    return Array.from({ length: rows }, (_, r) =>
      Array.from({ length: features }, (_, f) => Array.from(values.subarray((r * features + f) * outputs, (r * features + f + 1) * outputs))));
  }

  /** The attributions as a tensor of shape [rows, features, outputs] (a copy: changing it leaves the explanation as it is). */
  tensor(): Tensor {
    return new Tensor(Float32Array.from(this.values), [this.rows, this.features, this.outputs]);
  }

  value(row: number, feature: number, output = 0): number {
    return this.values[(row * this.features + feature) * this.outputs + output];
  }

  stdError(row: number, feature: number, output = 0): number {
    return this.stdErrors ? this.stdErrors[(row * this.features + feature) * this.outputs + output] : 0;
  }

  baseValue(row: number, output = 0): number {
    return this.baseValues[row * this.outputs + output];
  }

  prediction(row: number, output = 0): number {
    return this.predictions ? this.predictions[row * this.outputs + output] : NaN;
  }

  /** The class index output `output` refers to for `row` (differs from `output` only when targets are per row). */
  outputIndexOf(row: number, output: number): number {
    return this.targets ? this.targets[row] : output;
  }

  outputName(row: number, output: number): string {
    return this.targets ? `${this.outputNames[this.targets[row]] ?? `class ${this.targets[row]}`}` : this.outputNames[output];
  }

  /** Global importance per feature for one output: mean |attribution| over rows (or the global values). */
  importance(output = 0): Float64Array {
    const imp = new Float64Array(this.features);
    for (let r = 0; r < this.rows; r++) for (let f = 0; f < this.features; f++) imp[f] += Math.abs(this.value(r, f, output)) / this.rows;
    return imp;
  }

  /** A readable value of one attributed unit in one row: as written (displayData), else the number, the active one-hot column, or a summary. */
  featureValue(row: number, feature: number): string {
    if (this.displayData) {
      const v = this.displayData[row][feature];
      return v === null ? 'missing' : String(v);
    }
    if (!this.data) return '';
    const width = this.data.length / this.rows;
    const members = this.groups ? this.groups[feature].indices : [feature];
    const v = (i: number) => this.data![row * width + i];
    if (members.length === 1) return formatNumber(v(members[0]));
    const oneHot = members.every((i) => v(i) === 0 || v(i) === 1) && members.filter((i) => v(i) === 1).length === 1;
    if (oneHot) return this.inputNames[members.find((i) => v(i) === 1)!];
    let s = 0;
    for (const i of members) s += v(i);
    return `mean ${formatNumber(s / members.length)} over ${members.length} inputs`;
  }

  /** The output a single-row description focuses on: the largest prediction for classifiers, else 0. */
  defaultOutput(row: number): number {
    if (this.outputs === 1 || !this.predictions) return 0;
    let best = 0;
    for (let o = 1; o < this.outputs; o++) if (this.prediction(row, o) > this.prediction(row, best)) best = o;
    return best;
  }

  /** ELI5-style text: one row's prediction and top contributions, or the set's global importance. */
  toString(opts: ToStringOptions = {}): string {
    const top = opts.top ?? 10;
    if (this.kind === 'global') return this.globalText(top, opts.output ?? 0);
    if (opts.row === undefined && this.rows > 1) return this.setText(top, opts.output);
    const row = opts.row ?? 0;
    const o = opts.output ?? this.defaultOutput(row);
    const source = this.rowIndices ? ` (data row ${this.rowIndices[row]})` : '';
    const lines = [`${this.method} explanation of row ${row}${source}, output '${this.outputName(row, o)}':`];
    lines.push(`  ${this.headline(row, o)}`);
    const order = sortedBy(this.features, (f) => -Math.abs(this.value(row, f, o)));
    let rest = 0;
    order.forEach((f, k) => {
      const v = this.value(row, f, o);
      if (k < top) {
        const se = this.stdErrors ? ` ± ${formatNumber(this.stdError(row, f, o))}` : '';
        lines.push(`  ${signed(v).padStart(10)}${se}  ${this.featureNames[f]} = ${this.featureValue(row, f)}`);
      } else rest += v;
    });
    if (order.length > top) lines.push(`  ${signed(rest).padStart(10)}  (${order.length - top} other features)`);
    const gap = this.diagnostics.additivityGap ?? this.diagnostics.completenessGap;
    if (typeof gap === 'number') lines.push(`  ${'additivityGap' in this.diagnostics ? 'additivity' : 'completeness'} gap ${gap.toExponential(2)}`);
    return lines.join('\n');
  }

  /** The line above the contributions: an equation only where the attributions add up to the prediction. */
  private headline(row: number, o: number): string {
    const p = formatNumber(this.prediction(row, o));
    const base = formatNumber(this.baseValue(row, o));
    if (this.additive) return `prediction ${p} = base value ${base} + contributions:`;
    if (this.method === 'lime') return `prediction ${p}; weights of a local linear surrogate (intercept ${base}); they do not add up to the prediction:`;
    return `prediction ${p}; attributions (they do not add up to the prediction):`;
  }

  private setText(top: number, output?: number): string {
    const outs = output !== undefined ? [output] : Array.from({ length: Math.min(this.outputs, 3) }, (_, i) => i);
    const lines = [`${this.method} explanation of ${this.rows} rows; global importance (mean |attribution|):`];
    for (const o of outs) {
      if (this.outputs > 1) lines.push(` output '${this.targets ? 'predicted class' : this.outputNames[o]}':`);
      const imp = this.importance(o);
      for (const f of sortedBy(this.features, (f) => -imp[f]).slice(0, top)) lines.push(`  ${formatNumber(imp[f]).padStart(10)}  ${this.featureNames[f]}`);
    }
    if (this.outputs > outs.length) lines.push(` (${this.outputs - outs.length} more outputs; pass { output } to see one)`);
    return lines.join('\n');
  }

  private globalText(top: number, o: number): string {
    const score = typeof this.settings.scoring === 'string' ? ` (drop in ${this.settings.scoring})` : '';
    const std = Array.isArray(this.diagnostics.std) ? (this.diagnostics.std as number[]) : null;
    const lines = [`${this.method}${score}, mean ${std ? '± std over repeats' : ''}:`];
    for (const f of sortedBy(this.features, (f) => -this.value(0, f, o)).slice(0, top)) {
      const se = std ? ` ± ${formatNumber(std[f])}` : this.stdErrors ? ` ± ${formatNumber(this.stdError(0, f, o))}` : '';
      lines.push(`  ${signed(this.value(0, f, o)).padStart(10)}${se}  ${this.featureNames[f]}`);
    }
    return lines.join('\n');
  }

  /** A plain object for JSON: nested arrays [rows][features][outputs] and everything else as is. */
  toJSON(): Record<string, JsonValue> {
    const nest = (a: Float32Array, dims: number[]): JsonValue => {
      if (dims.length === 1) return Array.from(a.subarray(0, dims[0]), round);
      const stride = a.length / dims[0];
      return Array.from({ length: dims[0] }, (_, i) => nest(a.subarray(i * stride, (i + 1) * stride), dims.slice(1)));
    };
    const dims = [this.rows, this.features, this.outputs];
    return {
      method: this.method,
      kind: this.kind,
      shape: dims,
      settings: this.settings,
      featureNames: this.featureNames,
      outputNames: this.outputNames,
      groups: this.groups ? this.groups.map((g) => ({ name: g.name, indices: g.indices })) : null,
      targets: this.targets ? Array.from(this.targets) : null,
      values: nest(this.values, dims),
      stdErrors: this.stdErrors ? nest(this.stdErrors, dims) : null,
      baseValues: nest(this.baseValues, [this.rows, this.outputs]),
      predictions: this.predictions ? nest(this.predictions, [this.rows, this.outputs]) : null,
      inputShape: this.inputShape,
      data: this.data ? nest(this.data, [this.rows, this.data.length / this.rows]) : null,
      displayData: this.displayData,
      rowIndices: this.rowIndices,
      diagnostics: this.diagnostics,
    };
  }
}

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : v;
}

function sortedBy(n: number, key: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

function signed(v: number): string {
  return (v >= 0 ? '+' : '') + formatNumber(v);
}
