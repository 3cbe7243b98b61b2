import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { kmeansBackground, sampleBackground } from './background.js';
import { patchGroups } from './groups.js';
import { exactShapley } from './exact-shapley.js';
import { kernelShap } from './kernel-shap.js';
import { linearModel, randomRows } from './test-models.js';
import { Rng } from '../util/random.js';

describe('backgrounds and groups', () => {
  it('weighted k-means finds clusters and weights them by their share of rows', () => {
    const rng = new Rng(1);
    const v: number[] = [];
    for (let i = 0; i < 300; i++) v.push(10 + rng.normal() * 0.1, rng.normal() * 0.1);
    for (let i = 0; i < 100; i++) v.push(-10 + rng.normal() * 0.1, 5 + rng.normal() * 0.1);
    const s = kmeansBackground(new Tensor(Float32Array.from(v), [400, 2]), 2, { seed: 3 });
    const c = Array.from(s.data.values);
    const big = Math.abs(c[0] - 10) < 1 ? 0 : 1;
    expect(c[big * 2]).toBeCloseTo(10, 1);
    expect(s.weights[big]).toBeCloseTo(0.75, 5);
    expect(s.weights[1 - big]).toBeCloseTo(0.25, 5);
  });

  it('a k-means summary keeps the linear-model SHAP guarantee (the weighted mean is preserved)', async () => {
    const w = [1, -2, 3];
    const bg = randomRows(200, 3, 2);
    const x = randomRows(1, 3, 3);
    const e = await kernelShap(linearModel(w), x, { background: bg, summarize: 'kmeans', maxBackground: 10 });
    expect(e.settings.backgroundRows).toBe(10);
    const mean = [0, 1, 2].map((j) => Array.from({ length: 200 }, (_, r) => bg.values[r * 3 + j]).reduce((a, b) => a + b) / 200);
    for (let j = 0; j < 3; j++) expect(e.value(0, j)).toBeCloseTo(w[j] * (x.values[j] - mean[j]), 3);
  });

  it('samples backgrounds without replacement, seeded', () => {
    const x = randomRows(50, 2, 1);
    const a = sampleBackground(x, 10, { seed: 4 });
    const b = sampleBackground(x, 10, { seed: 4 });
    expect(a.data.shape).toEqual([10, 2]);
    expect(Array.from(a.data.values)).toEqual(Array.from(b.data.values));
  });

  it('patchGroups tiles a 28x28 image into 49 groups of 16 pixels', () => {
    const g = patchGroups(28, 28, 4);
    expect(g.length).toBe(49);
    expect(g.every((p) => p.indices.length === 16)).toBe(true);
    expect(new Set(g.flatMap((p) => p.indices)).size).toBe(784);
    expect(g[1].indices.slice(0, 5)).toEqual([4, 5, 6, 7, 32]);
  });

  it('kernelShap with l1Features keeps only the strongest features and stays additive', async () => {
    const w = [5, 0, 0, -4, 0, 0, 3, 0];
    const f = linearModel(w);
    const bg = randomRows(20, 8, 5);
    const x = new Tensor(new Float32Array(8).fill(2), [1, 8]);
    const e = await kernelShap(f, x, { background: bg, l1Features: 3, nSamples: 200, seed: 1 });
    const ex = await exactShapley(f, x, { background: bg });
    const nz = Array.from({ length: 8 }, (_, j) => j).filter((j) => Math.abs(e.value(0, j)) > 1e-6);
    expect(nz).toEqual([0, 3, 6]);
    for (const j of nz) expect(e.value(0, j)).toBeCloseTo(ex.value(0, j), 3);
    expect(e.diagnostics.additivityGap as number).toBeLessThan(1e-5);
  });
});
