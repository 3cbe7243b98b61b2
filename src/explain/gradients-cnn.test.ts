import { describe, expect, it } from 'vitest';
import { integratedGradients } from './integrated-gradients.js';
import { saliency, smoothGrad } from './gradients.js';
import { asEagerFunction, randomImages, smallCnn, trainedQuadrantCnn } from './test-models.js';

describe('gradient methods on convolutional networks', () => {
  const model = smallCnn(6, ['conv', 'batchNorm', 'maxPool', 'conv', 'avgPool'], 21, { classes: 4 });
  const xs = randomImages(3, 36, 22);

  it('one backward pass for every output equals eager autograd, output by output', async () => {
    for (const outputs of ['all', 'predicted', [3, 1]] as const) {
      const planned = await integratedGradients(model, xs, { steps: 8, outputs: outputs as never, method: 'riemann-trapezoid' });
      const eager = await integratedGradients(asEagerFunction(model), xs, { steps: 8, outputs: outputs as never, method: 'riemann-trapezoid' });
      expect(planned.diagnostics.engine).toBe('plan');
      expect(planned.outputs).toBe(outputs === 'all' ? 4 : outputs === 'predicted' ? 1 : 2);
      for (let i = 0; i < planned.values.length; i++) expect(planned.values[i]).toBeCloseTo(eager.values[i], 5);
    }
    const s1 = await saliency(model, xs, { abs: false });
    const s2 = await saliency(asEagerFunction(model), xs, { abs: false });
    for (let i = 0; i < s1.values.length; i++) expect(s1.values[i]).toBeCloseTo(s2.values[i], 5);
    // Small calls: the points of one row are split over several backward passes.
    const split = await smoothGrad(model, xs, { seed: 4, nSamples: 9, maxRowsPerCall: 8 });
    const whole = await smoothGrad(model, xs, { seed: 4, nSamples: 9 });
    for (let i = 0; i < split.values.length; i++) expect(split.values[i]).toBeCloseTo(whole.values[i], 5);
  });

  it("integrated gradients' completeness within 1% at 256 steps on a trained CNN (conv, batch norm, max pool, conv, average pool, dense, softmax)", async () => {
    const { model: cnn, x } = await trainedQuadrantCnn(['conv', 'batchNorm', 'maxPool', 'conv', 'avgPool'], 5);
    const e = await integratedGradients(cnn, x, { steps: 256, outputs: 'predicted' });
    // The model learnt its task, so f(x) - f(black) is large for the predicted class and the 1% is of a real change.
    for (let r = 0; r < e.rows; r++) expect(Math.abs(e.prediction(r, 0) - e.baseValue(r, 0))).toBeGreaterThan(0.2);
    expect(e.diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
  });
});
