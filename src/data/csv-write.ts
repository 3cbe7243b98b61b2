// Tables to CSV text: fields quoted where they hold a comma, a quote, a line break or outer spaces (RFC 4180).

/** One field as CSV: quoted (with quotes doubled) when it needs to be. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row, each ending in a newline. */
export function toCsv(header: (string | number)[], rows: (string | number)[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
