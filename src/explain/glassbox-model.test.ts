import { describe, expect, it } from 'vitest';
import '../backend/js/index.js';
import { layers } from '../nn/index.js';
import { sequential } from '../train/sequential.js';
import { deepShap, exactShapley, integratedGradients, kernelShap, permutationImportance, runExplainer, saliency } from './index.js';
import { randomRows } from './test-models.js';
import { Tensor } from '../tensor/tensor.js';

function model() {
  const m = sequential({
    layers: [
      layers.dense({ units: 12, activation: 'relu', inputShape: [6] }),
      layers.dropout({ rate: 0.3 }),
      layers.dense({ units: 8, activation: 'tanh' }),
      layers.dense({ units: 3 }),
      layers.activation({ activation: 'softmax' }),
    ],
  });
  m.metadata = { featureNames: ['a', 'b', 'c', 'd', 'e', 'f'], classNames: ['x', 'y', 'z'], groups: [{ name: 'ab', indices: [0, 1] }, { name: 'cdef', indices: [2, 3, 4, 5] }] };
  return m;
}

describe('explaining a glassbox Sequential model', () => {
  const m = model();
  const bg = randomRows(12, 6, 1);
  const x = randomRows(3, 6, 2);

  it('uses the model metadata: feature names, class names and groups', async () => {
    const e = await kernelShap(m, x, { background: bg });
    expect(e.featureNames).toEqual(['ab', 'cdef']);
    expect(e.outputNames).toEqual(['x', 'y', 'z']);
    // Six inputs into twelve units, two groups: forming z per coalition saves too little to pay for itself.
    expect(e.diagnostics.fastPath).toBe(false);
    expect(e.diagnostics.shortcut).toMatch(/^not used: through the first linear it costs more \(\d+ vs \d+ multiply-adds per row\)$/);
  });

  it('deepShap, kernelShap and exactShapley are additive on it; fast paths agree with plain calls', async () => {
    const opts = { background: bg, groups: [0, 1, 2, 3, 4, 5].map((i) => ({ name: `x${i}`, indices: [i] })) };
    const d = await deepShap(m, x, opts);
    const k = await kernelShap(m, x, { ...opts, fastPath: 'always' });
    expect(k.diagnostics.fastPath).toBe(true);
    const kSlow = await kernelShap(m, x, { ...opts, fastPath: false });
    const ex = await exactShapley(m, x, opts);
    expect(d.diagnostics.additivityGap as number).toBeLessThan(2e-5);
    expect(k.diagnostics.additivityGap as number).toBeLessThan(2e-5);
    for (let i = 0; i < k.values.length; i++) {
      expect(k.values[i]).toBeCloseTo(ex.values[i], 4);
      expect(kSlow.values[i]).toBeCloseTo(k.values[i], 4);
    }
  });

  it('gradient methods run through the gradient plan and match autograd', async () => {
    const groups = m.metadata.groups;
    const planned = await integratedGradients(m, x, { steps: 32, groups, method: 'riemann-trapezoid' });
    const eager = await integratedGradients((t: Tensor) => m.apply(t, { training: false }), x, { steps: 32, groups, method: 'riemann-trapezoid' });
    expect(planned.diagnostics.engine).toBe('plan');
    for (let i = 0; i < planned.values.length; i++) expect(planned.values[i]).toBeCloseTo(eager.values[i], 4);
    expect((await integratedGradients(m, x, { steps: 32 })).diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
    const s = await saliency(m, x, { groups: undefined });
    expect(s.features).toBe(2);
  });

  it('permutation importance and every method by name run on it', async () => {
    const y = new Tensor(Int32Array.from({ length: 3 }, (_, i) => i % 3), [3], 'int32');
    const pi = await permutationImportance(m, x, { y, seed: 1 });
    expect(pi.featureNames).toEqual(['ab', 'cdef']);
    for (const method of ['sampling-shap', 'lime', 'gradient-times-input', 'smooth-grad', 'gradient-shap'] as const) {
      const e = await runExplainer(method, m, x, method === 'gradient-times-input' || method === 'smooth-grad' ? { seed: 1 } : { background: bg, seed: 1, ...(method === 'lime' ? { nSamples: 300 } : method === 'gradient-shap' ? { nSamples: 20 } : { nPermutations: 4 }) });
      expect(e.shape).toEqual([3, 2, 3]);
    }
  });
});
