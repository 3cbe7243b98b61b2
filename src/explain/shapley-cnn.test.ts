import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { kernelShap } from './kernel-shap.js';
import { samplingShap } from './sampling-shap.js';
import { permutationImportance } from './permutation-importance.js';
import { patchGroups } from './groups.js';
import { randomImages, smallCnn } from './test-models.js';

/** Shapley values by enumerating every coalition of groups, v(S) = mean over the background of f(x_S, b_rest). */
function bruteForceShapley(f: (x: Tensor) => Tensor, x: Float32Array, bg: Float32Array, groups: number[][], outputs: number): number[][] {
  const M = groups.length;
  const n = bg.length / x.length;
  const v = new Map<number, Float64Array>();
  for (let S = 0; S < 1 << M; S++) {
    const rows = new Float32Array(bg);
    for (let b = 0; b < n; b++) for (let g = 0; g < M; g++) if ((S >> g) & 1) for (const i of groups[g]) rows[b * x.length + i] = x[i];
    const y = f(new Tensor(rows, [n, x.length])).values;
    const mean = new Float64Array(outputs);
    for (let b = 0; b < n; b++) for (let o = 0; o < outputs; o++) mean[o] += y[b * outputs + o] / n;
    v.set(S, mean);
  }
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  return groups.map((_, g) => Array.from({ length: outputs }, (_, o) => {
    let phi = 0;
    for (let S = 0; S < 1 << M; S++) {
      if ((S >> g) & 1) continue;
      let size = 0;
      for (let k = 0; k < M; k++) size += (S >> k) & 1;
      phi += ((fact(size) * fact(M - size - 1)) / fact(M)) * (v.get(S | (1 << g))![o] - v.get(S)![o]);
    }
    return phi;
  }));
}

describe('Shapley methods over pixel groups of a CNN', () => {
  it('KernelSHAP with default samples equals brute-force Shapley values where enumeration is possible (9 groups of 2x2)', async () => {
    const model = smallCnn(6, ['conv', 'batchNorm', 'maxPool', 'conv', 'avgPool'], 31, { classes: 3 });
    const groups = patchGroups(6, 6, 2);
    const x = randomImages(2, 36, 32);
    const bg = randomImages(5, 36, 33);
    const e = await kernelShap(model, x, { background: bg, groups });
    for (let r = 0; r < 2; r++) {
      const want = bruteForceShapley((t) => model.predict(t), x.values.subarray(r * 36, (r + 1) * 36) as Float32Array, bg.values as Float32Array, groups.map((g) => g.indices), 3);
      for (let g = 0; g < 9; g++) for (let o = 0; o < 3; o++) expect(e.value(r, g, o)).toBeCloseTo(want[g][o], 5);
    }
    expect(e.diagnostics.additivityGap as number).toBeLessThan(1e-5);
  });

  it('sampling Shapley converges to them as permutations grow', async () => {
    const model = smallCnn(6, ['conv', 'maxPool'], 34, { classes: 2 });
    const groups = patchGroups(6, 6, 3);
    const x = randomImages(1, 36, 35);
    const bg = randomImages(4, 36, 36);
    const want = bruteForceShapley((t) => model.predict(t), x.values as Float32Array, bg.values as Float32Array, groups.map((g) => g.indices), 2);
    const e = await samplingShap(model, x, { background: bg, groups, nPermutations: 400, seed: 1 });
    for (let g = 0; g < 4; g++) for (let o = 0; o < 2; o++) expect(Math.abs(e.value(0, g, o) - want[g][o])).toBeLessThan(4 * e.stdError(0, g, o) + 1e-6);
  });
});

