// CSV text (or records) to a checked table of strings: header, rows and the file line of each row; missing-value tokens.

import { parse } from 'csv-parse/sync';

/** A parsed CSV file: header names, string cells, and each row's line number in the file (header = 1). */
export interface CsvTable {
  /** The file name (or "<text>") used in error messages. */
  name: string;
  header: string[];
  rows: string[][];
  lines: number[];
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a decimal number; returns NaN for empty, non-numeric, hex, "NaN" or "Infinity" cells. */
export function parseNumber(cell: string): number {
  const s = cell.trim();
  return NUMBER_RE.test(s) ? Number(s) : NaN;
}

/** Cells read as missing values (as pandas reads them, plus "?"): empty, NA, N/A, NaN, null, None, ... */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-nan', 'null', 'NULL', 'None', '<NA>', '#N/A', '?']);

/** True for a cell that holds no value (see MISSING_TOKENS). */
export function isMissing(cell: string): boolean {
  return MISSING_TOKENS.has(cell.trim());
}

/** The table restricted to some rows, in the order given (lines keep pointing into the file). */
export function subTable(table: CsvTable, rows: ArrayLike<number>): CsvTable {
  const pick = Array.from(rows);
  return { name: table.name, header: table.header, rows: pick.map((r) => table.rows[r]), lines: pick.map((r) => table.lines[r]) };
}

/** One row as an object: column name to value; null, undefined and NaN are missing values. */
export type TableRecord = Record<string, string | number | null | undefined>;

/** Records as a table of strings with the given columns (row numbers count from 1). */
export function recordsTable(rows: TableRecord[], header: string[], name = 'rows'): CsvTable {
  if (!Array.isArray(rows)) throw new Error(`${name}: expected an array of objects (column name to value)`);
  const cell = (v: unknown) => (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v).trim());
  return {
    name,
    header,
    rows: rows.map((r, i) => {
      if (typeof r !== 'object' || r === null) throw new Error(`${name}: row ${i + 1} is ${JSON.stringify(r)}; expected an object (column name to value)`);
      return header.map((h) => cell(Object.hasOwn(r, h) ? r[h] : undefined));
    }),
    lines: rows.map((_, i) => i + 1),
  };
}

/** Guesses the delimiter from the header line: the most frequent of comma, semicolon and tab. */
export function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t']) {
    const count = first.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Parses CSV text with a header line. Empty files, bad headers and ragged rows are errors. */
export function readCsvTable(text: string, name = '<text>', delimiter?: string): CsvTable {
  if (text.trim() === '') {
    throw new Error(`${name}: the file is empty; expected a header line with column names, then one line per example`);
  }
  const delim = delimiter ?? detectDelimiter(text);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes with its position; the typings do not model that option.
    records = parse(text, {
      delimiter: delim,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${name}: not valid CSV: ${msg}`, { cause: e });
  }
  const [head, ...body] = records;
  const header = head.record;
  checkHeader(header, name);
  if (body.length === 0) {
    throw new Error(`${name}: has a header but no data rows; add one line per example`);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const { record, info } of body) {
    if (record.length !== header.length) {
      throw new Error(
        `${name}: row ${info.lines} has ${record.length} fields but the header has ${header.length}; ` +
          `every line needs one value per column (check for a missing or extra "${delim === '\t' ? '\\t' : delim}", or quote values that contain it)`,
      );
    }
    rows.push(record);
    lines.push(info.lines);
  }
  return { name, header, rows, lines };
}

function checkHeader(header: string[], name: string): void {
  if (header.every((h) => !Number.isNaN(parseNumber(h)))) {
    throw new Error(
      `${name}: the first line (${header.slice(0, 6).join(', ')}${header.length > 6 ? ', ...' : ''}) looks like data, not column names; ` +
        'add a header line naming each column',
    );
  }
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') throw new Error(`${name}: column ${i + 1} of the header has no name; give every column a name`);
    if (seen.has(h)) throw new Error(`${name}: the header names column "${h}" twice; column names must be unique`);
    seen.add(h);
  });
}
