// Tabular encoding: numeric columns as-is, categorical columns one-hot, target as class index or value; JSON-saveable.

import { Tensor } from '../tensor/tensor.js';
import { type CsvTable, type TableRecord, isMissing, parseNumber, readCsvTable, recordsTable } from './csv-table.js';

export type { TableRecord };
import { type OptionStyle, optionHint, optionName } from './option-hints.js';

export type Task = 'classification' | 'regression';

/** How one original feature column is encoded. */
export interface ColumnSpec {
  name: string;
  kind: 'numeric' | 'categorical';
  /** For categorical columns: the categories, in one-hot order. */
  categories?: string[];
}

/** The encoded features that came from one original column (one-hot columns of a categorical form one group). */
export interface FeatureGroup {
  name: string;
  indices: number[];
}

export interface TabularEncoderJSON {
  type: 'TabularEncoder';
  target: string;
  task: Task;
  /** Class names in class-index order (classification only). */
  classes?: string[];
  columns: ColumnSpec[];
}

export interface EncoderFitOptions {
  /** The column to predict. */
  target: string;
  /** Columns to one-hot encode even if their values are numbers; columns whose values are mostly non-numeric always are. */
  categorical?: string[];
  /** 'auto' (default): a non-numeric target, or integers with at most 20 distinct values, is classification. */
  task?: Task | 'auto';
  /** Feature columns to use, in order (default: every column except the target). */
  featureColumns?: string[];
  /** Columns to leave out (identifiers, leaks); applied after featureColumns. */
  ignore?: string[];
  /** Largest number of categories a categorical column may have (default 100); guards against one-hot encoding an ID column. */
  maxCategories?: number;
  /** How error messages name these options: 'api' (default, `{ ignore: [...] }`) or 'cli' (`--ignore ...`). */
  style?: OptionStyle;
}

export interface EncodeOptions {
  /** What to do with a category not seen in training: 'error' (default) or 'ignore' (all one-hot features 0). */
  unknownCategories?: 'error' | 'ignore';
  /** Values that stand in for missing cells, per feature column: a number or a category (see TablePipeline). */
  fill?: Record<string, number | string>;
  /** What a missing-value error advises (default: the `missing` option, named in `style`). */
  missingAdvice?: string;
  /** How error messages name options (default 'api'). */
  style?: OptionStyle;
}

/** A table encoded for training: features, targets and everything needed to explain and re-encode. */
export interface TabularDataset {
  /** float32 [n, numFeatures]. */
  x: Tensor;
  /** int32 [n] class indices (classification) or float32 [n, 1] values (regression). */
  y: Tensor;
  /** Names of the encoded features, e.g. "age", "color=red". */
  featureNames: string[];
  /** The original feature columns, in order. */
  columns: string[];
  /** One group per original column, with the indices of its encoded features. */
  groups: FeatureGroup[];
  /** Class names in class-index order (classification only). */
  classNames?: string[];
  task: Task;
  target: string;
  /** Applies the same encoding to new data; `encoder.toJSON()` saves it. */
  encoder: TabularEncoder;
}

const MAX_REPORTED = 10;
const AUTO_CLASS_LIMIT = 20;

/** Collects cell problems so one error can list several of them. */
class Problems {
  private readonly list: string[] = [];
  private count = 0;
  constructor(private readonly name: string) {}
  add(msg: string): void {
    if (this.count++ < MAX_REPORTED) this.list.push(msg);
  }
  throwIfAny(): void {
    if (this.count === 0) return;
    if (this.count === 1) throw new Error(`${this.name}: ${this.list[0]}`);
    const more = this.count > MAX_REPORTED ? `\n  ... and ${this.count - MAX_REPORTED} more` : '';
    throw new Error(`${this.name}: ${this.count} bad values:\n  ${this.list.join('\n  ')}${more}`);
  }
}

