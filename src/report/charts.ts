// Vega-Lite specs for the report: global importance bars, beeswarm, waterfall, image heatmaps, training curves.

import type { TopLevelSpec } from 'vega-lite';
import type { Explanation } from '../explain/explanation.js';

const FONT = { config: { font: 'sans-serif', view: { stroke: null } } } as const;
/** Widest axis label in pixels before Vega cuts it with an ellipsis (its default, 180, cuts "feature = value" labels). */
const LABEL_LIMIT = 600;
/** Longest "feature = value" label in characters; longer values keep their start and end. */
const LABEL_CHARS = 48;

/** Features ordered by global importance for one output, most important first. */
export function topFeatures(e: Explanation, output: number, k: number): number[] {
  if (e.kind === 'global') return sortDesc(e.features, (f) => e.value(0, f, output)).slice(0, k);
  const imp = e.importance(output);
  return sortDesc(e.features, (f) => imp[f]).slice(0, k);
}

function sortDesc(n: number, key: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
}

/** Horizontal bars: mean |attribution| per feature (or permutation importance with std error bars). */
export function importanceBar(e: Explanation, output: number, k = 15): TopLevelSpec {
  const feats = topFeatures(e, output, k);
  const global = e.kind === 'global';
  const std = global && Array.isArray(e.diagnostics.std) ? (e.diagnostics.std as number[]) : null;
  const imp = global ? null : e.importance(output);
  const values = feats.map((f, rank) => {
    const v = global ? e.value(0, f, output) : imp![f];
    const s = std ? std[f] : 0;
    return { feature: readableLabel(e.featureNames[f], ''), rank, value: v, lo: v - s, hi: v + s };
  });
  const title = global ? `Permutation importance (drop in ${String(e.settings.scoring)}), mean ± std` : 'Global importance: mean |attribution|';
  const bar = { mark: { type: 'bar', color: '#4c78a8' }, encoding: {
    y: { field: 'feature', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelLimit: LABEL_LIMIT } },
    x: { field: 'value', type: 'quantitative', title: global ? 'importance' : 'mean |value|' },
  } };
  const layers: object[] = [bar];
  if (std) layers.push({ mark: { type: 'rule', color: '#222' }, encoding: { y: { field: 'feature', type: 'nominal', sort: { field: 'rank' }, title: null }, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } });
  return { ...FONT, title, width: 420, height: Math.max(60, 18 * values.length), data: { values }, layer: layers } as TopLevelSpec;
}

/** One dot per row and feature at its attribution, coloured by the feature's value (low blue, high red). */
export function beeswarm(e: Explanation, output: number, k = 12): TopLevelSpec {
  const feats = topFeatures(e, output, k);
  const values: object[] = [];
  feats.forEach((f, rank) => {
    const raw = Array.from({ length: e.rows }, (_, r) => numericValue(e, r, f));
    const lo = Math.min(...raw);
    const hi = Math.max(...raw);
    for (let r = 0; r < e.rows; r++) {
      values.push({
        feature: readableLabel(e.featureNames[f], ''), rank, value: e.value(r, f, output),
        level: hi > lo ? (raw[r] - lo) / (hi - lo) : 0.5,
        jitter: ((r * 2654435761) % 1000) / 1000 - 0.5,
      });
    }
  });
  return {
    ...FONT, title: `Attributions per row for '${e.outputName(0, output)}' (colour: feature value)`, width: 420,
    height: Math.max(80, 26 * feats.length), data: { values },
    mark: { type: 'circle', size: 22, opacity: 0.8 },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelLimit: LABEL_LIMIT } },
      yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1.2, 1.2] } },
      x: { field: 'value', type: 'quantitative', title: 'attribution' },
      color: { field: 'level', type: 'quantitative', scale: { range: ['#1e88e5', '#ff0d57'], domain: [0, 1] }, title: 'feature value (low → high)' },
    },
  } as TopLevelSpec;
}

function numericValue(e: Explanation, r: number, f: number): number {
  if (!e.data) return 0;
  const width = e.data.length / e.rows;
  const members = e.groups ? e.groups[f].indices : [f];
  let s = 0;
  for (const i of members) s += e.data[r * width + i];
  return s / members.length;
}

