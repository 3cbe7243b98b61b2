import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { gradCam, integratedGradients, kernelShap, permutationImportance } from '../explain/index.js';
import { fakeSequential, linearModel, randomImages, randomRows, smallCnn } from '../explain/test-models.js';
import { buildReportHtml, writeReport } from './index.js';

describe('HTML report', () => {
  it('writes one offline file with bar, beeswarm, waterfall and heatmaps; escapes user strings', async () => {
    const f = linearModel([1, -2, 0.5]);
    const evil = '<script>alert("x")</script>';
    const x = randomRows(6, 3, 1);
    const shap = await kernelShap(f, x, { background: randomRows(10, 3, 2), featureNames: [evil, 'b & c', 'd'] });
    const y = new Tensor(Float32Array.from({ length: 6 }, (_, r) => x.values[r * 3] - 2 * x.values[r * 3 + 1]), [6]);
    const pi = await permutationImportance(f, x, { y, featureNames: [evil, 'b & c', 'd'] });
    const digits = fakeSequential([784, 8, 10], ['relu', 'softmax'], 3);
    const ig = await integratedGradients(digits, randomRows(2, 784, 4), { steps: 8 });
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-report-'));
    const path = await writeReport(join(dir, 'sub', 'report.html'), {
      explanations: [shap, pi, ig], title: `Report ${evil}`, imageShape: [28, 28],
      trainingHistory: { history: { loss: [1, 0.5, 0.3], acc: [0.5, 0.8, 0.9] } },
    });
    const html = await readFile(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((html.match(/<svg/g) ?? []).length).toBe(1 + 5 + 1 + 4);
    expect(html).toContain('Global importance: mean |attribution|');
    expect(html).toContain('Permutation importance');
    expect(html).toContain('Training history');
    expect(await readdir(join(dir, 'sub'))).toEqual(['report.html']);
  });

  it('image rows get heatmaps for the predicted class and the runner-up', async () => {
    const digits = fakeSequential([784, 8, 10], ['relu', 'softmax'], 5);
    const ig = await integratedGradients(digits, randomRows(1, 784, 6), { steps: 4 });
    const html = await buildReportHtml({ explanations: [ig] });
    expect((html.match(/<svg/g) ?? []).length).toBe(2);
    expect(html).toMatch(/Row 0: predicted &#39;out\d&#39; \(/);
    expect((html.match(/integrated-gradients: out\d/g) ?? []).length).toBe(2);
  });

  it("a CNN: one row per explained digit with each method's map, Grad-CAM as an overlay with its colour scale", async () => {
    const cnn = smallCnn(28, ['conv', 'maxPool', 'conv'], 7, { classes: 10 });
    const x = randomImages(3, 784, 8);
    const cam = await gradCam(cnn, x);
    const ig = await integratedGradients(cnn, x, { steps: 4, outputs: 'predicted' });
    const html = await buildReportHtml({ explanations: [ig, cam] });
    expect((html.match(/<div class="digit">/g) ?? []).length).toBe(3);
    expect((html.match(/<svg/g) ?? []).length).toBe(3 * 2);
    expect(html).toMatch(/Grad-CAM \(1 = [\d.e-]+\)/);
    expect(html).toMatch(/attribution \(1 = [\d.e-]+\)/);
    expect(html).toContain('grad-cam: out');
  });
});

describe('HTML report for a table model', () => {
  it('puts test scores and the baseline beside training and validation curves, settings in tables, readable long labels', async () => {
    const f = linearModel([1, -2, 0.5]);
    const long = 'a feature name that goes on and on and on for a while';
    const shap = await kernelShap(f, randomRows(2, 3, 1), { background: randomRows(10, 3, 2), featureNames: [long, 'b', 'c'] });
    const e = shap.withTableContext({ displayData: [['a category value that is long too', 2, 3], ['x', 5, null]], rowIndices: [7, 9] });
    const html = await buildReportHtml({
      explanations: [e],
      trainingHistory: { loss: [1, 0.5, 0.3], mae: [0.9, 0.6, 0.5], val_loss: [1.1, 0.7, 0.6], val_mae: [1, 0.8, 0.7] },
      evaluation: { heading: 'Test scores on 40 held-out rows', scores: { mse: 12.5, r2: 0.9 }, baseline: { mse: 130, r2: -0.01 }, warning: null },
      trainingSettings: { epochs: 1000, early: true, optimizer: 'adam' },
    });
    expect(html).toContain('<tr><td>mse</td><td>12.5</td><td>130</td></tr>');
    expect(html).toContain('<tr><th>optimizer</th><td>adam</td></tr>');
    expect(html).toContain('<tr><th>seed</th><td>0</td></tr>');
    expect(html).not.toMatch(/Settings: \{/);
    // One panel per metric (loss and error on their own axes), training and validation lines in each.
    for (const text of ['>loss<', '>mae<', '>training<', '>validation<']) expect(html).toContain(text);
    expect(html).toContain('stroke-dasharray="5,3"');
    // Labels keep the start and end of long "feature = value" text and show missing values as such.
    expect(html).toContain("a feature … while = a category value …s long too");
    expect(html).toContain('c = missing');
    expect(html).toContain('(data row 9)');
  });

  it('heat maps have a colour scale', async () => {
    const digits = fakeSequential([784, 8, 10], ['relu', 'softmax'], 5);
    const ig = await integratedGradients(digits, randomRows(1, 784, 6), { steps: 4 });
    expect(await buildReportHtml({ explanations: [ig] })).toMatch(/attribution \(1 = [\d.e-]+\)/);
  });
});
