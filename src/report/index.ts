// The HTML report: one offline file with charts (Vega-Lite rendered to inline SVG) and the explanations' text.

import { mkdir, rename, writeFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Explanation } from '../explain/explanation.js';
import { beeswarm, gradCamOverlay, imageHeatmap, importanceBar, trainingCurves, waterfall } from './charts.js';
import { escapeHtml, renderSvg } from './render.js';
import { compressionSection, type CompressionReport } from './compression.js';

export { escapeHtml, renderSvg } from './render.js';
export { importanceBar, beeswarm, waterfall, imageHeatmap, gradCamOverlay, trainingCurves, readableLabel } from './charts.js';
export type { CompressionReport } from './compression.js';

/** Per-epoch metric series (a History's `history`), or an object holding them under `history`. */
export type TrainingHistoryLike = Record<string, number[]> | { history: Record<string, number[]> };

export interface ReportOptions {
  explanations: Explanation[];
  title?: string;
  /** [height, width] of image inputs: explanations of such rows get heatmaps (default: 28x28 for 784 inputs). */
  imageShape?: [number, number];
  trainingHistory?: TrainingHistoryLike;
  /** Rows with a waterfall (tabular) or heatmaps (images) per explanation (default 3 and 8). */
  maxRows?: number;
  /** Extra lines shown under the title (e.g. the model and data used). */
  notes?: string[];
  /** Scores shown beside the training curves, each with the trivial baseline's. */
  evaluation?: ReportEvaluation;
  /** How the model was trained (epochs, optimiser, ...), shown as a table. */
  trainingSettings?: Record<string, unknown>;
  /** A compressed model's trade-off table and explanation shift (glassbox compress). */
  compression?: CompressionReport;
}

export interface ReportEvaluation {
  /** What was scored, e.g. "Test scores on 80 held-out rows". */
  heading: string;
  scores: Record<string, number>;
  /** The trivial baseline's scores on the same rows, keyed like `scores`. */
  baseline?: Record<string, number>;
  /** Shown in red under the table (e.g. the model does not beat the baseline). */
  warning?: string | null;
}

/** Builds the report's HTML (every user string escaped; charts inlined; no scripts, no network). */
export async function buildReportHtml(opts: ReportOptions): Promise<string> {
  const title = opts.title ?? 'glassbox explanation report';
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  parts.push(`<p class="meta">Generated ${escapeHtml(new Date().toISOString())} by glassbox.</p>`);
  for (const n of opts.notes ?? []) parts.push(`<p class="meta">${escapeHtml(n)}</p>`);
  if (opts.compression) parts.push(await compressionSection(opts.compression));
  if (opts.trainingHistory || opts.evaluation || opts.trainingSettings) parts.push(await trainingSection(opts));
  const images = opts.explanations.filter((e) => e.kind === 'local' && isImage(e, opts));
  if (images.length > 0) parts.push(await digitsSection(images, opts));
  for (const e of opts.explanations) parts.push(await explanationSection(e, opts));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2.2rem}h3{font-size:1rem}
