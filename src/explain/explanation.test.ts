import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { runExplainer, METHODS } from './index.js';
import { fakeSequential, linearModel, randomRows } from './test-models.js';

describe('Explanation text and JSON, and runExplainer', () => {
  const f = linearModel([2, -1, 0.5]);
  const bg = randomRows(20, 3, 1);

  it('toString for one row lists prediction, base value and signed contributions with values', async () => {
    const x = new Tensor(Float32Array.of(1, 2, 3), [1, 3]);
    const e = await runExplainer('exact-shapley', f, x, { background: bg, featureNames: ['age', 'income', 'score'] });
    const text = e.toString();
    expect(text).toMatch(/exact-shapley explanation of row 0, output 'prediction'/);
    expect(text).toMatch(/prediction 1\.5 = base value/);
    expect(text).toMatch(/income = 2/);
    expect(text.split('\n')[2]).toMatch(/^\s+[+-]/);
  });

  it('table context: values as written in text and JSON, row indices, checked shapes; LIME and saliency say they do not add up', async () => {
    const x = new Tensor(Float32Array.of(1, 2, 3), [1, 3]);
    const e = await runExplainer('exact-shapley', f, x, { background: bg, featureNames: ['age', 'income', 'score'] });
    const t = e.withTableContext({ displayData: [[41, 'high', null]], rowIndices: [17] });
    expect(t.toString()).toMatch(/row 0 \(data row 17\)/);
    expect(t.toString()).toMatch(/income = high/);
    expect(t.toString()).toMatch(/score = missing/);
    expect(t.toJSON().displayData).toEqual([[41, 'high', null]]);
    expect(t.toJSON().rowIndices).toEqual([17]);
    expect(e.toJSON().displayData).toBeNull();
    expect(() => e.withTableContext({ displayData: [[1, 2]] })).toThrow(/displayData must be \[1\]\[3\]/);
    expect(() => e.withTableContext({ rowIndices: [1, 2] })).toThrow(/2 row indices for 1 rows/);
    const lime = await runExplainer('lime', f, x, { background: bg, seed: 1 });
    expect(lime.toString()).toMatch(/weights of a local linear surrogate \(intercept [-\d.e+]+\); they do not add up to the prediction/);
    const sal = await runExplainer('saliency', fakeSequential([3, 4, 1], ['relu', 'linear'], 1), x);
    expect(sal.toString()).toMatch(/attributions \(they do not add up to the prediction\)/);
    expect(sal.additive).toBe(false);
    expect(e.additive).toBe(true);
  });

  it('toString for a set gives global importance; one-hot groups show the active column', async () => {
    const x = new Tensor(Float32Array.of(1, 0, 0.5, 0, 1, -0.5), [2, 3]);
    const groups = [{ name: 'color', indices: [0, 1] }, { name: 'size', indices: [2] }];
    const e = await runExplainer('kernel-shap', f, x, { background: bg, groups, featureNames: ['color=red', 'color=blue', 'size'] });
    expect(e.toString()).toMatch(/global importance \(mean \|attribution\|\)/);
    expect(e.featureValue(0, 0)).toBe('color=red');
    expect(e.featureValue(1, 0)).toBe('color=blue');
    expect(e.toString({ row: 1 })).toMatch(/color = color=blue/);
  });

  it('toJSON nests values [rows][features][outputs] and round-trips through JSON', async () => {
    const m = fakeSequential([3, 4, 2], ['relu', 'softmax'], 1, { metadata: { classNames: ['no', 'yes'] } });
    const e = await runExplainer('deep-shap', m, randomRows(2, 3, 2), { background: bg });
    const j = JSON.parse(JSON.stringify(e));
    expect(j.shape).toEqual([2, 3, 2]);
    expect(j.values.length).toBe(2);
    expect(j.values[0][2].length).toBe(2);
    expect(j.outputNames).toEqual(['no', 'yes']);
    expect(typeof j.diagnostics.additivityGap).toBe('number');
  });

  it('array() nests the values [rows][features][outputs] at full precision; tensor() is a copy of shape [rows, features, outputs]', async () => {
    const m = fakeSequential([3, 4, 2], ['relu', 'softmax'], 1);
    const e = await runExplainer('deep-shap', m, randomRows(2, 3, 2), { background: bg });
    const a = e.array();
    expect([a.length, a[0].length, a[0][0].length]).toEqual([2, 3, 2]);
    for (let r = 0; r < 2; r++) for (let f2 = 0; f2 < 3; f2++) for (let o = 0; o < 2; o++) expect(a[r][f2][o]).toBe(e.value(r, f2, o));
    const t = e.tensor();
    expect(t.shape).toEqual([2, 3, 2]);
    expect(Array.from(t.values)).toEqual(Array.from(e.values));
    (t.values as Float32Array)[0] += 1;
    expect(t.values[0]).not.toBe(e.values[0]);
  });

  it('dispatches every method by kebab-case name and rejects unknown methods and options', async () => {
    expect(METHODS.length).toBe(15);
    await expect(runExplainer('kernelShap', f, randomRows(1, 3, 1))).rejects.toThrow(/unknown method 'kernelShap' \(did you mean 'kernel-shap'\?\)/);
    await expect(runExplainer('shap', f, randomRows(1, 3, 1))).rejects.toThrow(/methods: kernel-shap, exact-shapley/);
    await expect(runExplainer('saliency', f, randomRows(1, 3, 1), { steps: 3 })).rejects.toThrow(/saliency: unknown option 'steps'/);
  });

  it('reports progress', async () => {
    const seen: number[] = [];
    await runExplainer('kernel-shap', f, randomRows(3, 3, 1), { background: bg, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3]);
  });
});
