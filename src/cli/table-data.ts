// CSV files for the CLI: training sets from the column flags, and rows for a saved table model (held-out split, missing values).

import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { type CsvTable, readCsvTable, subTable } from '../data/csv-table.js';
import { type MissingPolicy, TablePipeline } from '../data/table-pipeline.js';
import { prepareTable, usableRows, type PreparedTable } from '../data/table-split.js';
import { takeRows } from '../data/batches.js';
import { Rng } from '../util/random.js';
import { sha256 } from '../util/sha256.js';
import type { ModelMetadata } from '../train/sequential.js';
import { UserError } from './errors.js';

/** The column flags of `glassbox train`. */
export interface ColumnFlags {
  target?: string;
  features?: string[];
  ignore?: string[];
  categorical?: string[];
  task?: 'classification' | 'regression';
  missing?: MissingPolicy;
  maxCategories?: number;
  testFraction?: number;
}

/** Which rows of the training file were held out, so `--split test` can score exactly them later. */
export interface SplitRecord {
  /** SHA-256 of the training file's text. */
  fileSha256: string;
  testFraction: number;
  seed: number;
  /** Data rows (0-based) of the held-out test set, in the order they were scored. */
  testRows: number[];
}

/** Background rows kept with a table model (encoded, scaled) so explanations of a few new rows have a reference. */
const BACKGROUND_ROWS = 100;

export function readTableFile(path: string): { table: CsvTable; digest: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`--data ${path}: cannot read the file (${(e as Error).message})`);
  }
  return { table: readCsvTable(text, path), digest: sha256(text) };
}

/** Splits and encodes a training file as the flags say; the metadata saved with the model describes all of it. */
export function prepareTrainingTable(path: string, flags: ColumnFlags, seed: number): { prepared: PreparedTable; metadata: ModelMetadata } {
  if (!flags.target) throw new UserError(`--data ${path}: a CSV file needs --target COLUMN (the column to predict)`);
  const { table, digest } = readTableFile(path);
  const testFraction = flags.testFraction ?? 0.2;
  const prepared = prepareTable(table, {
    target: flags.target, featureColumns: flags.features, ignore: flags.ignore, categorical: flags.categorical, task: flags.task,
    missing: flags.missing, maxCategories: flags.maxCategories, testFraction, seed, style: 'cli',
  });
  const { pipeline, train, test } = prepared;
  const encoder = pipeline.encoder;
  const split: SplitRecord = { fileSha256: digest, testFraction, seed, testRows: test.rows };
  const metadata: ModelMetadata = {
    dataset: 'csv', task: encoder.task, target: encoder.target, featureNames: [...encoder.featureNames], classNames: encoder.classes,
    groups: encoder.groups.map((g) => ({ name: g.name, indices: [...g.indices] })), table: pipeline.toJSON(), split,
    background: backgroundSample(train.x, seed),
  };
  return { prepared, metadata };
}

function backgroundSample(x: Tensor, seed: number): number[][] {
  const n = x.shape[0];
  const pick = new Rng(seed).permutation(n).subarray(0, Math.min(n, BACKGROUND_ROWS));
  const rows = takeRows(x, pick);
  const f = x.shape[1];
  return Array.from(pick, (_, i) => Array.from(rows.values.subarray(i * f, (i + 1) * f), (v) => Number(v.toPrecision(7))));
}

/** Rows of a CSV file prepared for a saved table model. */
export interface ModelRows {
  pipeline: TablePipeline;
  /** The selected rows as the file has them. */
  table: CsvTable;
  /** Index of each selected row among the file's data rows. */
  rowIndices: number[];
  /** True when these are exactly the held-out rows recorded at training time. */
  heldOut: boolean;
  /** Lines to tell the user (rows skipped, training rows included). */
  notes: string[];
}

/**
 * Selects the rows of a file to score or explain: all of them, or with `split: 'test'` the held-out rows recorded
 * when the model was trained on this same file. With `needTarget`, rows without a target are skipped as in training.
 */
export function modelRows(path: string, metadata: ModelMetadata, options: { split?: 'test'; needTarget: boolean }): ModelRows {
  const pipeline = TablePipeline.fromMetadata(metadata);
  if (!pipeline) throw new UserError(`--data ${path}: this model was not trained on a CSV file, so there is no encoding to apply; use --data mnist`);
  const { table, digest } = readTableFile(path);
  const split = metadata.split as SplitRecord | undefined;
  const notes: string[] = [];
  let rows = table.rows.map((_, i) => i);
  const sameFile = split?.fileSha256 === digest;
  if (options.split === 'test') {
    if (!split) throw new UserError('--split test: this model has no record of its held-out rows (it was trained before glassbox kept one); score the whole file without --split');
    if (!sameFile) throw new UserError(`--split test: ${path} is not the file this model was trained on (its SHA-256 differs), so its held-out rows are unknown; pass the training file, or leave out --split`);
    rows = split.testRows;
  } else if (sameFile && options.needTarget) {
    notes.push(`note: ${path} is the training file; its rows include the ${table.rows.length - split!.testRows.length} rows the model was trained on, so the scores are optimistic; --split test scores only the ${split!.testRows.length} held-out rows`);
  }
  if (options.needTarget && !table.header.includes(pipeline.target)) {
    throw new UserError(`--data ${path}: has no "${pipeline.target}" column (the target), which scoring needs; pass a file with that column, ` +
      'or use predict (or explain with a local --method), which take rows without it');
  }
  if (options.needTarget) {
    const usable = new Set(usableRows(table, pipeline.encoder, pipeline.missing === 'drop' ? 'drop' : 'impute'));
    const skipped = rows.filter((r) => !usable.has(r));
    if (skipped.length > 0 && pipeline.missing !== 'error') {
      rows = rows.filter((r) => usable.has(r));
      notes.push(`skipped ${skipped.length} row${skipped.length === 1 ? '' : 's'} with a missing ${pipeline.missing === 'drop' ? 'value' : 'target'} (data rows ${preview(skipped)}), as in training`);
    }
  }
  return { pipeline, table: subTable(table, rows), rowIndices: rows, heldOut: options.split === 'test', notes };
}

function preview(rows: number[]): string {
  return rows.length <= 8 ? rows.join(', ') : `${rows.slice(0, 8).join(', ')}, ...`;
}
