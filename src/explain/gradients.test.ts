import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { gradientShap } from './gradient-shap.js';
import { gradientTimesInput, saliency, smoothGrad } from './gradients.js';
import { integratedGradients, quadrature } from './integrated-gradients.js';
import { exactShapley } from './exact-shapley.js';
import { asEagerFunction, fakeSequential, linearModel, randomRows } from './test-models.js';

describe('gradient methods', () => {
  const w = [2, -1, 0.5];
  const f = linearModel(w, 1);
  const x = randomRows(3, 3, 1);

  it('saliency is |w| and gradient x input is w x on a linear model', async () => {
    const s = await saliency(f, x);
    const gi = await gradientTimesInput(f, x);
    for (let r = 0; r < 3; r++) for (let j = 0; j < 3; j++) {
      expect(s.value(r, j)).toBeCloseTo(Math.abs(w[j]), 5);
      expect(gi.value(r, j)).toBeCloseTo(w[j] * x.values[r * 3 + j], 5);
    }
  });

  it('smoothGrad of a linear model is w, with standard errors; reproducible with a seed', async () => {
    const a = await smoothGrad(f, x, { seed: 1, nSamples: 10 });
    const b = await smoothGrad(f, x, { seed: 1, nSamples: 10 });
    expect(a.value(0, 0)).toBeCloseTo(2, 5);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const m = fakeSequential([3, 8, 2], ['tanh', 'softmax'], 2);
    const c = await smoothGrad(m, x, { seed: 2, nSamples: 20 });
    expect(c.stdErrors).not.toBeNull();
  });

  it('quadrature rules integrate polynomials', () => {
    for (const rule of ['gauss-legendre', 'riemann-trapezoid', 'riemann-middle'] as const) {
      const [a, wts] = quadrature(rule, 64);
      let s = 0;
      a.forEach((t, k) => (s += wts[k] * t * t));
      expect(s).toBeCloseTo(1 / 3, rule === 'gauss-legendre' ? 12 : 3);
    }
  });

  it('integrated gradients: completeness gap shrinks with steps, and is tiny at 64 steps', async () => {
    const model = fakeSequential([10, 16, 16, 4], ['tanh', 'sigmoid', 'softmax'], 3);
    const xs = randomRows(4, 10, 4, 2);
    const gaps: number[] = [];
    for (const steps of [2, 8, 64]) {
      const e = await integratedGradients(model, xs, { steps, method: 'riemann-trapezoid' });
      gaps.push(e.diagnostics.relativeCompletenessGap as number);
    }
    expect(gaps[1]).toBeLessThan(gaps[0]);
    expect(gaps[2]).toBeLessThan(gaps[1]);
    const gl = await integratedGradients(model, xs, { steps: 64 });
    expect(gl.diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
  });

  it('integrated gradients of a linear model are w (x - baseline) exactly; outputs select targets', async () => {
    const baseline = new Tensor(Float32Array.of(1, 1, 1), [1, 3]);
    const e = await integratedGradients(f, x, { baseline, steps: 4 });
    for (let j = 0; j < 3; j++) expect(e.value(0, j)).toBeCloseTo(w[j] * (x.values[j] - 1), 5);
    expect(e.baseValue(0)).toBeCloseTo(2.5, 5);
    const m = fakeSequential([3, 5, 3], ['relu', 'softmax'], 5);
    const p = await integratedGradients(m, x, { outputs: 'predicted', steps: 8 });
    expect(p.outputs).toBe(1);
    expect(p.targets).not.toBeNull();
    const two = await integratedGradients(m, x, { outputs: [2, 0], steps: 8 });
    const all = await integratedGradients(m, x, { steps: 8 });
    expect(two.value(1, 1, 0)).toBeCloseTo(all.value(1, 1, 2), 5);
    await expect(integratedGradients(m, x, { outputs: [7] })).rejects.toThrow(/outputs must be/);
  });

  it('gradientShap approximates SHAP values and is nearly additive', async () => {
    const model = fakeSequential([5, 8, 1], ['tanh', 'linear'], 6);
    const bg = randomRows(20, 5, 7);
    const xs = randomRows(1, 5, 8);
    const g = await gradientShap(model, xs, { background: bg, nSamples: 4000, seed: 1 });
    const ex = await exactShapley(model, xs, { background: bg });
    for (let j = 0; j < 5; j++) expect(Math.abs(g.value(0, j) - ex.value(0, j))).toBeLessThan(0.15 * Math.max(...ex.values.map(Math.abs)) + 4 * g.stdError(0, j));
    expect(g.diagnostics.relativeAdditivityGap as number).toBeLessThan(0.1);
  });

  it('reports non-differentiable predictors clearly', async () => {
    const opaque = (t: Tensor) => new Tensor(Float32Array.from({ length: t.shape[0] }, () => 1), [t.shape[0], 1]);
    await expect(saliency(opaque, x)).rejects.toThrow(/differentiabl/);
    const asyncFn = async (t: Tensor) => f(t);
    await expect(saliency(asyncFn, x)).rejects.toThrow(/differentiable model/);
  });
});

describe('gradient methods through plans', () => {
  it('equal the eager autograd engine (relu/tanh/sigmoid/softmax, given baseline, chosen outputs, dropout)', async () => {
    for (const acts of [['relu', 'softmax'], ['tanh', 'sigmoid', 'linear']] as const) {
      const sizes = acts.length === 2 ? [6, 9, 4] : [6, 9, 7, 4];
      const model = fakeSequential(sizes, [...acts], 8, { dropout: true, separateActivation: acts.length === 3 });
      const xs = randomRows(3, 6, 9);
      const baseline = randomRows(1, 6, 10);
      for (const outputs of ['all', 'predicted', [3, 1]] as const) {
        const planned = await integratedGradients(model, xs, { baseline, steps: 16, outputs: outputs as never, method: 'riemann-trapezoid' });
        const eager = await integratedGradients(asEagerFunction(model), xs, { baseline, steps: 16, outputs: outputs as never, method: 'riemann-trapezoid' });
        expect(planned.diagnostics.engine).toBe('plan');
        expect(eager.diagnostics.engine).toBe('eager');
        for (let i = 0; i < planned.values.length; i++) expect(planned.values[i]).toBeCloseTo(eager.values[i], 4);
      }
      const s1 = await smoothGrad(model, xs, { seed: 3, nSamples: 7 });
      const s2 = await smoothGrad(asEagerFunction(model), xs, { seed: 3, nSamples: 7 });
      for (let i = 0; i < s1.values.length; i++) expect(s1.values[i]).toBeCloseTo(s2.values[i], 4);
    }
  });

  it("integrated gradients' completeness gap shrinks with steps; piecewise Gauss-Legendre between first-layer kinks is below 0.1% at 16 steps", async () => {
    const model = fakeSequential([20, 32, 5], ['relu', 'softmax'], 12);
    const xs = randomRows(6, 20, 13, 2);
    const gap = async (steps: number, method: 'gauss-legendre' | 'riemann-middle') =>
      (await integratedGradients(model, xs, { steps, method })).diagnostics.relativeCompletenessGap as number;
    expect(await gap(256, 'riemann-middle')).toBeLessThan(await gap(16, 'riemann-middle'));
    const piecewise = await integratedGradients(model, xs, { steps: 16 });
    expect(piecewise.diagnostics.piecewise).toBe(true);
    expect(piecewise.diagnostics.relativeCompletenessGap as number).toBeLessThan(1e-3);
  });
});