function compareLabels(values: string[]): string[] {
  const numeric = values.every((v) => !Number.isNaN(parseNumber(v)));
  return values.sort(numeric ? (a, b) => parseNumber(a) - parseNumber(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function distinct(table: CsvTable, col: number): string[] {
  const set = new Set<string>();
  for (const row of table.rows) if (!isMissing(row[col])) set.add(row[col]);
  return compareLabels([...set]);
}

/** The column's index; `role` says where the name came from (e.g. `feature`, `--ignore`). */
export function columnIndex(table: CsvTable, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    throw new Error(`${table.name}: ${role} column "${name}" not found; available columns: ${table.header.map((h) => `"${h}"`).join(', ')}`);
  }
  return i;
}

/** The default missing-value advice: skip such rows or fill them in, as the `missing` option is spelled in `style`. */
export function missingAdvice(style: OptionStyle | undefined): string {
  return `fill it in, or use ${optionHint(style, 'missing', 'drop')} (skip rows with missing values) or ` +
    `${optionHint(style, 'missing', 'impute')} (fill in the training median or most frequent value)`;
}

function mostlyNumeric(table: CsvTable, col: number): boolean {
  let numeric = 0;
  let other = 0;
  for (const row of table.rows) {
    if (isMissing(row[col])) continue;
    if (Number.isNaN(parseNumber(row[col]))) other++;
    else numeric++;
  }
  return numeric >= other;
}

/** Learns and applies the encoding of a table: which columns are features, how each is encoded, the target's classes. */
export class TabularEncoder {
  readonly featureNames: string[];
  readonly groups: FeatureGroup[];
  readonly numFeatures: number;

  private constructor(
    readonly columns: ColumnSpec[],
    readonly target: string,
    readonly task: Task,
    readonly classes: string[] | undefined,
  ) {
    this.featureNames = [];
    this.groups = [];
    for (const c of columns) {
      const start = this.featureNames.length;
      if (c.kind === 'numeric') this.featureNames.push(c.name);
      else for (const cat of c.categories ?? []) this.featureNames.push(`${c.name}=${cat}`);
      this.groups.push({ name: c.name, indices: range(start, this.featureNames.length) });
    }
    this.numFeatures = this.featureNames.length;
  }

  /** Decides column kinds, categories and target classes from a training table. */
  static fit(table: CsvTable, options: EncoderFitOptions): TabularEncoder {
    checkFitOptions(options);
    const style = options.style;
    const targetCol = columnIndex(table, options.target, 'target');
    const features = chooseFeatures(table, options);
    for (const c of options.categorical ?? []) columnIndex(table, c, optionName(style, 'categorical'));
    const maxCategories = options.maxCategories ?? 100;
    const columns = features.map((name): ColumnSpec => {
      const col = table.header.indexOf(name);
      const categorical = options.categorical?.includes(name) || !mostlyNumeric(table, col);
      if (!categorical) return { name, kind: 'numeric' };
      const categories = distinct(table, col);
      if (categories.length > maxCategories) {
        throw new Error(
          `${table.name}: categorical column "${name}" has ${categories.length} distinct values (more than ${optionName(style, 'maxCategories')} = ${maxCategories}); ` +
            `if it is an identifier, leave it out with ${optionHint(style, 'ignore', [name])}; otherwise raise ${optionName(style, 'maxCategories')}`,
        );
      }
      return { name, kind: 'categorical', categories };
    });
    const { task, classes } = decideTask(table, targetCol, options);
    return new TabularEncoder(columns, options.target, task, classes);
  }

  /** Rebuilds an encoder saved with `toJSON()`. */
  static fromJSON(obj: TabularEncoderJSON): TabularEncoder {
    const bad = (why: string): never => {
      throw new Error(`TabularEncoder.fromJSON: ${why}`);
    };
    if (typeof obj !== 'object' || obj === null || obj.type !== 'TabularEncoder') bad('expected an object with type "TabularEncoder"');
    if (typeof obj.target !== 'string') bad('target must be a string');
    if (obj.task !== 'classification' && obj.task !== 'regression') bad(`unknown task ${JSON.stringify(obj.task)}`);
    if (obj.task === 'classification' && !isStringArray(obj.classes)) bad('a classification encoder needs classes: string[]');
    if (!Array.isArray(obj.columns)) bad('columns must be an array');
    const columns = obj.columns.map((c): ColumnSpec => {
      if (typeof c?.name !== 'string') return bad('each column needs a name');
      if (c.kind === 'numeric') return { name: c.name, kind: 'numeric' };
      if (c.kind === 'categorical' && isStringArray(c.categories)) return { name: c.name, kind: 'categorical', categories: [...c.categories] };
      return bad(`column "${c.name}" has an unknown kind or no categories`);
    });
    return new TabularEncoder(columns, obj.target, obj.task, obj.classes ? [...obj.classes] : undefined);
  }

  toJSON(): TabularEncoderJSON {
    const json: TabularEncoderJSON = {
      type: 'TabularEncoder',
      target: this.target,
      task: this.task,
      columns: this.columns.map((c) => (c.kind === 'numeric' ? { ...c } : { ...c, categories: [...(c.categories ?? [])] })),
    };
    if (this.classes) json.classes = [...this.classes];
    return json;
  }

  /** Encodes a table's features (extra columns are ignored; missing ones are an error). */
  encodeFeatures(table: CsvTable, options: EncodeOptions = {}): Tensor {
    const problems = new Problems(table.name);
    const n = table.rows.length;
    const f = this.numFeatures;
    const out = new Float32Array(n * f);
    const ignoreUnknown = options.unknownCategories === 'ignore';
    const advice = options.missingAdvice ?? missingAdvice(options.style);
    this.columns.forEach((spec, g) => {
      const col = columnIndex(table, spec.name, 'feature');
      const base = this.groups[g].indices[0] ?? 0;
      const lookup = new Map((spec.categories ?? []).map((c, i) => [c, i]));
      const fill = options.fill && Object.hasOwn(options.fill, spec.name) ? options.fill[spec.name] : undefined;
      for (let r = 0; r < n; r++) {
        const raw = table.rows[r][col];
        const where = `row ${table.lines[r]}, column "${spec.name}"`;
        const missing = isMissing(raw);
        if (missing && fill === undefined) {
          problems.add(`${where} is missing (${raw === '' ? 'empty' : `"${raw}"`}); ${advice}`);
          continue;
        }
        const cell = missing ? String(fill) : raw;
        if (spec.kind === 'numeric') {
          const v = parseNumber(cell);
          if (Number.isNaN(v)) {
            problems.add(`${where}: "${cell}" is not a number; fix the value or treat the column as categories with ${optionHint(options.style, 'categorical', [spec.name])}`);
          } else if (!Number.isFinite(Math.fround(v))) problems.add(`${where}: ${cell} is too large for float32`);
          out[r * f + base] = v;
        } else {
          const k = lookup.get(cell);
          if (k !== undefined) out[r * f + base + k] = 1;
          else if (!ignoreUnknown) {
            problems.add(`${where}: category "${cell}" was not in the training data (known: ${(spec.categories ?? []).join(', ')})`);
          }
        }
      }
    });
    problems.throwIfAny();
    return new Tensor(out, [n, f]);
  }

  /** Encodes a table's target column: int32 [n] class indices or float32 [n, 1] values. */
  encodeTarget(table: CsvTable, options: Pick<EncodeOptions, 'style'> = {}): Tensor {
    const col = columnIndex(table, this.target, 'target');
    const problems = new Problems(table.name);
    const n = table.rows.length;
    const lookup = new Map((this.classes ?? []).map((c, i) => [c, i]));
    const out = this.task === 'classification' ? new Int32Array(n) : new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const cell = table.rows[r][col];
      const where = `row ${table.lines[r]}, column "${this.target}" (the target)`;
      if (isMissing(cell)) {
        problems.add(`${where} is missing; every training or scored row needs a target value: fill it in or remove the row, or use ${optionHint(options.style, 'missing', 'drop')}`);
      } else if (this.task === 'classification') {
        const k = lookup.get(cell);
        if (k === undefined) problems.add(`${where}: class "${cell}" was not in the training data (known: ${this.classes?.join(', ')})`);
        else out[r] = k;
      } else {
        const v = parseNumber(cell);
        if (Number.isNaN(v)) problems.add(`${where}: "${cell}" is not a number; fix the value, or use ${optionHint(options.style, 'task', 'classification')}`);
        out[r] = v;
      }
    }
    problems.throwIfAny();
    return this.task === 'classification' ? new Tensor(out, [n]) : new Tensor(out, [n, 1]);
  }

  /** Encodes a whole table, features and target, into a dataset. */
  encode(table: CsvTable, options: EncodeOptions = {}): TabularDataset {
    const x = this.encodeFeatures(table, options);
    const y = this.encodeTarget(table, options);
    const ds: TabularDataset = {
      x,
      y,
      featureNames: [...this.featureNames],
      columns: this.columns.map((c) => c.name),
      groups: this.groups.map((g) => ({ name: g.name, indices: [...g.indices] })),
      task: this.task,
      target: this.target,
      encoder: this,
    };
    if (this.classes) ds.classNames = [...this.classes];
    return ds;
  }

  /** Encodes CSV text (e.g. a test file) with this encoding; the target column must be present. */
  transform(text: string, options: EncodeOptions & { name?: string; delimiter?: string } = {}): TabularDataset {
    return this.encode(readCsvTable(text, options.name, options.delimiter), options);
  }

  /** Encodes only the features of CSV text (the target column may be absent), e.g. rows to predict. */
  transformFeatures(text: string, options: EncodeOptions & { name?: string; delimiter?: string } = {}): Tensor {
    return this.encodeFeatures(readCsvTable(text, options.name, options.delimiter), options);
  }

  /** Encodes records given as objects (column name to value), features only — for predicting on new rows. */
  encodeRows(rows: TableRecord[], options: EncodeOptions = {}): Tensor {
    return this.encodeFeatures(recordsTable(rows, this.columns.map((c) => c.name)), options);
  }
}

/** Encodes records (column name to value) with a fitted encoder; see `TabularEncoder.encodeRows`. */
export function encodeCsvRows(encoder: TabularEncoder, rows: TableRecord[], options?: EncodeOptions): Tensor {
  return encoder.encodeRows(rows, options);
}

/** The feature columns: featureColumns (default: all but the target) less ignore, each checked against the header. */
function chooseFeatures(table: CsvTable, options: EncoderFitOptions): string[] {
  const style = options.style;
  const featuresOption = optionName(style, 'featureColumns');
  const ignoreOption = optionName(style, 'ignore');
  for (const c of options.ignore ?? []) {
    columnIndex(table, c, ignoreOption);
    if (c === options.target) throw new Error(`${table.name}: ${ignoreOption} lists the target "${c}"; the target is never a feature, so leave it out of ${ignoreOption}`);
  }
  const listed = options.featureColumns ?? table.header.filter((h) => h !== options.target);
  const seen = new Set<string>();
  for (const f of listed) {
    columnIndex(table, f, options.featureColumns ? featuresOption : 'feature');
    if (f === options.target) throw new Error(`${table.name}: ${featuresOption} includes the target "${f}"; remove it`);
    if (seen.has(f)) throw new Error(`${table.name}: ${featuresOption} lists "${f}" twice`);
    seen.add(f);
  }
  const ignored = new Set(options.ignore ?? []);
  const features = listed.filter((f) => !ignored.has(f));
  if (features.length === 0) {
    throw new Error(`${table.name}: no feature columns left to predict "${options.target}" from; ` +
      `check ${featuresOption} and ${ignoreOption} (columns: ${table.header.map((h) => `"${h}"`).join(', ')})`);
  }
  return features;
}

function decideTask(table: CsvTable, col: number, options: EncoderFitOptions): { task: Task; classes?: string[] } {
  const values = distinct(table, col);
  if (options.task === 'regression') {
    const bad = values.find((v) => Number.isNaN(parseNumber(v)));
    if (bad !== undefined) {
      throw new Error(`${table.name}: target "${options.target}" has the non-numeric value "${bad}", so it cannot be a regression target; ` +
        `use ${optionHint(options.style, 'task', 'classification')} or fix the value`);
    }
  }
  let task = options.task ?? 'auto';
  if (task === 'auto') {
    const numbers = values.map(parseNumber);
    const numeric = numbers.every((v) => !Number.isNaN(v));
    const fewIntegers = numeric && numbers.every(Number.isInteger) && new Set(numbers).size <= AUTO_CLASS_LIMIT;
    task = options.categorical?.includes(options.target) || !numeric || fewIntegers ? 'classification' : 'regression';
  }
  if (task === 'regression') return { task };
  if (values.length < 2) {
    throw new Error(
      `${table.name}: target "${options.target}" has ${values.length === 0 ? 'no values' : `only one class ("${values[0]}")`}; ` +
        'a classifier needs examples of at least two classes',
    );
  }
  return { task, classes: values };
}

const FIT_OPTIONS = new Set([
  'target', 'categorical', 'task', 'featureColumns', 'ignore', 'maxCategories', 'missing', 'delimiter', 'name', 'unknownCategories', 'style',
]);

function checkFitOptions(options: EncoderFitOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.target !== 'string' || options.target === '') {
    throw new Error('CSV: options.target must name the column to predict, e.g. { target: "label" }');
  }
  for (const key of Object.keys(options)) {
    if (!FIT_OPTIONS.has(key)) throw new Error(`CSV: unknown option "${key}"; known options: ${[...FIT_OPTIONS].join(', ')}`);
  }
  const style = options.style;
  if (options.task !== undefined && !['auto', 'classification', 'regression'].includes(options.task)) {
    throw new Error(`CSV: ${optionName(style, 'task')} must be "auto", "classification" or "regression", got ${JSON.stringify(options.task)}`);
  }
  if (options.maxCategories !== undefined && !(Number.isInteger(options.maxCategories) && options.maxCategories > 0)) {
    throw new Error(`CSV: ${optionName(style, 'maxCategories')} must be a positive integer, got ${options.maxCategories}`);
  }
  for (const key of ['featureColumns', 'ignore', 'categorical'] as const) {
    const list = options[key];
    if (list !== undefined && !isStringArray(list)) throw new Error(`CSV: ${optionName(style, key)} must be a list of column names`);
  }
}

function isStringArray(a: unknown): a is string[] {
  return Array.isArray(a) && a.every((s) => typeof s === 'string');
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
