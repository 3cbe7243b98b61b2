import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { exactShapley } from './exact-shapley.js';
import { kernelShap } from './kernel-shap.js';
import { samplingShap } from './sampling-shap.js';
import { asFunction, fakeSequential, linearModel, randomRows } from './test-models.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('exactShapley and kernelShap', () => {
  it('linear model: SHAP values equal w_i (x_i - E[x_i]) exactly', async () => {
    const w = [2, -1, 0.5, 0, 3];
    const f = linearModel(w, 0.7);
    const bg = randomRows(30, 5, 1);
    const x = randomRows(4, 5, 2);
    const mean = new Float64Array(5);
    for (let r = 0; r < 30; r++) for (let j = 0; j < 5; j++) mean[j] += bg.values[r * 5 + j] / 30;
    for (const method of [exactShapley, kernelShap]) {
      const e = await method(f, x, { background: bg });
      for (let r = 0; r < 4; r++) for (let j = 0; j < 5; j++) expect(e.value(r, j)).toBeCloseTo(w[j] * (x.values[r * 5 + j] - mean[j]), 4);
    }
  });

  it('local accuracy: values sum to f(x) - E[f(background)] for exact and kernel SHAP', async () => {
    const model = fakeSequential([6, 8, 3], ['tanh', 'softmax'], 3);
    const bg = randomRows(20, 6, 4);
    const x = randomRows(3, 6, 5);
    for (const method of [exactShapley, kernelShap]) {
      const e = await method(asFunction(model), x, { background: bg });
      expect(e.diagnostics.additivityGap as number).toBeLessThan(1e-5);
      for (let r = 0; r < 3; r++) for (let o = 0; o < 3; o++) {
        let s = 0;
        for (let f = 0; f < 6; f++) s += e.value(r, f, o);
        expect(s).toBeCloseTo(e.prediction(r, o) - e.baseValue(r, o), 5);
      }
    }
  });

  it('kernelShap matches exactShapley on random small MLPs, M = 4..12 (tolerance 2% of max |phi| + 1e-4)', async () => {
    for (const M of [4, 6, 8, 10, 12]) {
      const model = asFunction(fakeSequential([M, 16, 2], ['relu', 'sigmoid'], 10 + M));
      const bg = randomRows(8, M, 20 + M);
      const x = randomRows(2, M, 30 + M);
      const exact = await exactShapley(model, x, { background: bg });
      const kernel = await kernelShap(model, x, { background: bg, seed: 1 });
      const tol = 0.02 * maxAbs(exact.values) + 1e-4;
      expect(maxAbsDiff(kernel.values, exact.values), `M=${M}`).toBeLessThan(tol);
      if (2 ** M - 2 <= 2 * M + 2048) expect(maxAbsDiff(kernel.values, exact.values)).toBeLessThan(1e-5);
    }
  });

  it('kernelShap reports standard errors when it samples, and they shrink with more samples', async () => {
    const M = 14;
    const model = asFunction(fakeSequential([M, 16, 1], ['tanh', 'linear'], 7));
    const bg = randomRows(5, M, 8);
    const x = randomRows(1, M, 9);
    const small = await kernelShap(model, x, { background: bg, nSamples: 300, seed: 2 });
    const large = await kernelShap(model, x, { background: bg, nSamples: 6000, seed: 2 });
    expect(small.stdErrors).not.toBeNull();
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(large.stdErrors!)).toBeLessThan(mean(small.stdErrors!));
    const exact = await exactShapley(model, x, { background: bg });
    // The reported error is honest: the actual error is within a few standard errors.
    expect(maxAbsDiff(small.values, exact.values)).toBeLessThan(5 * maxAbs(small.stdErrors!) + 1e-6);
  });

  it('kernelShap stops early once standard errors fall under the tolerance', async () => {
    const M = 16;
    const model = asFunction(fakeSequential([M, 8, 1], ['tanh', 'linear'], 11));
    const bg = randomRows(4, M, 12);
    const x = randomRows(1, M, 13);
    const full = await kernelShap(model, x, { background: bg, nSamples: 20000, seed: 3 });
    const early = await kernelShap(model, x, { background: bg, nSamples: 20000, seed: 3, tolerance: 0.05 });
    expect((early.diagnostics.coalitions as number[])[0]).toBeLessThan((full.diagnostics.coalitions as number[])[0]);
  });

  it('is reproducible with a seed', async () => {
    const model = asFunction(fakeSequential([14, 8, 2], ['relu', 'linear'], 5));
    const bg = randomRows(6, 14, 6);
    const x = randomRows(2, 14, 7);
    const a = await kernelShap(model, x, { background: bg, seed: 9, nSamples: 200 });
    const b = await kernelShap(model, x, { background: bg, seed: 9, nSamples: 200 });
    const c = await kernelShap(model, x, { background: bg, seed: 10, nSamples: 200 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
  });

  it('the Dense-first fast path gives the same values as plain model calls', async () => {
    const model = fakeSequential([12, 10, 3], ['relu', 'softmax'], 21);
    const bg = randomRows(10, 12, 22);
    const x = randomRows(2, 12, 23);
    const groups = [{ name: 'a', indices: [0, 1, 2] }, { name: 'b', indices: [3, 4] }, { name: 'c', indices: [5, 6, 7, 8] }, { name: 'd', indices: [9, 10] }];
    const fast = await kernelShap(model, x, { background: bg, groups });
    const slow = await kernelShap(model, x, { background: bg, groups, fastPath: false });
    expect(fast.diagnostics.fastPath).toBe(true);
    expect(slow.diagnostics.fastPath).toBe(false);
    expect(maxAbsDiff(fast.values, slow.values)).toBeLessThan(1e-5);
    expect(fast.featureNames).toEqual(['a', 'b', 'c', 'd']);
    expect(fast.shape).toEqual([2, 4, 3]);
  });

  it('chunks model calls: no call exceeds maxRowsPerCall', async () => {
    let biggest = 0;
    const f = linearModel([1, 2, 3, 4, 5, 6]);
    const spy = (x: Tensor) => {
      biggest = Math.max(biggest, x.shape[0]);
      return f(x);
    };
    await kernelShap(spy, randomRows(1, 6, 1), { background: randomRows(20, 6, 2), maxRowsPerCall: 100 });
    expect(biggest).toBeLessThanOrEqual(100);
    expect(biggest).toBeGreaterThan(0);
  });

  it('rejects bad input with a clear message', async () => {
    const f = linearModel([1, 2]);
    await expect(kernelShap(f, randomRows(1, 2, 1))).rejects.toThrow(/needs a background/);
    await expect(kernelShap(f, randomRows(1, 2, 1), { background: randomRows(3, 3, 1) })).rejects.toThrow(/background rows have shape/);
    await expect(kernelShap(f, randomRows(1, 2, 1), { background: randomRows(3, 2, 1), nSample: 5 } as never)).rejects.toThrow(/unknown option 'nSample'/);
    await expect(exactShapley(f, new Tensor(new Float32Array([NaN, 1]), [1, 2]), { background: randomRows(3, 2, 1) })).rejects.toThrow(/non-finite/);
    await expect(kernelShap(f, randomRows(1, 2, 1), { background: randomRows(3, 2, 1), groups: [{ name: 'a', indices: [0, 1] }, { name: 'b', indices: [1] }] })).rejects.toThrow(/overlap/);
  });

  it('can be cancelled with an AbortSignal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(kernelShap(linearModel([1, 2]), randomRows(2, 2, 1), { background: randomRows(3, 2, 1), signal: ac.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('samplingShap', () => {
  it('converges to exactShapley as permutations grow, with honest standard errors and exact local accuracy', async () => {
    const M = 8;
    const model = asFunction(fakeSequential([M, 12, 2], ['relu', 'softmax'], 41));
    const bg = randomRows(10, M, 42);
    const x = randomRows(1, M, 43);
    const exact = await exactShapley(model, x, { background: bg });
    const errs: number[] = [];
    for (const n of [4, 32, 256]) {
      const e = await samplingShap(model, x, { background: bg, nPermutations: n, seed: 5 });
      errs.push(maxAbsDiff(e.values, exact.values));
      expect(e.diagnostics.additivityGap as number).toBeLessThan(1e-5);
      expect(maxAbsDiff(e.values, exact.values)).toBeLessThan(5 * maxAbs(e.stdErrors!) + 1e-6);
    }
    expect(errs[2]).toBeLessThan(errs[0]);
    expect(errs[2]).toBeLessThan(0.05 * maxAbs(exact.values) + 1e-4);
  });

  it('stops early under a tolerance and is reproducible with a seed', async () => {
    const model = asFunction(fakeSequential([6, 8, 1], ['tanh', 'linear'], 44));
    const bg = randomRows(6, 6, 45);
    const x = randomRows(1, 6, 46);
    const a = await samplingShap(model, x, { background: bg, nPermutations: 1000, tolerance: 0.05, seed: 1 });
    const b = await samplingShap(model, x, { background: bg, nPermutations: 1000, tolerance: 0.05, seed: 1 });
    expect((a.diagnostics.permutationPairs as number[])[0]).toBeLessThan(1000);
    expect(Math.max(...a.stdErrors!)).toBeLessThan(0.05);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });
});
