// Everything between a raw table and a model, learned on training rows and saved with the model: encoding, missing-value
// fill-ins, feature scaling, target scaling, and the trivial baseline; applied in reverse to bring outputs back to user units.

import { Tensor } from '../tensor/tensor.js';
import { type CsvTable, isMissing, parseNumber } from './csv-table.js';
import { TabularEncoder, columnIndex, type TabularEncoderJSON } from './encoder.js';
import { optionHint, type OptionStyle } from './option-hints.js';
import { MinMaxScaler, StandardScaler, scalerFromJSON, type Scaler, type ScalerJSON, type StandardScalerJSON } from './scalers.js';

/** What to do with a missing cell: refuse the file, skip the row, or fill in a value learned on the training rows. */
export type MissingPolicy = 'error' | 'drop' | 'impute';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['error', 'drop', 'impute'];

/** The trivial model every result is compared with: the training mean, or the training rows' class counts. */
export type TableBaseline = { kind: 'mean'; value: number } | { kind: 'majority'; classCounts: number[] };

/** A value of one cell as the user wrote it: a number, a category, or null when missing. */
export type DisplayValue = number | string | null;

export interface TablePipelineJSON {
  type: 'TablePipeline';
  encoder: TabularEncoderJSON;
  missing: MissingPolicy;
  /** Values that stand in for missing cells, per feature column (missing: 'impute'). */
  fill: Record<string, number | string> | null;
  featureScaler: ScalerJSON | null;
  /** Standardises a regression target for training; predictions are mapped back through it. */
  targetScaler: StandardScalerJSON | null;
  baseline: TableBaseline | null;
}

export interface PipelineFitOptions {
  missing?: MissingPolicy;
  /** Min-max scale the encoded features to [0, 1] (default true). */
  scaleFeatures?: boolean;
  /** Standardise a regression target (default true). */
  scaleTarget?: boolean;
  style?: OptionStyle;
}

export class TablePipeline {
  constructor(
    readonly encoder: TabularEncoder,
    readonly missing: MissingPolicy,
    readonly fill: Record<string, number | string> | null,
    readonly featureScaler: Scaler | null,
    readonly targetScaler: StandardScaler | null,
    readonly baseline: TableBaseline | null,
  ) {}

  /** Learns fill-ins, scalers and the baseline on the training rows (which must already be free of missing targets). */
  static fit(encoder: TabularEncoder, train: CsvTable, options: PipelineFitOptions = {}): TablePipeline {
    const missing = options.missing ?? 'error';
    const fill = missing === 'impute' ? learnFill(encoder, train) : null;
    const x = encoder.encodeFeatures(train, { fill: fill ?? undefined, style: options.style });
    const featureScaler = options.scaleFeatures === false ? null : new MinMaxScaler().fit(x);
    const y = encoder.encodeTarget(train, { style: options.style });
    const regression = encoder.task === 'regression';
    const targetScaler = regression && options.scaleTarget !== false ? new StandardScaler().fit(y) : null;
    return new TablePipeline(encoder, missing, fill, featureScaler, targetScaler, baselineOf(encoder, y));
  }

  get task() {
    return this.encoder.task;
  }

  get target(): string {
    return this.encoder.target;
  }

  /** What a missing-value error at prediction time advises: only impute models can fill cells in. */
  private missingAdvice(style?: OptionStyle): string {
    const how = this.missing === 'drop' ? 'skipped rows with missing values' : 'refused missing values';
    return `this model ${how} in training, so it has no value to fill in; fill it in, or train again with ${optionHint(style, 'missing', 'impute')}`;
  }

  /** The model's input rows: encoded, missing cells filled in (impute models), scaled. */
  encodeFeatures(table: CsvTable, options: { style?: OptionStyle; unknownCategories?: 'error' | 'ignore' } = {}): Tensor {
    const x = this.encoder.encodeFeatures(table, {
      fill: this.fill ?? undefined, style: options.style, missingAdvice: this.missingAdvice(options.style), unknownCategories: options.unknownCategories,
    });
    return this.featureScaler ? this.featureScaler.transform(x) : x;
  }

  /** The target in user units: class indices (int32 [n]) or values (float32 [n, 1]). */
  targetValues(table: CsvTable, style?: OptionStyle): Tensor {
    return this.encoder.encodeTarget(table, { style });
  }

  /** The target as the model is trained on it (a regression target standardised). */
  encodeTarget(table: CsvTable, style?: OptionStyle): Tensor {
    const y = this.targetValues(table, style);
    return this.targetScaler ? this.targetScaler.transform(y) : y;
  }

  /** Model outputs in user units: regression values mapped back through the target scaler; probabilities as they are. */
  outputsToUnits(out: Tensor): Tensor {
    return this.targetScaler ? this.targetScaler.inverseTransform(out) : out;
  }

  /** Each row's feature values as written: numbers, category strings, null where missing; [rows][feature columns]. */
  displayValues(table: CsvTable): DisplayValue[][] {
    const cols = this.encoder.columns.map((c) => ({ index: columnIndex(table, c.name, 'feature'), numeric: c.kind === 'numeric' }));
    return table.rows.map((row) => cols.map(({ index, numeric }) => {
      const cell = row[index];
      if (isMissing(cell)) return null;
      const v = numeric ? parseNumber(cell) : NaN;
      return Number.isNaN(v) ? cell : v;
    }));
  }