/** Waterfall for one row: from the base value, each top feature's contribution, to the prediction. */
export function waterfall(e: Explanation, row: number, output: number, k = 10): TopLevelSpec {
  const order = sortDesc(e.features, (f) => Math.abs(e.value(row, f, output)));
  const shown = order.slice(0, k);
  let rest = 0;
  for (const f of order.slice(k)) rest += e.value(row, f, output);
  const steps = shown.map((f) => ({ label: readableLabel(e.featureNames[f], e.featureValue(row, f)), value: e.value(row, f, output) }));
  if (order.length > k) steps.push({ label: `${order.length - k} other features`, value: rest });
  let cur = e.baseValue(row, output);
  const values = steps.map((s, i) => {
    const start = cur;
    cur += s.value;
    return { label: s.label, order: i, start, end: cur, value: s.value, sign: s.value >= 0 ? 'raises' : 'lowers', text: (s.value >= 0 ? '+' : '') + Number(s.value.toPrecision(3)) };
  });
  const source = e.rowIndices ? ` (data row ${e.rowIndices[row]})` : '';
  const title = e.additive
    ? `Row ${row}${source}: '${e.outputName(row, output)}' from base ${Number(e.baseValue(row, output).toPrecision(4))} to ${Number(cur.toPrecision(4))}`
    : `Row ${row}${source}: '${e.outputName(row, output)}' = ${Number(e.prediction(row, output).toPrecision(4))}; attributions (not additive) stacked from ${Number(e.baseValue(row, output).toPrecision(4))}`;
  return {
    ...FONT, title, width: 420, height: Math.max(60, 22 * values.length), data: { values },
    encoding: { y: { field: 'label', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: LABEL_LIMIT } } },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'model output', scale: { zero: false, padding: 36 } }, x2: { field: 'end' },
          color: { field: 'sign', type: 'nominal', scale: { domain: ['raises', 'lowers'], range: ['#ff0d57', '#1e88e5'] }, title: null, legend: { orient: 'bottom' } },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'text' } } },
    ],
  } as TopLevelSpec;
}

/** "name = value" for an axis, at most LABEL_CHARS long: the value keeps up to 60% (cut in its middle), the name the rest. */
export function readableLabel(name: string, value: string): string {
  if (value === '') return middleCut(name, LABEL_CHARS);
  if (name.length + value.length + 3 <= LABEL_CHARS) return `${name} = ${value}`;
  const v = middleCut(value, Math.max(LABEL_CHARS - 3 - name.length, Math.floor(LABEL_CHARS * 0.6)));
  return `${middleCut(name, LABEL_CHARS - 3 - v.length)} = ${v}`;
}

/** Text cut to n characters by dropping its middle (start and end stay readable). */
function middleCut(text: string, n: number): string {
  if (text.length <= n) return text;
  const head = Math.ceil((n - 1) * 0.6);
  return `${text.slice(0, head)}…${text.slice(text.length - (n - 1 - head))}`;
}

/**
 * Per-pixel attribution of one row and output over the image: group values spread over their pixels, and
 * channels (the last axis, as rows store them) summed into their pixel.
 */
export function pixelAttributions(e: Explanation, row: number, output: number, pixels: number): Float64Array {
  const out = new Float64Array(pixels);
  const width = e.inputNames.length;
  const channels = Math.max(1, Math.round(width / pixels));
  const add = (i: number, v: number) => {
    const p = Math.floor(i / channels);
    if (p < pixels) out[p] += v;
  };
  if (e.groups) {
    e.groups.forEach((g, f) => {
      const v = e.value(row, f, output) / g.indices.length;
      for (const i of g.indices) add(i, v);
    });
  } else for (let i = 0; i < e.features; i++) add(i, e.value(row, i, output));
  return out;
}

/** The row's own values as ink on the image grid (one channel per pixel only; else none). */
function inkOf(e: Explanation, row: number, pixels: number): object[] {
  if (!e.data || e.data.length !== e.rows * pixels) return [];
  const strokes: object[] = [];
  for (let i = 0; i < pixels; i++) {
    const ink = e.data[row * pixels + i];
    if (ink > 0.2) strokes.push({ i, ink: Number(ink.toFixed(2)) });
  }
  return strokes;
}

const GRID_ENCODING = { x: { field: 'x', type: 'ordinal', axis: null }, y: { field: 'y', type: 'ordinal', axis: null } } as const;

function withXY(w: number, cells: { i: number }[]): object[] {
  return cells.map((c) => ({ ...c, x: c.i % w, y: Math.floor(c.i / w) }));
}

