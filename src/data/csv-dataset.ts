// tf.data.csv for Node: a CSV file (a path or a file:// URL) as a dataset of rows; columns marked isLabel go to
// `ys`, the rest to `xs`, as TensorFlow.js' CSVDataset gives them. The file is read once, when first iterated.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isMissing, parseNumber, readCsvTable, type CsvTable } from './csv-table.js';
import { Dataset } from './dataset.js';

export interface ColumnConfig {
  /** The column is a target: it goes to `ys`. */
  isLabel?: boolean;
  /** A missing cell is an error (otherwise it takes `default`). */
  required?: boolean;
  dtype?: 'float32' | 'int32' | 'string';
  default?: number | string;
}

export interface CsvConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names when there is no header (or to rename them). */
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  /** Only the columns in columnConfigs (default false: every column). */
  configuredColumnsOnly?: boolean;
  delimiter?: string;
}

type Row = Record<string, number | string>;

/** A CSV file as a dataset: {xs, ys} per row when some column is a label, else the row itself. */
export function csv(source: string, config: CsvConfig = {}): Dataset<Row | { xs: Row; ys: Row }> {
  if (typeof source !== 'string' || source === '') throw new Error(`data.csv: pass a file path or a file:// URL, got ${JSON.stringify(source)}`);
  if (/^https?:\/\//i.test(source)) throw new Error(`data.csv: ${source}: glassbox reads local files only (no network); download the file first`);
  const path = source.startsWith('file://') ? fileURLToPath(source) : source;
  let table: Promise<CsvTable> | null = null;
  const load = () => (table ??= readFile(path, 'utf8').then((text) => {
    const withHeader = config.hasHeader === false && config.columnNames ? `${config.columnNames.join(config.delimiter ?? ',')}\n${text}` : text;
    return readCsvTable(withHeader, path, config.delimiter);
  }));
  return new Dataset(async function* () {
    const t = await load();
    const names = config.columnNames && config.hasHeader !== false ? config.columnNames : t.header;
    const configs = config.columnConfigs ?? {};
    for (const k of Object.keys(configs)) if (!names.includes(k)) throw new Error(`data.csv: ${path}: column "${k}" of columnConfigs is not in the file (columns: ${names.join(', ')})`);
    const used = config.configuredColumnsOnly ? names.filter((n) => n in configs) : names;
    const labels = new Set(Object.entries(configs).filter(([, c]) => c.isLabel).map(([k]) => k));
    for (const [r, row] of t.rows.entries()) {
      const xs: Row = {};
      const ys: Row = {};
      for (const name of used) {
        const c = configs[name] ?? {};
        const cell = row[names.indexOf(name)] ?? '';
        let value: number | string;
        if (isMissing(cell)) {
          if (c.required || c.default === undefined) {
            if (c.required || c.dtype !== 'string') throw new Error(`data.csv: ${path}: row ${t.lines[r]}, column "${name}" is missing; give it a default in columnConfigs or clean the file`);
          }
          value = c.default ?? '';
        } else if (c.dtype === 'string') value = cell;
        else {
          const n = parseNumber(cell);
          if (Number.isNaN(n) && c.dtype) throw new Error(`data.csv: ${path}: row ${t.lines[r]}, column "${name}" is "${cell}", not a number`);
          value = Number.isNaN(n) ? cell : c.dtype === 'int32' ? Math.trunc(n) : n;
        }
        (labels.has(name) ? ys : xs)[name] = value;
      }
      yield labels.size > 0 ? { xs, ys } : xs;
    }
  });
}
