// The text of model.summary(): one row per layer (output shape, parameters, forward FLOPs, and for functional
// models the layers each is called on), then the totals.

import type { SummaryRow } from '../nn/topology.js';

export function summaryText(name: string, rows: SummaryRow[], total: number, trainable: number): string {
  const connected = rows.some((r) => r.connectedTo !== undefined);
  const header = ['Layer (type)', 'Output shape', 'Params', 'FLOPs/example', ...(connected ? ['Connected to'] : [])];
  const table = [
    header,
    ...rows.map((r) => [
      `${r.name} (${r.type})`, `[null,${r.outputShape.join(',')}]`, r.params.toLocaleString('en-US'), r.flops.toLocaleString('en-US'),
      ...(connected ? [r.connectedTo!.join(', ')] : []),
    ]),
  ];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)) + 2);
  // Names and the connections read left-aligned; numbers and shapes right-aligned.
  const left = (c: number) => c === 0 || c === 4;
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : left(c) ? `  ${cell}`.padEnd(widths[c]) : cell.padStart(widths[c]))).join('').trimEnd();
  const rule = '_'.repeat(widths.reduce((a, b) => a + b, 0));
  return [
    `Model: ${name}`,
    rule,
    line(table[0]),
    '='.repeat(rule.length),
    ...table.slice(1).map(line),
    '='.repeat(rule.length),
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    `Forward FLOPs per example: ${rows.reduce((n, r) => n + r.flops, 0).toLocaleString('en-US')}`,
    rule,
  ].join('\n');
}
