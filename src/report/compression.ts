// The report's compression section: the trade-off table of a compressed model against its original, and how far
// its explanations moved (global importances of both, their rank correlation, a chart of the top inputs).

import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, renderSvg } from './render.js';
import type { ExplanationShift } from '../compress/shift.js';

/** What the section shows (compress/ builds it: tradeOffCells and explanationShift). */
export interface CompressionReport {
  /** What was done, e.g. 'int8 post-training quantisation'. */
  technique: string;
  /** Header row, then before, after and change rows. */
  table: string[][];
  notes?: string[];
  shift?: ExplanationShift | null;
}

/** Grouped bars of the inputs most important to the original model, with the compressed model's importance beside each. */
export function shiftChart(shift: ExplanationShift, k = 15): TopLevelSpec {
  const top = shift.before.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
  const values = top.flatMap(([, i], rank) => [
    { input: shift.names[i], rank, model: 'original', value: shift.before[i] },
    { input: shift.names[i], rank, model: 'compressed', value: shift.after[i] },
  ]);
  return {
    config: { font: 'sans-serif', view: { stroke: null } },
    title: `Permutation importance of the original's top ${top.length} inputs, both models`,
    width: 420, height: Math.max(80, 24 * top.length), data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'input', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelLimit: 600 } },
      yOffset: { field: 'model', sort: ['original', 'compressed'] },
      x: { field: 'value', type: 'quantitative', title: 'drop in score when shuffled' },
      color: { field: 'model', sort: ['original', 'compressed'], scale: { range: ['#4c78a8', '#f58518'] }, title: null },
    },
  } as TopLevelSpec;
}

export async function compressionSection(c: CompressionReport): Promise<string> {
  const [head, ...rows] = c.table;
  const cells = (r: string[], tag: string) => `<tr>${r.map((v) => `<${tag}>${escapeHtml(v)}</${tag}>`).join('')}</tr>`;
  const out = [`<section><h2>Compression — ${escapeHtml(c.technique)}</h2>`, `<table>${cells(head, 'th')}${rows.map((r) => cells(r, 'td')).join('')}</table>`];
  for (const n of c.notes ?? []) out.push(`<p class="meta">${escapeHtml(n)}</p>`);
  const s = c.shift;
  if (s) {
    out.push(`<h3>Do the cheaper model's explanations agree?</h3><p>${escapeHtml(
      `${s.method} on ${s.rows} held-out rows, ${s.names.length} inputs: Spearman rank correlation of the two models' importances ` +
        `${s.spearman.toFixed(3)} (1 = same order); ${Math.round(s.topOverlap * s.k)} of the original's top ${s.k} inputs are in the compressed model's top ${s.k}.`,
    )}</p>`);
    out.push(`<div class="fig">${await renderSvg(shiftChart(s))}</div>`);
  }
  out.push('</section>');
  return out.join('\n');
}
