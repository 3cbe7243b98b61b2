// The trade-off of one compression: the original's and the compressed model's facts side by side, the change
// in each (score drop, size, speed), how far explanations moved, as a text table or one JSON object.

import type { ModelFacts } from './measure.js';
import type { ExplanationShift } from './shift.js';

export interface TradeOff {
  /** What was done, e.g. 'int8 post-training quantisation'. */
  technique: string;
  metric: string;
  higherIsBetter: boolean;
  before: ModelFacts;
  after: ModelFacts;
  /** How inference was timed (threads, rows, rounds) and anything else worth saying. */
  notes: string[];
  /** after's speed over before's as the median of per-round ratios (robust to load that drifts); else the ratio of medians. */
  pairedSpeedup?: number;
  shift: ExplanationShift | null;
}

export interface TradeOffSummary {
  /** Score change after - before, in points for accuracy (x100), else in the metric's units. */
  scoreChange: number;
  /** after / before. */
  bytesRatio: number;
  paramsRatio: number;
  nonzeroRatio: number;
  flopsRatio: number;
  speedup: number;
}

const isPercent = (metric: string) => metric === 'accuracy';

export function summarize(t: TradeOff): TradeOffSummary {
  const scale = isPercent(t.metric) ? 100 : 1;
  return {
    scoreChange: (t.after.score - t.before.score) * scale,
    bytesRatio: t.after.bytes / t.before.bytes,
    paramsRatio: t.after.params / t.before.params,
    nonzeroRatio: t.after.nonzeroParams / t.before.nonzeroParams,
    flopsRatio: t.after.flops / t.before.flops,
    speedup: t.pairedSpeedup ?? t.after.rowsPerSecond / t.before.rowsPerSecond,
  };
}

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ratio = (v: number) => `${v.toFixed(2)}x`;

function scoreText(metric: string, v: number): string {
  return isPercent(metric) ? `${(v * 100).toFixed(2)}%` : v.toPrecision(4);
}

/** The table rows as cells: a header, before, after and change. */
export function tradeOffCells(t: TradeOff): string[][] {
  const s = summarize(t);
  const row = (f: ModelFacts) => [f.label, scoreText(t.metric, f.score), int(f.params), int(f.nonzeroParams), int(f.bytes), int(f.flops), int(f.rowsPerSecond)];
  const sign = s.scoreChange >= 0 ? '+' : '';
  const change = isPercent(t.metric) ? `${sign}${s.scoreChange.toFixed(2)} pt` : `${sign}${s.scoreChange.toPrecision(3)}`;
  return [
    ['', t.metric, 'params', 'non-zero', 'bytes on disk', 'FLOPs/row', 'rows/s'],
    row(t.before),
    row(t.after),
    ['change', change, ratio(s.paramsRatio), ratio(s.nonzeroRatio), `${ratio(s.bytesRatio)} (${(s.bytesRatio * 100).toFixed(1)}%)`, ratio(s.flopsRatio), ratio(s.speedup)],
  ];
}

/** A one-line account of the explanation shift. */
export function shiftLine(shift: ExplanationShift): string {
  return `Explanations: permutation importance of ${shift.names.length} inputs on ${int(shift.rows)} test rows, before vs after: ` +
    `Spearman rank correlation ${shift.spearman.toFixed(3)}, top-${shift.k} overlap ${Math.round(shift.topOverlap * shift.k)}/${shift.k}`;
}

export function formatTradeOff(t: TradeOff): string {
  const cells = tradeOffCells(t);
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const lines = cells.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  return [`Trade-off: ${t.technique}`, ...lines, ...(t.shift ? [shiftLine(t.shift)] : []), ...t.notes].join('\n');
}

/** The same as one JSON-safe object. */
export function tradeOffJson(t: TradeOff): Record<string, unknown> {
  return {
    technique: t.technique, metric: t.metric, higherIsBetter: t.higherIsBetter, before: t.before, after: t.after, change: summarize(t), notes: t.notes,
    explanationShift: t.shift ? { ...t.shift } : null,
  };
}
