import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { integratedGradients, kernelShap, permutationImportance } from '../explain/index.js';
import { fakeSequential, linearModel, randomRows } from '../explain/test-models.js';
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
    expect(html).toMatch(/row 0: out\d \(/);
  });
});