  toJSON(): TablePipelineJSON {
    return {
      type: 'TablePipeline',
      encoder: this.encoder.toJSON(),
      missing: this.missing,
      fill: this.fill ? { ...this.fill } : null,
      featureScaler: this.featureScaler ? this.featureScaler.toJSON() : null,
      targetScaler: this.targetScaler ? this.targetScaler.toJSON() : null,
      baseline: this.baseline ? structuredClone(this.baseline) : null,
    };
  }

  static fromJSON(obj: TablePipelineJSON): TablePipeline {
    const bad = (why: string): never => {
      throw new Error(`TablePipeline.fromJSON: ${why}`);
    };
    if (typeof obj !== 'object' || obj === null || obj.type !== 'TablePipeline') bad('expected an object with type "TablePipeline"');
    const encoder = TabularEncoder.fromJSON(obj.encoder);
    if (!MISSING_POLICIES.includes(obj.missing)) bad(`missing must be one of ${MISSING_POLICIES.join(', ')}`);
    const fill = obj.fill === null ? null : checkFill(obj.fill, encoder, bad);
    if (obj.missing === 'impute' && !fill) bad('an impute pipeline needs fill values');
    const featureScaler = obj.featureScaler === null ? null : scalerFromJSON(obj.featureScaler);
    if (featureScaler && featureScaler.numFeatures !== encoder.numFeatures) bad(`the feature scaler has ${featureScaler.numFeatures} features, the encoding ${encoder.numFeatures}`);
    const targetScaler = obj.targetScaler === null ? null : scalerFromJSON(obj.targetScaler);
    if (targetScaler && (!(targetScaler instanceof StandardScaler) || targetScaler.numFeatures !== 1 || encoder.task !== 'regression')) {
      bad('targetScaler must be a one-feature StandardScaler of a regression target');
    }
    return new TablePipeline(encoder, obj.missing, fill, featureScaler, targetScaler as StandardScaler | null, checkBaseline(obj.baseline, encoder, bad));
  }

  /** The pipeline saved in a model's metadata (`table`, or the older `encoder` + `scaler`), or null for non-table models. */
  static fromMetadata(metadata: Record<string, unknown> | undefined): TablePipeline | null {
    if (!metadata) return null;
    if (metadata.table) return TablePipeline.fromJSON(metadata.table as TablePipelineJSON);
    if (!metadata.encoder) return null;
    const encoder = TabularEncoder.fromJSON(metadata.encoder as TabularEncoderJSON);
    const scaler = metadata.scaler ? scalerFromJSON(metadata.scaler) : null;
    return new TablePipeline(encoder, 'error', null, scaler, null, null);
  }
}

/** Fill-in values from the training rows: the median of a numeric column, the most frequent category otherwise. */
function learnFill(encoder: TabularEncoder, train: CsvTable): Record<string, number | string> {
  const fill: Record<string, number | string> = {};
  for (const spec of encoder.columns) {
    const col = columnIndex(train, spec.name, 'feature');
    const cells = train.rows.map((r) => r[col]).filter((c) => !isMissing(c));
    if (cells.length === 0) {
      throw new Error(`${train.name}: column "${spec.name}" has no values in the training rows, so there is nothing to fill in from; leave it out`);
    }
    if (spec.kind === 'numeric') {
      const values = cells.map(parseNumber).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      if (values.length === 0) continue; // Every cell is a non-number: encoding reports them.
      const mid = values.length >> 1;
      fill[spec.name] = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    } else {
      const counts = new Map<string, number>();
      for (const c of cells) counts.set(c, (counts.get(c) ?? 0) + 1);
      let best = spec.categories![0];
      for (const c of spec.categories!) if ((counts.get(c) ?? 0) > (counts.get(best) ?? 0)) best = c;
      fill[spec.name] = best;
    }
  }
  return fill;
}

function baselineOf(encoder: TabularEncoder, y: Tensor): TableBaseline {
  const v = y.values;
  if (encoder.task === 'regression') {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    return { kind: 'mean', value: s / v.length };
  }
  const counts = new Array<number>(encoder.classes!.length).fill(0);
  for (let i = 0; i < v.length; i++) counts[v[i]]++;
  return { kind: 'majority', classCounts: counts };
}

function checkFill(fill: unknown, encoder: TabularEncoder, bad: (why: string) => never): Record<string, number | string> {
  if (typeof fill !== 'object' || fill === null || Array.isArray(fill)) return bad('fill must be an object of column values');
  const out: Record<string, number | string> = {};
  for (const spec of encoder.columns) {
    const v = (fill as Record<string, unknown>)[spec.name];
    const ok = spec.kind === 'numeric' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' && spec.categories!.includes(v);
    if (!ok) bad(`fill value of column "${spec.name}" must be ${spec.kind === 'numeric' ? 'a finite number' : 'one of its categories'}`);
    out[spec.name] = v as number | string;
  }
  return out;
}

function checkBaseline(b: unknown, encoder: TabularEncoder, bad: (why: string) => never): TableBaseline | null {
  if (b === null || b === undefined) return null;
  const o = b as Record<string, unknown>;
  if (encoder.task === 'regression' && o.kind === 'mean' && typeof o.value === 'number' && Number.isFinite(o.value)) return { kind: 'mean', value: o.value };
  const counts = o.classCounts;
  if (encoder.task === 'classification' && o.kind === 'majority' && Array.isArray(counts) && counts.length === encoder.classes!.length &&
      counts.every((c) => Number.isInteger(c) && c >= 0)) {
    return { kind: 'majority', classCounts: [...(counts as number[])] };
  }
  return bad(`baseline ${JSON.stringify(b)} does not fit a ${encoder.task} target`);
}