.meta{color:#666;font-size:.9rem;margin:.2rem 0}pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.85rem}
.grid{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-start}.digit{border-top:1px solid #eee;padding:.4rem 0}.digit h3{margin:.2rem 0}.warn{color:#b00020}.fig{margin:.4rem 0}table{border-collapse:collapse;font-size:.85rem}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}.legend{font-size:.85rem;color:#555}
</style></head><body>
${parts.join('\n')}
</body></html>
`;
}

/** Writes the report atomically (temp file, then rename) and returns its absolute path. */
export async function writeReport(path: string, opts: ReportOptions): Promise<string> {
  const html = await buildReportHtml(opts);
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return target;
}

function figure(svg: string): string {
  return `<div class="fig">${svg}</div>`;
}

function isImage(e: Explanation, opts: ReportOptions): [number, number] | null {
  const width = e.inputShape.reduce((a, b) => a * b, 1);
  if (opts.imageShape) return opts.imageShape[0] * opts.imageShape[1] === width ? opts.imageShape : null;
  if (e.inputShape.length >= 2) return [e.inputShape[0], e.inputShape[1]];
  return width === 784 ? [28, 28] : null;
}

async function explanationSection(e: Explanation, opts: ReportOptions): Promise<string> {
  const out: string[] = [];
  const what = e.kind === 'global' ? 'global importance' : `${e.rows} row${e.rows === 1 ? '' : 's'}`;
  out.push(`<section><h2>${escapeHtml(e.method)} — ${escapeHtml(what)}</h2>`);
  out.push(`<h3>Settings</h3>${keyValueTable(e.settings)}`);
  out.push(`<p class="meta">Diagnostics: ${escapeHtml(summariseDiagnostics(e.diagnostics))}</p>`);
  const image = e.kind === 'local' ? isImage(e, opts) : null;
  if (image) {
    out.push('<p class="legend">Maps: in the section "Explained images", one row per image.</p>');
  } else {
    const output = e.kind === 'global' ? 0 : e.defaultOutput(0);
    out.push(figure(await renderSvg(importanceBar(e, output))));
    if (e.kind === 'local' && e.rows > 1) out.push(figure(await renderSvg(beeswarm(e, output))));
    if (e.kind === 'local') {
      const maxRows = Math.min(e.rows, opts.maxRows ?? 3);
      for (let r = 0; r < maxRows; r++) out.push(figure(await renderSvg(waterfall(e, r, e.defaultOutput(r)))));
    }
  }
  out.push(`<h3>As text</h3><pre>${escapeHtml(e.toString())}</pre></section>`);
  return out.join('\n');
}

/**
 * One row per explained image: for each method, the map of the class it explains there (the predicted one,
 * and with a single method also the runner-up); Grad-CAM as an overlay on the digit, the others as
 * signed heat maps. Each map carries its colour scale.
 */
async function digitsSection(explanations: Explanation[], opts: ReportOptions): Promise<string> {
  const out = ['<section><h2>Explained images</h2>'];
  out.push('<p class="legend">Heat maps: red pixels raise the score of the class named above the map, blue pixels lower it; the image is drawn on top in grey. ' +
    'Grad-CAM: where the last convolution\'s features that raise the class lie (brighter = more), over the image in grey.</p>');
  const rows = Math.min(Math.max(...explanations.map((e) => e.rows)), opts.maxRows ?? 8);
  for (let r = 0; r < rows; r++) {
    const first = explanations.find((e) => r < e.rows)!;
    const o = first.defaultOutput(r);
    const p = first.prediction(r, o);
    const source = first.rowIndices ? ` (data row ${first.rowIndices[r]})` : '';
    out.push(`<div class="digit"><h3>${escapeHtml(`Row ${r}${source}: predicted '${first.outputName(r, o)}'${Number.isFinite(p) ? ` (${p.toFixed(3)})` : ''}`)}</h3><div class="grid">`);
    for (const e of explanations) {
      if (r >= e.rows) continue;
      const image = isImage(e, opts)!;
      for (const k of explanations.length === 1 ? classesOfInterest(e, r) : [e.defaultOutput(r)]) {
        const label = `${e.method}: ${e.outputName(r, k)}`;
        const spec = e.method === 'grad-cam' ? gradCamOverlay(e, r, k, image, label) : imageHeatmap(e, r, k, image, label);
        out.push(figure(await renderSvg(spec)));
      }
    }
    out.push('</div></div>');
  }
  out.push('</section>');
  return out.join('\n');
}

/** Training curves with the scores and the baseline beside them, then the training settings. */
async function trainingSection(opts: ReportOptions): Promise<string> {
  const out = ['<section><h2>Training</h2><div class="grid">'];
  if (opts.trainingHistory) {
    const th = opts.trainingHistory;
    const h = 'history' in th && !Array.isArray(th.history) ? th.history : (th as Record<string, number[]>);
    out.push(`<div>${figure(await renderSvg(trainingCurves(h as Record<string, number[]>)))}<p class="legend">Curves: loss and metrics per epoch as the ` +
      'network sees them (a regression target standardised: in standard deviations of the target). Validation: rows held out of training for early stopping.</p></div>');
  }
  const ev = opts.evaluation;
  if (ev) {
    const rows = Object.entries(ev.scores).map(([k, v]) => {
      const b = ev.baseline?.[k];
      return `<tr><td>${escapeHtml(k)}</td><td>${fmt(v)}</td><td>${b === undefined ? '' : fmt(b)}</td></tr>`;
    });
    out.push(`<div class="fig"><h3>${escapeHtml(ev.heading)}</h3><table><tr><th>metric</th><th>model</th><th>trivial baseline</th></tr>${rows.join('')}</table>` +
      `${ev.warning ? `<p class="warn">${escapeHtml(ev.warning)}</p>` : ''}` +
      '<p class="legend">Trivial baseline: always the training mean (regression) or the training class shares (classification).</p></div>');
  }
  out.push('</div>');
  if (opts.trainingSettings) out.push(`<h3>Settings</h3>${keyValueTable(opts.trainingSettings)}`);
  out.push('</section>');
  return out.join('\n');
}

/** A two-column table of settings; nested values as compact JSON. */
function keyValueTable(obj: Record<string, unknown>): string {
  const rows = Object.entries(obj).map(([k, v]) => {
    const text = typeof v === 'number' ? fmt(v) : typeof v === 'string' ? v : JSON.stringify(v);
    return `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(text ?? '')}</td></tr>`;
  });
  return `<table>${rows.join('')}</table>`;
}

/** The predicted class and the runner-up (or the one explained output when targets are per row). */
function classesOfInterest(e: Explanation, row: number): number[] {
  if (e.outputs === 1) return [0];
  const order = Array.from({ length: e.outputs }, (_, o) => o).sort((a, b) => e.prediction(row, b) - e.prediction(row, a));
  return order.slice(0, 2);
}

function summariseDiagnostics(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => {
      if (Array.isArray(v)) {
        const flat = v.flat(2) as unknown[];
        const nums = flat.filter((x): x is number => typeof x === 'number');
        return nums.length === flat.length && nums.length > 3 ? `${k}: min ${fmt(Math.min(...nums))}, max ${fmt(Math.max(...nums))}` : `${k}: ${JSON.stringify(v)}`;
      }
      return `${k}: ${typeof v === 'number' ? fmt(v) : JSON.stringify(v)}`;
    })
    .join('; ');
}

function fmt(v: number): string {
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
