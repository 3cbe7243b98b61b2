// CSV files to tabular datasets: read, fit the encoding on the file, encode; errors name file, row and column.

import { readFileSync } from 'node:fs';
import { readCsvTable, subTable } from './csv-table.js';
import { type EncodeOptions, type TabularDataset, TabularEncoder } from './encoder.js';
import { TablePipeline } from './table-pipeline.js';
import { type TableOptions, checkMissingPolicy, usableRows } from './table-split.js';

export interface CsvOptions extends TableOptions, Omit<EncodeOptions, 'fill' | 'missingAdvice'> {
  /** Field delimiter (default: guessed from the header line among ",", ";" and tab). */
  delimiter?: string;
}

/**
 * Parses CSV text into a dataset (unscaled). `name` is used in error messages (default "<text>").
 * With `missing: 'drop'` rows with a missing value are left out; with 'impute' missing features are filled in
 * with the file's medians / most frequent categories (to learn them on training rows only, see `prepareTable`).
 */
export function parseCsv(text: string, options: CsvOptions & { name?: string }): TabularDataset {
  const table = readCsvTable(text, options.name ?? '<text>', options.delimiter);
  const missing = checkMissingPolicy(options.missing, options);
  const encoder = TabularEncoder.fit(table, options);
  const usable = subTable(table, usableRows(table, encoder, missing));
  const fill = missing === 'impute' ? TablePipeline.fit(encoder, usable, { missing, style: options.style, scaleFeatures: false }).fill : null;
  return encoder.encode(usable, { ...options, fill: fill ?? undefined });
}

/**
 * Loads a CSV file with a header line into a dataset: numeric columns as float32 features,
 * categorical columns one-hot encoded, and the target as class indices or values.
 * Apply the same encoding to another file with `dataset.encoder.transform(text)`.
 */
export function loadCsv(path: string, options: CsvOptions): TabularDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${path}: cannot read CSV file (${msg})`, { cause: e });
  }
  return parseCsv(text, { ...options, name: path });
}
