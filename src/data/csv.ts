// CSV files to tabular datasets: read, fit the encoding on the file, encode; errors name file, row and column.

import { readFileSync } from 'node:fs';
import { readCsvTable } from './csv-table.js';
import { type EncodeOptions, type EncoderFitOptions, type TabularDataset, TabularEncoder } from './encoder.js';

export interface CsvOptions extends EncoderFitOptions, EncodeOptions {
  /** Field delimiter (default: guessed from the header line among ",", ";" and tab). */
  delimiter?: string;
}

/** Parses CSV text into a dataset. `name` is used in error messages (default "<text>"). */
export function parseCsv(text: string, options: CsvOptions & { name?: string }): TabularDataset {
  const table = readCsvTable(text, options.name ?? '<text>', options.delimiter);
  return TabularEncoder.fit(table, options).encode(table, options);
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
