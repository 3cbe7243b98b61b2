// Explainer benchmarks for `npm run bench`: KernelSHAP, permutation importance and integrated gradients on MNIST.

import { existsSync } from 'node:fs';
import '../index.js'; // registers the backends (wasm by default), as users get them
import { Tensor } from '../tensor/tensor.js';
import { loadMnist } from '../data/index.js';
import { sequential } from '../train/sequential.js';
import { layers } from '../nn/index.js';
import { loadModel } from '../io/index.js';
import { integratedGradients, kernelShap, patchGroups, permutationImportance, sampleBackground } from '../explain/index.js';
import type { BenchOptions, BenchSection, BenchTable, Cell } from './types.js';

export interface ExplainBenchOptions {
  quick: boolean;
  /** A saved model folder to explain (default runs/mnist when it exists, else a model trained here). */
  modelDir?: string;
}

type MnistModel = Awaited<ReturnType<typeof loadModel>>;

/** Runs the three explainer benchmarks and returns one table of results. */
export async function runExplainBench(opts: ExplainBenchOptions): Promise<BenchTable[]> {
  const quick = opts.quick;
  const data = await loadMnist({ trainLimit: quick ? 5000 : 20000, testLimit: 10000 });
  const { model, source } = await mnistModel(data.trainImages, data.trainLabels, opts.modelDir, quick);
  const groups = patchGroups(28, 28, 4);
  const background = sampleBackground(data.trainImages, 100, { seed: 1 }).data;
  const rows: Cell[][] = [];
  const notes: string[] = [`model: ${source}`];

  // KernelSHAP: 49 patch groups, 100 background rows, default samples (2*49+2048 coalitions x 100 rows each).
  const nShap = quick ? 3 : 10;
  const xs = takeRows(data.testImages, 0, nShap);
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  const shap = await kernelShap(model, xs, { background, groups, seed: 0 });
  let secs = (performance.now() - t) / 1000;
  const rssGrowth = (process.memoryUsage().rss - rss0) / 2 ** 20;
  const modelRows = (shap.diagnostics.modelRows as number) / nShap;
  rows.push(['kernelShap, 49 groups, 100 background', nShap / secs, 'explanations/s', '>= 2', `${Math.round(modelRows)} model rows per explanation; additivity gap ${(shap.diagnostics.additivityGap as number).toExponential(1)}; first-layer fast path ${shap.diagnostics.fastPath}; RSS growth ${rssGrowth.toFixed(0)} MiB`]);
  if (!quick) {
    const one = takeRows(data.testImages, 0, 1);
    t = performance.now();
    await kernelShap(model, one, { background, groups, seed: 0, fastPath: false });
    secs = (performance.now() - t) / 1000;
    rows.push(['kernelShap, generic path (plain predict calls)', 1 / secs, 'explanations/s', '', 'same explanation without the first-layer decomposition, chunks of 8192 rows']);
  }

  // Permutation importance: the whole test set, 49 groups, 5 repeats.
  t = performance.now();
  const pi = await permutationImportance(model, data.testImages, { y: data.testLabels, groups, nRepeats: 5, seed: 0 });
  secs = (performance.now() - t) / 1000;
  rows.push(['permutationImportance, 10000 rows, 49 groups x 5 repeats', secs, 's', '< 10', `baseline accuracy ${(pi.diagnostics.baselineScore as number).toFixed(4)}; fast path ${pi.diagnostics.fastPath}`]);

  // Integrated gradients, 64 steps, predicted class.
  const nIg = quick ? 50 : 200;
  const xi = takeRows(data.testImages, 0, nIg);
  t = performance.now();
  const ig = await integratedGradients(model, xi, { steps: 64, outputs: 'predicted' });
  secs = (performance.now() - t) / 1000;
  rows.push(['integratedGradients, 64 steps, predicted class', nIg / secs, 'explanations/s', '>= 200', `max relative completeness gap ${(ig.diagnostics.relativeCompletenessGap as number).toExponential(2)} (target < 1%)`]);
  const nAll = quick ? 10 : 40;
  t = performance.now();
  await integratedGradients(model, takeRows(data.testImages, 0, nAll), { steps: 64, outputs: 'all' });
  secs = (performance.now() - t) / 1000;
  rows.push(['integratedGradients, 64 steps, all 10 classes', nAll / secs, 'explanations/s', '', 'ten attributions per explanation']);
  return [{ title: 'Explainers on the MNIST model (784-64-10)', columns: ['benchmark', 'value', 'unit', 'target', 'notes'], rows, notes }];
}

export const sections: BenchSection[] = [{ name: 'explain', run: (o: BenchOptions) => runExplainBench({ quick: o.quick }) }];

function takeRows(x: Tensor, start: number, n: number): Tensor {
  const width = x.size / x.shape[0];
  return new Tensor(Float32Array.from(x.values.subarray(start * width, (start + n) * width)), [n, ...x.shape.slice(1)]);
}

async function mnistModel(x: Tensor, y: Tensor, dir: string | undefined, quick: boolean): Promise<{ model: MnistModel; source: string }> {
  const path = dir ?? 'runs/mnist';
  if (existsSync(path)) return { model: await loadModel(path), source: path };
  const model = sequential({
    layers: [layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: quick ? 1 : 2, batchSize: 64, verbose: 0, shuffleSeed: 1 });
  return { model, source: `784-64-10 trained here on ${x.shape[0]} examples for ${quick ? 1 : 2} epoch(s) (no ${path})` };
}

// `node dist/bench/explain.js [--quick]` runs this section alone.
if (process.argv[1] && /bench[\\/]explain\.(js|ts)$/.test(process.argv[1])) {
  const tables = await runExplainBench({ quick: process.argv.includes('--quick') });
  for (const t of tables) {
    console.log(t.title);
    for (const r of t.rows) console.log(`  ${String(r[0]).padEnd(58)} ${typeof r[1] === 'number' ? r[1].toFixed(2) : r[1]} ${r[2]} (target ${r[3] || '-'})  ${r[4]}`);
    for (const n of t.notes ?? []) console.log(`  note: ${n}`);
  }
}
