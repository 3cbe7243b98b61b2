// End-to-end: `glassbox evaluate | predict | explain --model model.onnx` on ONNX files (written by glassbox here:
// the import path is the same as for PyTorch's, which test/onnx/pytorch.test.ts covers).

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as gb from '../src/index.js';
import { glassbox } from './cli-run.js';

describe('glassbox CLI on ONNX models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-cli-onnx-'));
  const regression = join(dir, 'regression.onnx');
  const digits = join(dir, 'digits.onnx');

  beforeAll(async () => {
    // y of test/fixtures/regression.csv is close to linear in x1..x3: a linear model fits it.
    const rows = readFileSync('test/fixtures/regression.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const x = gb.tensor2d(rows.map((r) => r.slice(0, 3)));
    const y = gb.tensor2d(rows.map((r) => [r[3]]));
    gb.setSeed(1);
    const linear = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [3] })] });
    linear.compile({ optimizer: gb.train.adam(0.1), loss: 'meanSquaredError' });
    await linear.fit(x, y, { epochs: 200, batchSize: 60, verbose: 0 });
    writeFileSync(regression, gb.toOnnx(linear));
    // An (untrained) image model taking channels-first [1, 28, 28] images, as PyTorch exports them.
    const image = gb.input({ shape: [1, 28, 28], name: 'image' });
    const logits = gb.layers.dense({ units: 10, name: 'logits' }).apply(gb.layers.flatten().apply(image));
    writeFileSync(digits, gb.toOnnx(gb.model({ inputs: image, outputs: logits })));
  });

  it('evaluates on a CSV file of numbers with --target, predicts every row, and explains rows', () => {
    const e = glassbox('evaluate', '--model', regression, '--data', 'test/fixtures/regression.csv', '--target', 'y', '--json');
    expect(e.code, e.stderr).toBe(0);
    const scores = e.last();
    expect(scores.task).toBe('regression');
    expect(scores.rows).toBe(60);
    expect(scores.loss).toBeLessThan(1);
    const out = join(dir, 'predictions.csv');
    const p = glassbox('predict', '--model', regression, '--data', 'test/fixtures/regression.csv', '--target', 'y', '--out', out, '--json');
    expect(p.code, p.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('row,output');
    const x = glassbox('explain', '--model', regression, '--data', 'test/fixtures/regression.csv', '--target', 'y', '--method', 'integrated-gradients', '--rows', '0:3', '--json');
    expect(x.code, x.stderr).toBe(0);
    expect(x.last().diagnostics.relativeCompletenessGap).toBeLessThan(1e-4);
  });

  it('evaluates and explains an image model on MNIST, reshaped to its [1, 28, 28] input', () => {
    const e = glassbox('evaluate', '--model', digits, '--data', 'mnist', '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(e.last().task).toBe('classification');
    expect(e.last().rows).toBe(10000);
    const report = join(dir, 'digits.html');
    const x = glassbox('explain', '--model', digits, '--data', 'mnist', '--method', 'kernel-shap', '--rows', '0', '--out', report, '--json');
    expect(x.code, x.stderr).toBe(0);
    expect(x.last().shape).toEqual([1, 49, 10]);
    expect(readFileSync(report, 'utf8')).toContain('<svg');
  });

  it('refuses data that does not fit the graph, in one line', () => {
    const r = glassbox('evaluate', '--model', digits, '--data', 'test/fixtures/regression.csv', '--target', 'y');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/rows have 3 values but the ONNX model takes \[batch,1,28,28\] \(784 values per row\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
