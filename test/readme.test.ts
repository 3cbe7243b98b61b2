// The README's TypeScript examples, run as one script, so the documentation cannot drift from the API.
// Changes made to fit a test's time budget: MNIST is limited to 2000/500 rows and 1 epoch instead of 10,
// files go to a temporary folder, and the TensorFlow.js import line (it needs a tfjs model on disk,
// covered by src/io/tfjs-import.test.ts) is left out.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

describe('README examples', () => {
  it('run as written (with smaller data)', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const out = mkdtempSync(join(tmpdir(), 'glassbox-readme-'));
    let code = blocks.join('\n')
      .replace("import * as gb from 'glassbox';", `import * as gb from ${JSON.stringify(join(root, 'src/index.ts'))};`)
      .replace('await gb.loadMnist()', 'await gb.loadMnist({ trainLimit: 2000, testLimit: 500 })')
      .replace('epochs: 10', 'epochs: 1')
      .replace(/'runs\/mine'/g, JSON.stringify(join(out, 'mine')))
      .replace(/'model\.onnx'/g, JSON.stringify(join(out, 'model.onnx')))
      .replace("'report.html'", JSON.stringify(join(out, 'report.html')))
      .split('\n').filter((line) => !line.includes('path/to/')).join('\n');
    code += '\nexport const results = { accuracy: accuracy.item(), dydx: dydx.arraySync(), again, shap, probabilities, residual, fromOnnx, onnxIg, model };\n';
    const dir = join(root, 'test', '.generated');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-example.ts');
    writeFileSync(file, code);
    const { results } = await import(file);
    expect(results.accuracy).toBeGreaterThan(0.7);
    expect(results.dydx).toEqual([[2, 4], [6, 8]]);
    expect(results.probabilities.shape).toEqual([5, 10]);
    expect(Math.abs(results.shap.diagnostics.additivityGap)).toBeLessThan(1e-4);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
    expect(results.residual.layers.map((l: { className: string }) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense', 'Add', 'Dense']);
    expect(results.fromOnnx.inputNames).toEqual(['input']);
    expect(results.onnxIg.diagnostics.relativeCompletenessGap).toBeLessThan(0.01);
  });
});
