import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { permutationImportance } from './permutation-importance.js';
import { fakeSequential, linearModel, randomRows } from './test-models.js';

describe('permutationImportance', () => {
  const w = [3, -2, 1, 0, 0];
  const x = randomRows(400, 5, 1);
  const f = linearModel(w);
  const y = new Tensor(Float32Array.from({ length: 400 }, (_, r) => w.reduce((s, wi, j) => s + wi * x.values[r * 5 + j], 0)), [400]);

  it('pure-noise features get importance about 0; real ones rank by |w|', async () => {
    const e = await permutationImportance(f, x, { y, scoring: 'r2', nRepeats: 5, seed: 1 });
    expect(e.kind).toBe('global');
    expect(Math.abs(e.value(0, 3))).toBeLessThan(1e-6);
    expect(Math.abs(e.value(0, 4))).toBeLessThan(1e-6);
    expect(e.value(0, 0)).toBeGreaterThan(e.value(0, 1));
    expect(e.value(0, 1)).toBeGreaterThan(e.value(0, 2));
    expect(e.value(0, 2)).toBeGreaterThan(0.05);
    expect(e.toString()).toMatch(/permutation-importance \(drop in r2\)/);
  });

  it('matches the scikit-learn definition: baseline score minus shuffled score, mean over repeats', async () => {
    const e = await permutationImportance(f, x, { y, scoring: 'mse', nRepeats: 3, seed: 2 });
    // For a linear model and MSE, shuffling column j adds w_j^2 * mean((x_perm - x)^2) ~ 2 w_j^2 var(x_j).
    expect(e.value(0, 0) / (2 * 9)).toBeGreaterThan(0.7);
    expect(e.value(0, 0) / (2 * 9)).toBeLessThan(1.3);
    expect((e.diagnostics.std as number[]).length).toBe(5);
  });

  it('is reproducible with a seed, accepts custom scores and groups, and stops early on a tolerance', async () => {
    const a = await permutationImportance(f, x, { y, seed: 3 });
    const b = await permutationImportance(f, x, { y, seed: 3 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const groups = [{ name: 'signal', indices: [0, 1, 2] }, { name: 'noise', indices: [3, 4] }];
    const custom = (yt: Tensor, yp: Tensor) => -Array.from(yt.values).reduce((s, v, i) => s + Math.abs(v - yp.values[i]), 0) / yt.size;
    const g = await permutationImportance(f, x, { y, seed: 3, scoring: custom, groups, nRepeats: 50, tolerance: 10 });
    expect(g.featureNames).toEqual(['signal', 'noise']);
    expect(g.value(0, 1)).toBeCloseTo(0, 6);
    expect((g.diagnostics.repeats as number[])[0]).toBe(3);
  });

  it('classification with accuracy; Dense-first fast path equals plain model calls', async () => {
    const model = fakeSequential([6, 8, 3], ['relu', 'softmax'], 4);
    const xs = randomRows(200, 6, 5);
    const pred = model.predict(xs).values;
    const labels = Int32Array.from({ length: 200 }, (_, r) => [0, 1, 2].reduce((b, k) => (pred[r * 3 + k] > pred[r * 3 + b] ? k : b), 0));
    const yl = new Tensor(labels, [200], 'int32');
    const fast = await permutationImportance(model, xs, { y: yl, seed: 6 });
    const slow = await permutationImportance(model, xs, { y: yl, seed: 6, fastPath: false });
    expect(fast.diagnostics.fastPath).toBe(true);
    expect(fast.baseValues[0]).toBe(1);
    for (let j = 0; j < 6; j++) expect(fast.value(0, j)).toBeCloseTo(slow.value(0, j), 5);
    const loss = await permutationImportance(model, xs, { y: yl, seed: 6, scoring: 'loss' });
    expect(Math.max(...loss.values)).toBeGreaterThan(0);
  });

  it('rejects missing or mismatched targets', async () => {
    await expect(permutationImportance(f, x)).rejects.toThrow(/needs targets/);
    await expect(permutationImportance(f, x, { y: randomRows(3, 1, 1) })).rejects.toThrow(/x has 400 rows/);
    await expect(permutationImportance(f, x, { y, scoring: 'auc' as never })).rejects.toThrow(/unknown scoring 'auc'/);
  });
});
