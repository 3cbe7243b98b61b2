// End-to-end: `glassbox compress` on MNIST and on CSV models, as a user runs it: each technique writes a normal
// model folder that evaluate, explain and export take, and a trade-off whose figures match the folders.

import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glassbox } from './cli-run.js';

const folderBytes = (dir: string) => statSync(join(dir, 'model.json')).size + statSync(join(dir, 'weights.safetensors')).size;
const limits = ['--train-limit', '4000', '--test-limit', '600'];

describe('glassbox compress on an MNIST MLP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-compress-'));
  const mlp = join(dir, 'mlp');
  beforeAll(() => {
    const r = glassbox('train', '--data', 'mnist', '--epochs', '3', '--seed', '2', '--out', mlp, ...limits);
    expect(r.code, r.stderr).toBe(0);
  });

  it('--quantize int8 writes an int8 folder and a trade-off that matches it', () => {
    const out = join(dir, 'int8');
    const r = glassbox('compress', '--model', mlp, '--out', out, '--quantize', 'int8', '--explain-rows', '200', '--json', ...limits);
    expect(r.code, r.stderr).toBe(0);
    const t = r.last();
    expect(t.technique).toBe('int8 post-training quantisation');
    expect(t.metric).toBe('accuracy');
    expect(t.before.bytes).toBe(folderBytes(mlp));
    expect(t.after.bytes).toBe(folderBytes(out));
    expect(t.change.bytesRatio).toBeLessThanOrEqual(0.35);
    // Scales are parameters too: one per unit.
    expect(t.after.params).toBe(t.before.params + 64 + 10);
    expect(Math.abs(t.change.scoreChange)).toBeLessThan(2);
    expect(t.after.rowsPerSecond).toBeGreaterThan(0);
    expect(t.explanationShift.spearman).toBeGreaterThan(0.5);
    expect(t.explanationShift.k).toBe(10);
    expect(readFileSync(join(out, 'compress-report.html'), 'utf8')).toContain('Compression — int8 post-training quantisation');
    const ev = glassbox('evaluate', '--model', out, '--json');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.last().test_accuracy).toBeGreaterThan(0.8);
    const ex = glassbox('explain', '--model', out, '--method', 'lime', '--rows', '0:1', '--format', 'none', '--json');
    expect(ex.code, ex.stderr).toBe(0);
    const onnx = join(dir, 'int8.onnx');
    expect(glassbox('export', '--model', out, '--onnx', onnx).code).toBe(0);
    expect(readFileSync(onnx).includes('DequantizeLinear')).toBe(true);
  });

  it('--prune 0.8 leaves at least 80% of the kernel weights zero after fine-tuning; the text table says so', () => {
    const out = join(dir, 'pruned');
    const r = glassbox('compress', '--model', mlp, '--out', out, '--prune', '0.8', '--fine-tune-epochs', '1', '--no-explain', ...limits);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Trade-off: unstructured pruning to 80% sparsity/);
    expect(r.stdout).toMatch(/^change\s+[+-]\d+\.\d\d pt/m);
    const doc = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(doc.metadata.compression.steps[0].kernelSparsity).toBeGreaterThanOrEqual(0.8 - 1e-4);
    expect(doc.metadata.training).toBeUndefined();
  });

  it('--prune 0.5 --structured shrinks the hidden layer; --distill --hidden 16 trains a smaller student', () => {
    const s = glassbox('compress', '--model', mlp, '--out', join(dir, 'narrow'), '--prune', '0.5', '--structured', '--fine-tune-epochs', '1', '--no-explain', '--json', ...limits);
    expect(s.code, s.stderr).toBe(0);
    expect(s.last().after.params).toBe(784 * 32 + 32 + 32 * 10 + 10);
    const d = glassbox('compress', '--model', mlp, '--out', join(dir, 'student'), '--distill', '--hidden', '16', '--epochs', '2', '--no-explain', '--json', ...limits);
    expect(d.code, d.stderr).toBe(0);
    expect(d.last().after.params).toBe(784 * 16 + 16 + 16 * 10 + 10);
    expect(d.last().after.score).toBeGreaterThan(0.7);
    expect(d.stderr).toMatch(/epoch 2\/2: distillation loss/);
  });

  it('says what is missing or wrong in one line', () => {
    const none = glassbox('compress', '--model', mlp, '--out', join(dir, 'x'));
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toMatch(/^glassbox: say what to do: --quantize int8, --prune F/);
    expect(glassbox('compress', '--model', mlp, '--out', join(dir, 'x'), '--hidden', '8').stderr).toMatch(/--hidden and --config describe the student of --distill/);
    expect(glassbox('compress', '--model', mlp, '--out', join(dir, 'x'), '--distill').stderr).toMatch(/--distill needs the student/);
    expect(glassbox('compress', '--model', mlp, '--out', join(dir, 'x'), '--prune', '1.5').stderr).toMatch(/--prune must be a number strictly between 0 and 1/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('glassbox compress on CSV models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-compress-csv-'));
  const iris = join(dir, 'iris');
  const reg = join(dir, 'reg');
  beforeAll(() => {
    const a = glassbox('train', '--data', 'test/fixtures/iris.csv', '--target', 'species', '--epochs', '40', '--batch-size', '16', '--hidden', '16', '--lr', '0.01', '--seed', '3', '--out', iris);
    expect(a.code, a.stderr).toBe(0);
    const b = glassbox('train', '--data', 'test/fixtures/regression.csv', '--target', 'y', '--epochs', '30', '--seed', '3', '--out', reg);
    expect(b.code, b.stderr).toBe(0);
  });

  it('quantises a table model and scores it on its recorded held-out rows', () => {
    const out = join(dir, 'iris-int8');
    const r = glassbox('compress', '--model', iris, '--data', 'test/fixtures/iris.csv', '--out', out, '--quantize', 'int8', '--json');
    expect(r.code, r.stderr).toBe(0);
    const t = r.last();
    expect(t.metric).toBe('accuracy');
    expect(t.notes[0]).toMatch(/Held-out rows scored: 30\b/);
    const p = glassbox('predict', '--model', out, '--data', 'test/fixtures/iris.csv', '--out', join(dir, 'p.csv'));
    expect(p.code, p.stderr).toBe(0);
  });

  it('distills a table classifier into a smaller student that keeps its pipeline', () => {
    const out = join(dir, 'iris-student');
    const r = glassbox('compress', '--model', iris, '--data', 'test/fixtures/iris.csv', '--out', out, '--distill', '--hidden', '4', '--epochs', '60', '--lr', '0.01', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.last().after.params).toBe(4 * 4 + 4 + 4 * 3 + 3);
    expect(r.last().after.score).toBeGreaterThan(0.6);
    const ev = glassbox('evaluate', '--model', out, '--data', 'test/fixtures/iris.csv', '--split', 'test', '--json');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.last().test_accuracy).toBeCloseTo(r.last().after.score, 6);
  });

  it('reports a regression model\'s error in the target\'s units, and refuses to distill it', () => {
    const r = glassbox('compress', '--model', reg, '--data', 'test/fixtures/regression.csv', '--out', join(dir, 'reg-pruned'), '--prune', '0.5', '--fine-tune-epochs', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.last().metric).toBe('mae (y)');
    expect(r.last().higherIsBetter).toBe(false);
    const d = glassbox('compress', '--model', reg, '--data', 'test/fixtures/regression.csv', '--out', join(dir, 'reg-student'), '--distill', '--hidden', '4');
    expect(d.stderr).toMatch(/--distill needs a classifier/);
  });

  it('refuses a CSV file other than the one the model was trained on', () => {
    const r = glassbox('compress', '--model', iris, '--data', 'test/fixtures/categorical.csv', '--out', join(dir, 'x'), '--quantize', 'int8');
    expect(r.stderr).toMatch(/compress needs the file the model was trained on/);
  });
});
