// `glassbox evaluate | predict | explain --model model.onnx`: models imported from ONNX carry no table pipeline or
// loss, so the data is MNIST reshaped to the graph's input, or a CSV file of numbers (every column but --target).

import { basename, dirname, join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { loadModel } from '../io/index.js';
import type { LayersModel } from '../train/layers-model.js';
import { loadMnist } from '../data/mnist.js';
import { parseNumber } from '../data/csv-table.js';
import { toCsv } from '../data/csv-write.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeReport } from '../report/index.js';
import { readTableFile } from './table-data.js';
import { MNIST_IMAGE, parseRows } from './datasets.js';
import { explainRows } from './explain-run.js';
import { resultLines } from './result-lines.js';
import { UserError } from './errors.js';

export const isOnnxFile = (path: string) => /\.onnx$/i.test(path);

interface Rows {
  x: Tensor;
  y: Tensor | null;
  /** Image height and width when the rows are images (patch groups for Shapley methods). */
  imageShape?: [number, number];
}

/** Flat rows reshaped to the model's input; the widths must agree. */
function asInput(model: LayersModel<Tensor>, x: Tensor, what: string): Tensor {
  const shape = model.inputShape;
  const want = shape.reduce((a, b) => a * b, 1);
  const got = x.size / Math.max(1, x.shape[0]);
  if (got !== want) throw new UserError(`--data ${what}: rows have ${got} values but the ONNX model takes ${formatShape(['batch' as never, ...shape])} (${want} values per row)`);
  return new Tensor(x.values, [x.shape[0], ...shape], x.dtype);
}

/** The rows a command works on: the MNIST test set, or a CSV file of numbers. */
async function rowsFor(model: LayersModel<Tensor>, data: string, target: string | undefined): Promise<Rows> {
  if (data === 'mnist') {
    const d = await loadMnist();
    return { x: asInput(model, d.testImages, 'mnist'), y: d.testLabels, imageShape: [...MNIST_IMAGE] };
  }
  const { table } = readTableFile(data);
  const t = target === undefined ? -1 : table.header.indexOf(target);
  if (target !== undefined && t < 0) throw new UserError(`--target ${target}: no such column in ${data} (columns: ${table.header.join(', ')})`);
  const features = table.header.map((_, i) => i).filter((i) => i !== t);
  const cell = (r: number, c: number) => {
    const v = parseNumber(table.rows[r][c]);
    if (!Number.isFinite(v)) throw new UserError(`${data}: row ${table.lines[r]}, column "${table.header[c]}" is "${table.rows[r][c]}"; an ONNX model takes numbers only`);
    return v;
  };
  const n = table.rows.length;
  const x = new Tensor(Float32Array.from({ length: n * features.length }, (_, k) => cell(Math.floor(k / features.length), features[k % features.length])), [n, features.length]);
  const y = t < 0 ? null : new Tensor(Float32Array.from({ length: n }, (_, r) => cell(r, t)), [n]);
  return { x: asInput(model, x, data), y };
}

/** Several outputs per row: class scores against integer labels (softmax outputs or logits); one: a regression. */
function compileForScoring(model: LayersModel<Tensor>): 'classification' | 'regression' {
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  if (outputs === 1) {
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    return 'regression';
  }
  const last = model.layers[model.layers.length - 1];
  const softmax = last.className === 'Softmax' || (last.className === 'Activation' && last.getConfig().activation === 'softmax');
  model.compile({ optimizer: 'sgd', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: !softmax }, metrics: ['accuracy'] });
  return 'classification';
}

async function openOnnx(path: string): Promise<LayersModel<Tensor>> {
  const model = await loadModel(path);
  if (model.inputNames.length !== 1 || model.outputNames.length !== 1) {
    throw new UserError(`${path}: the command line takes ONNX models with one input and one output; this one has ${model.inputNames.length} and ${model.outputNames.length}`);
  }
  return model;
}

export async function evaluateOnnx(o: { model: string; data: string; target?: string; json?: boolean }): Promise<void> {
  const model = await openOnnx(o.model);
  const { x, y } = await rowsFor(model, o.data, o.target);
  if (!y) throw new UserError(`--data ${o.data}: name the column to score against with --target`);
  const task = compileForScoring(model);
  const scores = model.evaluateLogs(x, y);
  const result = { rows: x.shape[0], task, ...scores };
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(resultLines(scores, {}, `Scores of ${basename(o.model)} on the ${x.shape[0]} rows given`).join('\n') + '\n');
}

export async function predictOnnx(o: { model: string; data: string; out: string; target?: string; json?: boolean }): Promise<void> {
  const model = await openOnnx(o.model);
  const { x } = await rowsFor(model, o.data, o.target);
  const y = model.predict(x);
  const k = y.size / Math.max(1, y.shape[0]);
  const name = model.outputNames[0];
  const header = ['row', ...(k === 1 ? [name] : Array.from({ length: k }, (_, i) => `${name}_${i}`))];
  const lines = Array.from({ length: y.shape[0] }, (_, r) => [r, ...Array.from(y.values.subarray(r * k, (r + 1) * k), (v) => Number(v.toPrecision(7)))]);
  await writeFileAtomic(o.out, toCsv(header, lines));
  if (o.json) process.stdout.write(JSON.stringify({ rows: lines.length, outputs: k, out: o.out }) + '\n');
  else process.stderr.write(`Predicted ${k} output(s) for ${lines.length} rows (in input order); written to ${o.out}\n`);
}

export interface OnnxExplainFlags {
  model: string; data: string; method: string; rows?: string; out?: string; target?: string; background: number; patch: number;
  samples?: number; steps?: number; seed: number; format: 'text' | 'none'; json?: boolean;
}

export async function explainOnnx(o: OnnxExplainFlags): Promise<void> {
  const model = await openOnnx(o.model);
  const { x, y, imageShape } = await rowsFor(model, o.data, o.target);
  if (imageShape) model.metadata.imageShape = imageShape;
  const rows = parseRows(o.rows ?? (o.method === 'permutation-importance' ? ':' : `0:${Math.min(5, x.shape[0])}`), x.shape[0]);
  const explanation = (await explainRows({
    method: o.method, model, x, y: y ?? undefined, rows, seed: o.seed, backgroundSize: o.background, patch: o.patch, samples: o.samples, steps: o.steps,
  })).withTableContext({ rowIndices: rows });
  const out = o.out ?? join(dirname(o.model), `${basename(o.model).replace(/\.onnx$/i, '')}-explain-${o.method}.html`);
  await writeReport(out, { explanations: [explanation], title: `${o.method} — ${basename(o.model)}`, imageShape, notes: [`data: ${o.data}, rows ${o.rows ?? 'the first 5'}`] });
  if (o.json) process.stdout.write(JSON.stringify({ ...explanation.toJSON(), report: out }) + '\n');
  else {
    if (o.format === 'text') process.stdout.write(explanation.toString() + '\n');
    process.stderr.write(`Report written to ${out}\n`);
  }
}
