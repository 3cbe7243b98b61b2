// Tabular encoding: numeric columns as-is, categorical columns one-hot, target as class index or value; JSON-saveable.

import { Tensor } from '../tensor/tensor.js';
import { type CsvTable, parseNumber, readCsvTable } from './csv-table.js';

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
  /** Columns to one-hot encode. If omitted, columns whose values are mostly non-numeric are categorical. */
  categorical?: string[];
  /** 'auto' (default): a non-numeric target, or integers with at most 20 distinct values, is classification. */
  task?: Task | 'auto';
  /** Feature columns to use, in order (default: every column except the target). */
  featureColumns?: string[];
  /** Largest number of categories a categorical column may have (default 100); guards against one-hot encoding an ID column. */
  maxCategories?: number;
}

export interface EncodeOptions {
  /** What to do with a category not seen in training: 'error' (default) or 'ignore' (all one-hot features 0). */
  unknownCategories?: 'error' | 'ignore';
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
  for (const row of table.rows) if (row[col] !== '') set.add(row[col]);
  return compareLabels([...set]);
}

function columnIndex(table: CsvTable, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    throw new Error(`${table.name}: ${role} column "${name}" not found; available columns: ${table.header.map((h) => `"${h}"`).join(', ')}`);
  }
  return i;
}

function mostlyNumeric(table: CsvTable, col: number): boolean {
  let numeric = 0;
  let other = 0;
  for (const row of table.rows) {
    if (row[col] === '') continue;
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
    const targetCol = columnIndex(table, options.target, 'target');
    const features = options.featureColumns ?? table.header.filter((h) => h !== options.target);
    if (features.length === 0) {
      throw new Error(`${table.name}: no feature columns: the only column is the target "${options.target}"; add columns to predict from`);
    }
    const seen = new Set<string>();
    for (const f of features) {
      columnIndex(table, f, 'feature');
      if (f === options.target) throw new Error(`${table.name}: featureColumns includes the target "${f}"; remove it`);
      if (seen.has(f)) throw new Error(`${table.name}: featureColumns lists "${f}" twice`);
      seen.add(f);
    }
    for (const c of options.categorical ?? []) columnIndex(table, c, 'categorical');
    const maxCategories = options.maxCategories ?? 100;
    const columns = features.map((name): ColumnSpec => {
      const col = table.header.indexOf(name);
      const categorical = options.categorical ? options.categorical.includes(name) : !mostlyNumeric(table, col);
      if (!categorical) return { name, kind: 'numeric' };
      const categories = distinct(table, col);
      if (categories.length > maxCategories) {
        throw new Error(
          `${table.name}: categorical column "${name}" has ${categories.length} distinct values (more than maxCategories = ${maxCategories}); ` +
            'if it is an identifier, leave it out with featureColumns; otherwise raise maxCategories',
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
    this.columns.forEach((spec, g) => {
      const col = columnIndex(table, spec.name, 'feature');
      const base = this.groups[g].indices[0] ?? 0;
      const lookup = new Map((spec.categories ?? []).map((c, i) => [c, i]));
      for (let r = 0; r < n; r++) {
        const cell = table.rows[r][col];
        const where = `row ${table.lines[r]}, column "${spec.name}"`;
        if (cell === '') {
          problems.add(`${where} is empty (a missing value); fill it in or remove the row`);
        } else if (spec.kind === 'numeric') {
          const v = parseNumber(cell);
          if (Number.isNaN(v)) problems.add(`${where}: "${cell}" is not a number; fix the value or list "${spec.name}" as categorical`);
          else if (!Number.isFinite(Math.fround(v))) problems.add(`${where}: ${cell} is too large for float32`);
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
  encodeTarget(table: CsvTable): Tensor {
    const col = columnIndex(table, this.target, 'target');
    const problems = new Problems(table.name);
    const n = table.rows.length;
    const lookup = new Map((this.classes ?? []).map((c, i) => [c, i]));
    const out = this.task === 'classification' ? new Int32Array(n) : new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const cell = table.rows[r][col];
      const where = `row ${table.lines[r]}, column "${this.target}" (the target)`;
      if (cell === '') {
        problems.add(`${where} is empty; every example needs a target value`);
      } else if (this.task === 'classification') {
        const k = lookup.get(cell);
        if (k === undefined) problems.add(`${where}: class "${cell}" was not in the training data (known: ${this.classes?.join(', ')})`);
        else out[r] = k;
      } else {
        const v = parseNumber(cell);
        if (Number.isNaN(v)) problems.add(`${where}: "${cell}" is not a number; fix the value, or use task "classification"`);
        out[r] = v;
      }
    }
    problems.throwIfAny();
    return this.task === 'classification' ? new Tensor(out, [n]) : new Tensor(out, [n, 1]);
  }

  /** Encodes a whole table, features and target, into a dataset. */
  encode(table: CsvTable, options: EncodeOptions = {}): TabularDataset {
    const x = this.encodeFeatures(table, options);
    const y = this.encodeTarget(table);
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
  encodeRows(rows: Array<Record<string, string | number>>, options: EncodeOptions = {}): Tensor {
    const header = this.columns.map((c) => c.name);
    const table: CsvTable = {
      name: 'rows',
      header,
      rows: rows.map((r) => header.map((h) => (r[h] === undefined ? '' : String(r[h]).trim()))),
      lines: rows.map((_, i) => i + 1),
    };
    return this.encodeFeatures(table, options);
  }
}

/** Encodes records (column name to value) with a fitted encoder; see `TabularEncoder.encodeRows`. */
export function encodeCsvRows(encoder: TabularEncoder, rows: Array<Record<string, string | number>>, options?: EncodeOptions): Tensor {
  return encoder.encodeRows(rows, options);
}

function decideTask(table: CsvTable, col: number, options: EncoderFitOptions): { task: Task; classes?: string[] } {
  const values = distinct(table, col);
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

const FIT_OPTIONS = new Set(['target', 'categorical', 'task', 'featureColumns', 'maxCategories', 'delimiter', 'name', 'unknownCategories']);

function checkFitOptions(options: EncoderFitOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.target !== 'string' || options.target === '') {
    throw new Error('CSV: options.target must name the column to predict, e.g. { target: "label" }');
  }
  for (const key of Object.keys(options)) {
    if (!FIT_OPTIONS.has(key)) throw new Error(`CSV: unknown option "${key}"; known options: ${[...FIT_OPTIONS].join(', ')}`);
  }
  if (options.task !== undefined && !['auto', 'classification', 'regression'].includes(options.task)) {
    throw new Error(`CSV: task must be "auto", "classification" or "regression", got ${JSON.stringify(options.task)}`);
  }
  if (options.maxCategories !== undefined && !(Number.isInteger(options.maxCategories) && options.maxCategories > 0)) {
    throw new Error(`CSV: maxCategories must be a positive integer, got ${options.maxCategories}`);
  }
}

function isStringArray(a: unknown): a is string[] {
  return Array.isArray(a) && a.every((s) => typeof s === 'string');
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