/** Heatmap of attributions over the digit: red raises the output, blue lowers it; the strokes drawn on top. */
export function imageHeatmap(e: Explanation, row: number, output: number, imageShape: [number, number], title: string): TopLevelSpec {
  const [h, w] = imageShape;
  const attr = pixelAttributions(e, row, output, h * w);
  const maxAbs = Math.max(1e-12, ...Array.from(attr, Math.abs));
  const cells = withXY(w, Array.from({ length: h * w }, (_, i) => ({ i, v: Number((attr[i] / maxAbs).toFixed(3)) })));
  const strokes = withXY(w, inkOf(e, row, h * w) as { i: number }[]);
  const enc = GRID_ENCODING;
  return {
    ...FONT, title: { text: title, fontSize: 11 }, width: 140, height: 140,
    layer: [
      { data: { values: cells }, mark: { type: 'rect' }, encoding: { ...enc, color: {
        field: 'v', type: 'quantitative', scale: { scheme: 'redblue', reverse: true, domain: [-1, 1] },
        legend: { title: `attribution (1 = ${Number(maxAbs.toPrecision(3))})`, orient: 'bottom', direction: 'horizontal', gradientLength: 120, titleFontSize: 9, labelFontSize: 9, values: [-1, 0, 1] },
      } } },
      { data: { values: strokes }, mark: { type: 'rect', color: '#000' }, encoding: { ...enc, opacity: { field: 'ink', type: 'quantitative', scale: { domain: [0, 1], range: [0, 0.45] }, legend: null } } },
    ],
  } as TopLevelSpec;
}

/**
 * Grad-CAM overlay: the digit in grey, the class activation map on top in a warm scale, cells where the map
 * is (almost) zero left clear so the digit shows through, with its colour scale.
 */
export function gradCamOverlay(e: Explanation, row: number, output: number, imageShape: [number, number], title: string): TopLevelSpec {
  const [h, w] = imageShape;
  const cam = pixelAttributions(e, row, output, h * w);
  const max = Math.max(1e-12, ...Array.from(cam));
  const cells = withXY(w, Array.from({ length: h * w }, (_, i) => ({ i, v: Number((Math.max(0, cam[i]) / max).toFixed(3)) })));
  const ink = withXY(w, inkOf(e, row, h * w) as { i: number }[]);
  const enc = GRID_ENCODING;
  const all = withXY(w, Array.from({ length: h * w }, (_, i) => ({ i })));
  return {
    ...FONT, title: { text: title, fontSize: 11 }, width: 140, height: 140,
    layer: [
      // Every cell, so the grid keeps its full size where the ink is empty.
      { data: { values: all }, mark: { type: 'rect', color: '#ffffff' }, encoding: enc },
      { data: { values: ink }, mark: { type: 'rect', color: '#444' }, encoding: { ...enc, opacity: { field: 'ink', type: 'quantitative', scale: { domain: [0, 1], range: [0, 0.8] }, legend: null } } },
      { data: { values: cells }, mark: { type: 'rect' }, encoding: { ...enc,
        opacity: { condition: { test: 'datum.v < 0.02', value: 0 }, value: 0.7 },
        color: { field: 'v', type: 'quantitative', scale: { scheme: 'yelloworangered', domain: [0, 1] },
          legend: { title: `Grad-CAM (1 = ${Number(max.toPrecision(3))})`, orient: 'bottom', direction: 'horizontal', gradientLength: 120, titleFontSize: 9, labelFontSize: 9, values: [0, 0.5, 1] } },
      } },
    ],
  } as TopLevelSpec;
}

/** Training curves: one panel per metric (loss, error, accuracy each on its own axis), training solid, validation dashed. */
export function trainingCurves(history: Record<string, number[]>): TopLevelSpec {
  const values: object[] = [];
  for (const [key, series] of Object.entries(history)) {
    if (!Array.isArray(series)) continue;
    const validation = key.startsWith('val_');
    const metric = validation ? key.slice(4) : key;
    series.forEach((v, i) => { if (Number.isFinite(v)) values.push({ epoch: i + 1, value: v, metric, rows: validation ? 'validation' : 'training' }); });
  }
  return {
    ...FONT, title: 'Training history', data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 12 } } },
    spec: { width: 240, height: 160, mark: { type: 'line', point: { size: 12 } }, encoding: {
      x: { field: 'epoch', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
      color: { field: 'rows', type: 'nominal', scale: { domain: ['training', 'validation'], range: ['#4c78a8', '#f58518'] }, title: null },
      strokeDash: { field: 'rows', type: 'nominal', scale: { domain: ['training', 'validation'], range: [[1, 0], [5, 3]] }, title: null },
    } },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
