// `glassbox evaluate | predict | explain | export`: commands that work on a saved model folder.

import { Command, Option } from 'commander';
import { loadModel, exportOnnx } from '../io/index.js';
import { integer } from './arguments.js';
import { setBackend } from '../backend/backend.js';
import { METHODS } from '../explain/run.js';
import { writeReport, type ReportOptions } from '../report/index.js';
import { Tensor } from '../tensor/tensor.js';
import type { LayersModel } from '../train/layers-model.js';
import type { TableBaseline } from '../data/table-pipeline.js';
import { subTable } from '../data/csv-table.js';
import { toCsv } from '../data/csv-write.js';
import { writeFileAtomic } from '../io/atomic.js';
import { baselineScores, baselineWarning, tableScores } from '../tables/scores.js';
import { tableOutputs, toPredictions } from '../tables/predict-table.js';
import { tableExplanation } from '../tables/explain-table.js';
import { loadMnistForModel, parseRows } from './datasets.js';
import { modelRows, readTableFile } from './table-data.js';
import { explainRows } from './explain-run.js';
import { resultLines, scoresWithPrefix } from './result-lines.js';
import { UserError } from './errors.js';
import { TablePipeline } from '../data/table-pipeline.js';
import { preprocessingNotes } from '../io/onnx-preprocess.js';
import { evaluateOnnx, explainOnnx, isOnnxFile, predictOnnx } from './onnx-commands.js';

async function openModel(dir: string): Promise<LayersModel<Tensor>> {
  const model = await loadModel(dir);
  if (!model.compileConfig) throw new UserError(`${dir}: the saved model has no compile config (loss), so it cannot be evaluated`);
  return model;
}

const splitOption = () => new Option('--split <part>', 'CSV: only the held-out test rows recorded when the model was trained on this file').choices(['test']);

/** Scores in user units on the rows given, with the baseline; `test_` only for held-out rows. */
async function evaluateCommand(o: { model: string; data: string; split?: 'test'; target?: string; json?: boolean }): Promise<void> {
  if (isOnnxFile(o.model)) return evaluateOnnx(o);
  const model = await openModel(o.model);
  let scores: Record<string, number>;
  let yTrue: Tensor;
  let heldOut: boolean;
  let notes: string[] = [];
  let pipeline: TablePipeline | null = null;
  if (o.data === 'mnist') {
    if (o.split) throw new UserError('--split applies to CSV files; --data mnist is always the 10k held-out test set');
    const { x, y } = await loadMnistForModel(model.metadata);
    scores = model.evaluateLogs(x, y);
    [yTrue, heldOut] = [y, true];
  } else {
    const rows = modelRows(o.data, model.metadata, { split: o.split, needTarget: true });
    pipeline = rows.pipeline;
    yTrue = pipeline.targetValues(rows.table, 'cli');
    scores = tableScores(pipeline.task, yTrue, tableOutputs(model, pipeline, rows.table, 'cli'));
    [heldOut, notes] = [rows.heldOut, rows.notes];
  }
  const recorded = (pipeline?.baseline ?? model.metadata.baseline) as TableBaseline | undefined;
  const baseline = recorded ? baselineScores(recorded, yTrue) : {};
  const prefix = heldOut ? 'test_' : '';
  const warning = baselineWarning(scores, baseline);
  const result: Record<string, unknown> = {
    rows: yTrue.shape[0], scored: heldOut ? 'held-out test rows' : 'all rows given',
    ...Object.fromEntries(Object.entries(scores).map(([k, v]) => [prefix + k, v])), ...baseline, ...(warning ? { warning } : {}),
  };
  for (const n of notes) process.stderr.write(n + '\n');
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const heading = heldOut ? `Test scores on ${result.rows} held-out rows` : `Scores on the ${result.rows} rows given`;
    process.stdout.write([...resultLines(scores, baseline, heading), ...(warning ? [warning] : [])].join('\n') + '\n');
  }
}

/** Predictions for every row of a CSV file, in its order, written as CSV. */
async function predictCommand(o: { model: string; data: string; out: string; target?: string; json?: boolean }): Promise<void> {
  if (isOnnxFile(o.model)) return predictOnnx(o);
  const model = await loadModel(o.model);
  const pipeline = TablePipeline.fromMetadata(model.metadata);
  if (!pipeline) throw new UserError(`${o.model}: this model was not trained on a CSV file; predict takes table models (train one with --data file.csv)`);
  const { table } = readTableFile(o.data);
  const predictions = toPredictions(pipeline, tableOutputs(model, pipeline, table, 'cli'));
  const classes = pipeline.encoder.classes ?? [];
  const header = ['row', pipeline.target, ...classes.map((c) => `probability_${c}`)];
  const lines = predictions.map((p, r) => [
    r, typeof p.prediction === 'number' ? Number(p.prediction.toPrecision(7)) : p.prediction, ...classes.map((c) => Number(p.probabilities![c].toPrecision(6))),
  ]);
  await writeFileAtomic(o.out, toCsv(header, lines));
  if (o.json) process.stdout.write(JSON.stringify({ rows: lines.length, target: pipeline.target, task: pipeline.task, out: o.out }) + '\n');
  else process.stderr.write(`Predicted "${pipeline.target}" for ${lines.length} rows (in input order); written to ${o.out}\n`);
}