describe('the first-convolution shortcut', () => {
  it('reproduces plain model calls (KernelSHAP, permutation importance) and is used only where it pays', async () => {
    // Eight channels under a 3x3 convolution: 72 multiply-adds per unit of z against 5 through the shortcut.
    const wide = smallCnn(4, ['conv', 'maxPool'], 41, { channels: 8, classes: 3 });
    const groups = patchGroups(4, 4, 2, 8);
    const x = randomImages(2, 128, 42);
    const bg = randomImages(6, 128, 43);
    const auto = await kernelShap(wide, x, { background: bg, groups });
    const plain = await kernelShap(wide, x, { background: bg, groups, fastPath: false });
    expect(auto.diagnostics.fastPath).toBe(true);
    expect(auto.diagnostics.shortcut).toMatch(/^first conv2d/);
    for (let i = 0; i < auto.values.length; i++) expect(auto.values[i]).toBeCloseTo(plain.values[i], 5);
    const y = new Tensor(Int32Array.from({ length: 2 }, (_, i) => i), [2], 'int32');
    const piFast = await permutationImportance(wide, x, { y, groups, seed: 3, scoring: 'loss', nRepeats: 3 });
    const piPlain = await permutationImportance(wide, x, { y, groups, seed: 3, scoring: 'loss', nRepeats: 3, fastPath: false });
    expect(piFast.diagnostics.fastPath).toBe(true);
    for (let g = 0; g < 4; g++) expect(piFast.value(0, g)).toBeCloseTo(piPlain.value(0, g), 5);
    // One grey channel under a 3x3 convolution: 9 multiply-adds per unit, fewer than the 10 of the shortcut.
    const narrow = smallCnn(6, ['conv', 'maxPool'], 44, { classes: 3 });
    const n = await kernelShap(narrow, randomImages(1, 36, 45), { background: randomImages(4, 36, 46), groups: patchGroups(6, 6, 2) });
    expect(n.diagnostics.fastPath).toBe(false);
    expect(n.diagnostics.shortcut).toMatch(/^not used: through the first conv2d it costs more/);
    const forced = await kernelShap(narrow, randomImages(1, 36, 45), { background: randomImages(4, 36, 46), groups: patchGroups(6, 6, 2), fastPath: 'always' });
    expect(forced.diagnostics.fastPath).toBe(true);
    for (let i = 0; i < n.values.length; i++) expect(forced.values[i]).toBeCloseTo(n.values[i], 5);
  });
});

describe('rows that equal each other go to the model once', () => {
  // 6x6 images blank outside their centre 2x2: of 9 groups of 2x2, only the centre one differs from a blank background row.
  const blank = (n: number, seed: number) => {
    const t = randomImages(n, 36, seed);
    const v = t.values as Float32Array;
    for (let r = 0; r < n; r++) for (let p = 0; p < 36; p++) if (![14, 15, 20, 21].includes(p)) v[r * 36 + p] = 0;
    return t;
  };
  const model = smallCnn(6, ['conv', 'maxPool'], 51, { classes: 3 });
  const groups = patchGroups(6, 6, 2);

  it('KernelSHAP: coalitions agreeing on the groups that differ share a row; values stay the brute-force ones', async () => {
    const x = blank(1, 52);
    const bg = blank(4, 53);
    const e = await kernelShap(model, x, { background: bg, groups, fastPath: false });
    const want = bruteForceShapley((t) => model.predict(t), x.values as Float32Array, bg.values as Float32Array, groups.map((g) => g.indices), 3);
    for (let g = 0; g < 9; g++) for (let o = 0; o < 3; o++) expect(e.value(0, g, o)).toBeCloseTo(want[g][o], 5);
    // Per background row: the centre group present or not, two rows (plus f(x) and the background, called once per explanation).
    expect(e.diagnostics.modelRows as number).toBe(4 * 2 + 1 + 4);
  });

  it('permutation importance: rows whose group values do not change keep their prediction', async () => {
    const x = blank(50, 54);
    const y = new Tensor(Int32Array.from({ length: 50 }, (_, i) => i % 3), [50], 'int32');
    const e = await permutationImportance(model, x, { y, groups, seed: 2, nRepeats: 2, fastPath: false, scoring: 'loss' });
    for (let g = 0; g < 9; g++) if (g !== 4) expect(e.value(0, g)).toBe(0);
    expect(Math.abs(e.value(0, 4))).toBeGreaterThan(0);
    // The 50 rows once, then per repeat of the centre group only the rows it moves.
    expect(e.diagnostics.modelRows as number).toBeLessThanOrEqual(50 + 2 * 50);
    expect(e.diagnostics.modelRows as number).toBeGreaterThan(50);
  });
});
