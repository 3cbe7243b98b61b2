// End-to-end: the glassbox command on a CSV file and on MNIST, as a user runs it.

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glassbox } from './cli-run.js';


describe('glassbox CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-cli-'));
  const out = join(dir, 'iris');
  let trained: Record<string, number | string>;

  beforeAll(() => {
    const r = glassbox('train', '--data', 'test/fixtures/iris.csv', '--target', 'species', '--epochs', '40', '--batch-size', '16',
      '--hidden', '16', '--lr', '0.01', '--seed', '3', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    trained = r.last();
  });

  it('trains on a CSV file and prints the JSON summary last', () => {
    expect(trained.task).toBe('classification');
    expect(trained.epochs).toBe(40);
    expect(trained.params).toBe(4 * 16 + 16 + 16 * 3 + 3);
    expect(Number(trained.test_accuracy)).toBeGreaterThan(0.85);
    for (const key of ['test_loss', 'train_seconds', 'seconds_per_epoch']) expect(typeof trained[key]).toBe('number');
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });

  it('evaluates the saved model with the encoding and scaling it was trained with, on the rows given', () => {
    const r = glassbox('evaluate', '--model', out, '--data', 'test/fixtures/iris.csv', '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = r.last();
    expect(e.rows).toBe(150);
    expect(e.scored).toBe('all rows given');
    expect(e.accuracy).toBeGreaterThan(0.85);
    expect(Object.keys(e).some((k) => k.startsWith('test_'))).toBe(false);
    expect(r.stderr).toMatch(/is the training file; its rows include the 120 rows the model was trained on/);
    const held = glassbox('evaluate', '--model', out, '--data', 'test/fixtures/iris.csv', '--split', 'test', '--json').last();
    expect(held.rows).toBe(30);
    expect(held.test_accuracy).toBeCloseTo(Number(trained.test_accuracy), 5);
    expect(held.baseline_accuracy).toBeCloseTo(Number(trained.baseline_accuracy), 5);
  });

  it('explains rows with a Shapley method: text, JSON and an HTML report', () => {
    const report = join(dir, 'iris-shap.html');
    const r = glassbox('explain', '--model', out, '--data', 'test/fixtures/iris.csv', '--method', 'exact-shapley', '--rows', '0:4', '--out', report, '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = r.last();
    expect(e.method).toBe('exact-shapley');
    expect(Math.abs(e.diagnostics.additivityGap)).toBeLessThan(1e-5);
    expect(readFileSync(report, 'utf8')).toContain('<svg');
    const text = glassbox('explain', '--model', out, '--data', 'test/fixtures/iris.csv', '--method', 'permutation-importance', '--out', join(dir, 'pi.html'));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/petal_(width|length)/);
  });

  it('exports ONNX', () => {
    const file = join(dir, 'iris.onnx');
    const r = glassbox('export', '--model', out, '--onnx', file);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file).length).toBeGreaterThan(500);
  });

  it('resumes from the checkpoint in --out', () => {
    const r = glassbox('train', '--data', 'test/fixtures/iris.csv', '--target', 'species', '--epochs', '40', '--batch-size', '16',
      '--hidden', '16', '--lr', '0.01', '--seed', '3', '--out', out, '--json', '--resume');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Resuming from/);
    // The checkpoint holds the finished run, so resuming trains no more and gives the same model.
    expect(r.last().test_accuracy).toBe(trained.test_accuracy);
  });

  it('reports user errors in one line, without a stack trace, and exits non-zero', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--data', 'test/fixtures/iris.csv'], /needs --target/],
      [['train', '--data', 'test/fixtures/iris.csv', '--target', 'nope'], /column "nope" not found/],
      [['train', '--data', 'test/fixtures/bad-number.csv', '--target', 'label'], /row 17, column "age"/],
      [['train', '--epochs', '0'], /--epochs must be an integer >= 1/],
      [['train', '--optimizer', 'adamax'], /Allowed choices are/],
      [['train', '--frobnicate'], /unknown option/],
      [['evaluate', '--model', join(dir, 'missing')], /missing/],
      [['explain', '--model', out, '--data', 'test/fixtures/iris.csv', '--rows', '500:600'], /--rows 500:600/],
      [['train', '--data', 'test/fixtures/iris.csv', '--target', 'species', '--out', join(dir, 'fresh'), '--resume'], /no checkpoint/],
    ];
    for (const [args, message] of cases) {
      const r = glassbox(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});

describe('glassbox explain --data mnist on a model saved from code', () => {
  it('treats the rows as 28x28 images (4x4 patches) though the model does not say so', async () => {
    const gb = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-cli-mnist-'));
    gb.setSeed(2);
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 8, activation: 'relu', inputShape: [784] }), gb.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await gb.saveModel(model, dir);
    const r = glassbox('explain', '--model', dir, '--data', 'mnist', '--rows', '0', '--samples', '200', '--format', 'none', '--out', join(dir, 'e.html'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.last().featureNames).toHaveLength(49);
  });
});