interface ExplainFlags {
  model: string; data: string; method: string; rows?: string; out?: string; background: number; patch: number; samples?: number; steps?: number;
  layer?: string; window?: number; stride?: number; seed: number; format: 'text' | 'none'; json?: boolean; split?: 'test'; target?: string;
  redis?: string; queue?: string; shardRows?: number;
}

async function explainCommand(o: ExplainFlags): Promise<void> {
  if (isOnnxFile(o.model)) return explainOnnx(o);
  const model = await loadModel(o.model);
  const global = o.method === 'permutation-importance';
  const common = {
    method: o.method, model, seed: o.seed, backgroundSize: o.background, patch: o.patch, samples: o.samples, steps: o.steps, layer: o.layer, window: o.window, stride: o.stride,
    distributed: o.redis ? { redis: o.redis, queue: o.queue, shardRows: o.shardRows } : undefined,
  };
  const defaultRows = (n: number) => (global ? ':' : `0:${Math.min(5, n)}`);
  let explanation;
  if (o.data === 'mnist') {
    if (o.split) throw new UserError('--split applies to CSV files; --data mnist is always the 10k held-out test set');
    const { x, y, imageShape: grid } = await loadMnistForModel(model.metadata);
    // A model saved from code has no image note; the data's grid applies (patches, heat maps).
    model.metadata.imageShape ??= grid;
    const rows = parseRows(o.rows ?? defaultRows(x.shape[0]), x.shape[0]);
    explanation = (await explainRows({ ...common, x, y, rows })).withTableContext({ rowIndices: rows });
  } else {
    const data = modelRows(o.data, model.metadata, { split: o.split, needTarget: global });
    for (const n of data.notes) process.stderr.write(n + '\n');
    const { pipeline, table } = data;
    const rows = parseRows(o.rows ?? defaultRows(table.rows.length), table.rows.length);
    const picked = subTable(table, rows);
    const stored = model.metadata.background as number[][] | undefined;
    // With background rows kept in the model only the rows asked for are encoded (a missing cell elsewhere does not matter);
    // older models take their background from the file.
    const all = !stored || stored.length === 0;
    const x = pipeline.encodeFeatures(all ? table : picked, { style: 'cli' });
    const background = all ? undefined
      : new Tensor(Float32Array.from(stored.slice(0, o.background).flat()), [Math.min(stored.length, o.background), x.shape[1]]);
    const y = global ? pipeline.encodeTarget(all ? table : picked, 'cli') : undefined;
    const e = await explainRows({ ...common, x, y, rows: all ? rows : rows.map((_, i) => i), background });
    explanation = tableExplanation(e, pipeline, picked, rows.map((r) => data.rowIndices[r]));
  }
  const out = o.out ?? `${o.model}/explain-${o.method}.html`;
  const imageShape = model.metadata.imageShape as [number, number] | undefined;
  const rowsNote = o.rows ?? (global ? 'all' : 'the first 5');
  await writeReport(out, {
    explanations: [explanation], title: `${o.method} — ${o.model}`, imageShape, notes: [`data: ${o.data}${o.split ? ' (held-out test rows)' : ''}, rows ${rowsNote}`],
    ...trainingReport(model),
  });
  if (o.json) process.stdout.write(JSON.stringify({ ...explanation.toJSON(), report: out }) + '\n');
  else {
    if (o.format === 'text') process.stdout.write(explanation.toString() + '\n');
    process.stderr.write(`Report written to ${out}\n`);
  }
}

/** The training section of a report from what the model recorded when it was trained: curves, held-out scores, settings. */
function trainingReport(model: LayersModel<Tensor>): Pick<ReportOptions, 'trainingHistory' | 'evaluation' | 'trainingSettings'> {
  const t = model.metadata.training as (Record<string, unknown> & { history?: Record<string, number[]>; settings?: Record<string, unknown>; warning?: string }) | undefined;
  if (!t) return {};
  const scores = scoresWithPrefix(t, 'test_');
  return {
    trainingHistory: t.history,
    evaluation: { heading: `Test scores on ${String(t.test_rows ?? 'the')} held-out rows, at training`, scores, baseline: scoresWithPrefix(t, 'baseline_'), warning: t.warning },
    trainingSettings: t.settings,
  };
}

