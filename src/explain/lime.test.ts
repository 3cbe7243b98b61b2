import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { lime } from './lime.js';
import { limeImage } from './lime-image.js';
import { slicSegments } from './segmentation.js';
import { fakeSequential, linearModel, randomRows } from './test-models.js';

describe('lime', () => {
  const w = [4, -3, 2, -1, 0.5, 0];
  const f = linearModel(w);
  const train = randomRows(500, 6, 1);

  it('recovers the signs and order of a linear model (standardised features)', async () => {
    const e = await lime(f, randomRows(1, 6, 2), { background: train, discretize: 'none', nSamples: 2000, seed: 1 });
    const coef = Array.from({ length: 6 }, (_, j) => e.value(0, j));
    for (let j = 0; j < 5; j++) expect(Math.sign(coef[j])).toBe(Math.sign(w[j]));
    const order = [...coef.keys()].sort((a, b) => Math.abs(coef[b]) - Math.abs(coef[a]));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect((e.diagnostics.r2 as number[][])[0][0]).toBeGreaterThan(0.99);
  });

  it('quartile discretisation: signs and order for a row in the top quartile of every feature', async () => {
    const x = new Tensor(new Float32Array(6).fill(1.5), [1, 6]);
    const e = await lime(f, x, { background: train, nSamples: 3000, seed: 2 });
    const coef = Array.from({ length: 6 }, (_, j) => e.value(0, j));
    for (let j = 0; j < 5; j++) expect(Math.sign(coef[j])).toBe(Math.sign(w[j]));
    const order = [...coef.keys()].sort((a, b) => Math.abs(coef[b]) - Math.abs(coef[a]));
    expect(order.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(e.stdErrors).not.toBeNull();
  });

  it('keeps the top k features, is reproducible, and stops early on a tolerance', async () => {
    const x = randomRows(1, 6, 3);
    const a = await lime(f, x, { background: train, topK: 2, seed: 4, nSamples: 1000 });
    expect(Array.from({ length: 6 }, (_, j) => a.value(0, j)).filter((v) => v !== 0).length).toBe(2);
    const b = await lime(f, x, { background: train, topK: 2, seed: 4, nSamples: 1000 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const c = await lime(f, x, { background: train, seed: 4, nSamples: 20000, tolerance: 1 });
    expect((c.diagnostics.samples as number[])[0]).toBeLessThan(20000);
  });

  it('needs training rows', async () => {
    await expect(lime(f, randomRows(1, 6, 1))).rejects.toThrow(/needs training rows/);
  });
});

describe('limeImage', () => {
  it('finds the patch a model looks at (grid superpixels)', async () => {
    // 8x8 images; the model sums pixels of the top-left 4x4 patch.
    const model = (x: Tensor) => {
      const n = x.shape[0];
      const out = new Float32Array(n);
      for (let r = 0; r < n; r++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) out[r] += x.values[r * 64 + i * 8 + j];
      return new Tensor(out, [n, 1]);
    };
    const img = new Tensor(new Float32Array(64).fill(1), [1, 64]);
    const e = await limeImage(model, img, { patchSize: 4, hideColor: 0, nSamples: 300, seed: 1 });
    expect(e.featureNames.length).toBe(4);
    const v = [0, 1, 2, 3].map((g) => e.value(0, g));
    expect(v[0]).toBeGreaterThan(10);
    for (const k of [1, 2, 3]) expect(Math.abs(v[k])).toBeLessThan(1);
  });

  it('SLIC superpixels partition the image', () => {
    const img = new Float32Array(16 * 16).map((_, p) => ((p % 16) < 8 ? 0 : 1));
    const segs = slicSegments(img, 16, 16, 1, 8);
    const seen = new Set<number>();
    for (const s of segs) for (const i of s.indices) {
      expect(seen.has(i)).toBe(false);
      seen.add(i);
    }
    expect(seen.size).toBe(256);
  });

  it('works on a model over 28x28 digits', async () => {
    const model = fakeSequential([784, 8, 10], ['relu', 'softmax'], 1);
    const e = await limeImage(model, randomRows(1, 784, 2), { nSamples: 100, segmentation: 'slic', segments: 30 });
    expect(e.outputs).toBe(10);
    expect(e.features).toBeGreaterThan(10);
  });
});
