// From a raw table to training and test sets: column choice, missing-value policy, a seeded (stratified) split, and a
// pipeline fitted on the training rows only.

import type { Tensor } from '../tensor/tensor.js';
import { type CsvTable, isMissing, subTable } from './csv-table.js';
import { TabularEncoder, columnIndex, type EncoderFitOptions } from './encoder.js';
import { optionName } from './option-hints.js';
import { splitIndices } from './split.js';
import { MISSING_POLICIES, TablePipeline, type MissingPolicy, type PipelineFitOptions } from './table-pipeline.js';

export interface TableOptions extends EncoderFitOptions {
  /** Missing cells: 'error' (default) names the first ones; 'drop' skips such rows; 'impute' fills in training medians / modes. */
  missing?: MissingPolicy;
}

export interface TableSplitOptions extends TableOptions, Pick<PipelineFitOptions, 'scaleFeatures' | 'scaleTarget'> {
  /** Fraction of the usable rows held out for testing (default 0.2). */
  testFraction?: number;
  seed?: number;
}

/** One part of a split table: its rows (as the file has them), encoded features and target as the model sees them. */
export interface TablePart {
  table: CsvTable;
  /** Index of each row among the file's data rows (0-based). */
  rows: number[];
  x: Tensor;
  y: Tensor;
}

export interface PreparedTable {
  pipeline: TablePipeline;
  train: TablePart;
  test: TablePart;
  /** Data rows (0-based) left out under the missing-value policy. */
  dropped: number[];
}

/** Checks the `missing` option. */
export function checkMissingPolicy(missing: unknown, options: Pick<TableOptions, 'style'>): MissingPolicy {
  if (missing === undefined) return 'error';
  if (!MISSING_POLICIES.includes(missing as MissingPolicy)) {
    throw new Error(`${optionName(options.style, 'missing')} must be one of ${MISSING_POLICIES.join(', ')}, got ${JSON.stringify(missing)}`);
  }
  return missing as MissingPolicy;
}

/**
 * The data rows a policy keeps for training or scoring: every row under 'error' (missing cells are reported later);
 * rows without a missing feature or target under 'drop'; rows with a target under 'impute'.
 */
export function usableRows(table: CsvTable, encoder: TabularEncoder, missing: MissingPolicy): number[] {
  const all = table.rows.map((_, i) => i);
  if (missing === 'error') return all;
  const target = columnIndex(table, encoder.target, 'target');
  const checked = missing === 'drop' ? [target, ...encoder.columns.map((c) => columnIndex(table, c.name, 'feature'))] : [target];
  return all.filter((r) => checked.every((c) => !isMissing(table.rows[r][c])));
}

/** Chooses columns and task on the whole file, applies the missing-value policy, splits, and fits the pipeline on the training rows. */
export function prepareTable(table: CsvTable, options: TableSplitOptions): PreparedTable {
  const { missing: missingOption, testFraction, seed, scaleFeatures, scaleTarget, ...encoderOptions } = options;
  const missing = checkMissingPolicy(missingOption, options);
  // Column kinds, categories and classes are the file's schema, read from all rows; no statistic of a value is.
  const encoder = TabularEncoder.fit(table, encoderOptions);
  const kept = usableRows(table, encoder, missing);
  if (kept.length < 2) {
    throw new Error(`${table.name}: only ${kept.length} row${kept.length === 1 ? '' : 's'} left after skipping rows with missing values; ` +
      'fill in the missing cells or choose another missing-value policy');
  }
  const usable = subTable(table, kept);
  const fraction = testFraction ?? 0.2;
  const nTest = Math.round(usable.rows.length * fraction);
  if (!(fraction > 0 && fraction < 1) || nTest < 1 || nTest > usable.rows.length - 1) {
    throw new Error(`${table.name}: ${usable.rows.length} usable rows with ${optionName(options.style, 'testFraction')} ${fraction} leave no training or no test rows; ` +
      `use more rows or another ${optionName(options.style, 'testFraction')} (strictly between 0 and 1)`);
  }
  const classes = encoder.task === 'classification' ? encoder.encodeTarget(usable, { style: options.style }) : undefined;
  const split = splitIndices(usable.rows.length, { testFraction: fraction, seed: seed ?? 0 }, classes);
  const trainTable = subTable(usable, split.train);
  const pipeline = TablePipeline.fit(encoder, trainTable, { missing, style: options.style, scaleFeatures, scaleTarget });
  const part = (idx: Int32Array): TablePart => {
    const t = subTable(usable, idx);
    return { table: t, rows: Array.from(idx, (i) => kept[i]), x: pipeline.encodeFeatures(t, options), y: pipeline.encodeTarget(t, options.style) };
  };
  const keptSet = new Set(kept);
  return { pipeline, train: part(split.train), test: part(split.test), dropped: table.rows.map((_, i) => i).filter((i) => !keptSet.has(i)) };
}