export function registerModelCommands(program: Command): void {
  program
    .command('evaluate')
    .description('score a saved model on the rows given (CSV: in the target\'s units), beside the trivial baseline')
    .requiredOption('--model <dir|file.onnx>', 'saved model folder, or an ONNX file')
    .option('--data <mnist|file.csv>', 'data to evaluate on (MNIST: the 10k test set; CSV: every row, or --split test)', 'mnist')
    .addOption(splitOption())
    .option('--target <column>', 'ONNX models: the CSV column to score against (the other columns are the inputs, in order)')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      if (o.backend) setBackend(o.backend);
      await evaluateCommand(o);
    });

  program
    .command('predict')
    .description('predict every row of a CSV file (the target column may be absent) and write the predictions as CSV')
    .requiredOption('--model <dir|file.onnx>', 'saved model folder (trained on a CSV file), or an ONNX file')
    .requiredOption('--data <file.csv>', 'rows to predict, with the training columns')
    .option('--target <column>', 'ONNX models: a column of the CSV file to leave out of the inputs')
    .requiredOption('--out <predictions.csv>', 'CSV to write: row, the predicted target (and class probabilities)')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      if (o.backend) setBackend(o.backend);
      await predictCommand(o);
    });

  program
    .command('explain')
    .description('explain a saved model\'s predictions and write an HTML report')
    .requiredOption('--model <dir|file.onnx>', 'saved model folder, or an ONNX file')
    .option('--data <mnist|file.csv>', 'rows to explain come from this data (MNIST: the test set; CSV: the target column is optional)', 'mnist')
    .option('--target <column>', 'ONNX models: the CSV column that is the target, not an input')
    .addOption(new Option('--method <name>', 'explanation method').choices(METHODS).default('kernel-shap'))
    .option('--rows <spec>', 'rows to explain: START:END, an index, or a comma list (default: the first 5; permutation importance: all)')
    .addOption(splitOption())
    .option('--out <file.html>', 'HTML report to write (default: <model>/explain-<method>.html)')
    .option('--background <n>', 'background rows for Shapley/LIME methods', integer('--background', 1), 100)
    .option('--patch <n>', 'pixel patch side for image models (0: single pixels)', integer('--patch', 0), 4)
    .option('--samples <n>', 'samples / permutations / repeats, where the method samples', integer('--samples', 1))
    .option('--steps <n>', 'integration steps (integrated-gradients, layer-integrated-gradients)', integer('--steps', 1))
    .option('--layer <name>', 'layer to attribute to (grad-cam: default the last convolution; layer-integrated-gradients: required)')
    .option('--window <n>', 'occlusion: window side on the image grid (default 4; 1 on table rows)', integer('--window', 1))
    .option('--stride <n>', 'occlusion: step between windows (default: the window)', integer('--stride', 1))
    .option('--seed <n>', 'seed for sampling', integer('--seed', 0), 0)
    .addOption(new Option('--format <kind>', 'what to print').choices(['text', 'none']).default('text'))
    .option('--json', 'print one JSON object with values and diagnostics')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .option('--redis <url>', 'run on BullMQ workers through this Redis (redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS); same result as a local run')
    .option('--queue <name>', 'with --redis: the queue the workers take jobs from', 'glassbox')
    .option('--shard-rows <n>', 'with --redis: rows per job (default: about 32 jobs, at most 100 rows each)', integer('--shard-rows', 1))
    .action(async (o) => {
      if (o.backend) setBackend(o.backend);
      await explainCommand(o);
    });

  program
    .command('export')
    .description('export a saved model to ONNX (table models: with their preprocessing, so the graph takes raw values)')
    .requiredOption('--model <dir>', 'saved model folder')
    .requiredOption('--onnx <file>', 'ONNX file to write')
    .option('--no-preprocessing', 'table models: export the bare network (scaled, encoded inputs) without the preprocessing')
    .action(async (o) => {
      const model = await loadModel(o.model);
      await exportOnnx(model, o.onnx, { preprocessing: o.preprocessing });
      const pipeline = o.preprocessing ? TablePipeline.fromMetadata(model.metadata) : null;
      const notes = pipeline ? preprocessingNotes(pipeline).map((n) => `  ${n}\n`).join('') : '';
      process.stderr.write(`ONNX model written to ${o.onnx}${pipeline ? ' with the table preprocessing in the graph:' : ''}\n${notes}`);
    });
}
