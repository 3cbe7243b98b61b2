import { describe, expect, it } from 'vitest';
import { deepShap } from './deep-shap.js';
import { exactShapley } from './exact-shapley.js';
import { asFunction, fakeSequential, randomRows } from './test-models.js';

describe('deepShap', () => {
  it('additivity: values sum to f(x) - E f(background) for relu/tanh/sigmoid/softmax networks', async () => {
    for (const [acts, sep] of [[['relu', 'relu', 'softmax'], false], [['tanh', 'sigmoid', 'linear'], true], [['relu', 'tanh', 'softmax'], true]] as const) {
      const model = fakeSequential([7, 12, 9, 4], [...acts], 1, { dropout: true, separateActivation: sep });
      const e = await deepShap(model, randomRows(5, 7, 2, 2), { background: randomRows(16, 7, 3) });
      expect(e.diagnostics.additivityGap as number).toBeLessThan(2e-5);
      for (let r = 0; r < 5; r++) for (let o = 0; o < 4; o++) {
        let s = 0;
        for (let j = 0; j < 7; j++) s += e.value(r, j, o);
        expect(s).toBeCloseTo(e.prediction(r, o) - e.baseValue(r, o), 4);
      }
    }
  });

  it('equals exact SHAP values for a linear model', async () => {
    const lin = fakeSequential([4, 2], ['linear'], 4);
    const bg = randomRows(10, 4, 5);
    const x = randomRows(2, 4, 6);
    const d = await deepShap(lin, x, { background: bg });
    const ex = await exactShapley(asFunction(lin), x, { background: bg });
    for (let i = 0; i < d.values.length; i++) expect(d.values[i]).toBeCloseTo(ex.values[i], 4);
  });

  it('groups sum member attributions; plain functions are refused with a pointer to other methods', async () => {
    const model = fakeSequential([4, 6, 2], ['relu', 'softmax'], 7);
    const bg = randomRows(8, 4, 8);
    const x = randomRows(1, 4, 9);
    const all = await deepShap(model, x, { background: bg });
    const grouped = await deepShap(model, x, { background: bg, groups: [{ name: 'ab', indices: [0, 1] }, { name: 'cd', indices: [2, 3] }] });
    expect(grouped.value(0, 0, 1)).toBeCloseTo(all.value(0, 0, 1) + all.value(0, 1, 1), 5);
    await expect(deepShap(asFunction(model), x, { background: bg })).rejects.toThrow(/kernelShap or gradientShap/);
  });
});
