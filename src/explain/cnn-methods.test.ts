import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../train/sequential.js';
import { layers } from '../nn/index.js';
import { gradCam, resizeMap } from './grad-cam.js';
import { occlusion, windowOrigins } from './occlusion.js';
import { layerIntegratedGradients } from './layer-integrated-gradients.js';
import { integratedGradients } from './integrated-gradients.js';
import { linearModel, randomImages, randomRows, randomizeWeights, smallCnn } from './test-models.js';

describe('gradCam', () => {
  it("equals the hand-computed ReLU of the feature maps weighted by the linear head's mean weights", async () => {
    const model = randomizeWeights(new Sequential({ layers: [
      layers.reshape({ targetShape: [5, 5, 1], inputShape: [25] }),
      layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.flatten(), layers.dense({ units: 2 }),
    ] }), 3);
    const x = randomImages(3, 25, 4);
    const e = await gradCam(model, x);
    // A: the conv layer's output; the head is linear, so dy_k / dA_pc = W[p * 3 + c, k] everywhere.
    const maps = new Sequential({ layers: [model.layers[0], model.layers[1]] }).predict(x).values;
    const w = model.layers[3].getWeights()[0].values;
    expect([e.rows, e.features, e.outputs]).toEqual([3, 25, 2]);
    let largest = 0;
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 2; k++) {
        const alpha = [0, 1, 2].map((c) => Array.from({ length: 25 }, (_, p) => w[(p * 3 + c) * 2 + k]).reduce((a, b) => a + b, 0) / 25);
        for (let p = 0; p < 25; p++) {
          const cam = Math.max(0, alpha.reduce((s, a, c) => s + a * maps[(r * 25 + p) * 3 + c], 0));
          expect(e.value(r, p, k)).toBeCloseTo(cam, 5);
          largest = Math.max(largest, cam);
        }
      }
    }
    expect(largest).toBeGreaterThan(0.01);
  });

  it('defaults to the last convolution, takes a named layer, upsamples with half-pixel centres, and refuses plain functions', async () => {
    const model = smallCnn(8, ['conv', 'maxPool', 'conv'], 5, { classes: 3 });
    const x = randomImages(2, 64, 6);
    const last = model.layers.filter((l) => l.className === 'Conv2D').pop()!.name;
    const byDefault = await gradCam(model, x, { outputs: 'predicted' });
    const named = await gradCam(model, x, { outputs: 'predicted', layer: last });
    expect(Array.from(byDefault.values)).toEqual(Array.from(named.values));
    expect(byDefault.diagnostics.mapShape).toEqual([4, 4, 3]);
    expect(byDefault.features).toBe(64);
    // [[0, 1], [2, 3]] to 4x4, as tf.image.resize (bilinear, half-pixel centres).
    expect(Array.from(resizeMap(Float32Array.of(0, 1, 2, 3), 2, 2, 4, 4, 'bilinear'))).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
    await expect(gradCam((t: Tensor) => model.predict(t), x)).rejects.toThrow(/occlusion or kernelShap/);
    await expect(gradCam(model, x, { layer: 'nope' })).rejects.toThrow(/no layer named 'nope'; its layers: .*conv2d/);
  });
});

describe('occlusion', () => {
  const model = smallCnn(6, ['conv', 'maxPool'], 7, { classes: 3 });
  const x = randomImages(2, 36, 8);
  const drop = (row: number, pixels: number[], baseline: number) => {
    const occluded = Float32Array.from(x.values.subarray(row * 36, (row + 1) * 36));
    for (const p of pixels) occluded[p] = baseline;
    const y = model.predict(new Tensor(occluded, [1, 36])).values;
    const fx = model.predict(new Tensor(Float32Array.from(x.values.subarray(row * 36, (row + 1) * 36)), [1, 36])).values;
    return Array.from(fx, (v, k) => v - y[k]);
  };

  it('a one-pixel window gives each pixel the output drop when it alone takes the baseline', async () => {
    const e = await occlusion(model, x, { window: 1, baseline: 0.3 });
    expect(e.diagnostics.windowsPerRow).toBe(36);
    for (let r = 0; r < 2; r++) for (const p of [0, 7, 20, 35]) {
      const d = drop(r, [p], 0.3);
      for (let k = 0; k < 3; k++) expect(e.value(r, p, k)).toBeCloseTo(d[k], 5);
    }
  });

  it('overlapping windows average the drops of the windows covering a pixel; edges are covered', async () => {
    const e = await occlusion(model, x, { window: 2, stride: 1 });
    // Pixel (2, 2) = index 14 lies in the windows starting at (1,1), (1,2), (2,1), (2,2).
    const ds = [[1, 1], [1, 2], [2, 1], [2, 2]].map(([r, c]) => drop(0, [r * 6 + c, r * 6 + c + 1, (r + 1) * 6 + c, (r + 1) * 6 + c + 1], 0));
    for (let k = 0; k < 3; k++) expect(e.value(0, 14, k)).toBeCloseTo(ds.reduce((s, d) => s + d[k], 0) / 4, 5);
    expect(windowOrigins(7, 3, 3)).toEqual([0, 3, 4]);
  });

  it('on a plain linear function over flat rows, a one-value window gives w_i (x_i - baseline)', async () => {
    const w = [2, -1, 0.5, 3];
    const xs = randomRows(2, 4, 9);
    const e = await occlusion(linearModel(w, 1), xs, { baseline: 0.5 });
    for (let r = 0; r < 2; r++) for (let j = 0; j < 4; j++) expect(e.value(r, j)).toBeCloseTo(w[j] * (xs.values[r * 4 + j] - 0.5), 5);
  });
});

describe('layerIntegratedGradients', () => {
  const model = smallCnn(6, ['conv', 'batchNorm', 'maxPool'], 11, { classes: 3 });
  const x = randomImages(3, 36, 12);

  it('at the first layer (a reshape of the input) equals integrated gradients on the input', async () => {
    const reshape = model.layers[0].name;
    const l = await layerIntegratedGradients(model, x, { layer: reshape, steps: 16 });
    const ig = await integratedGradients(model, x, { steps: 16, method: 'gauss-legendre' });
    expect(l.features).toBe(36);
    for (let i = 0; i < l.values.length; i++) expect(l.values[i]).toBeCloseTo(ig.values[i], 5);
  });

  it('attributes to a conv layer\'s units, complete within 1% at 256 steps; names the layers it knows', async () => {
    const conv = model.layers[1].name;
    const e = await layerIntegratedGradients(model, x, { layer: conv, steps: 256, outputs: 'predicted' });
    expect(e.features).toBe(6 * 6 * 3);
    expect(e.inputShape).toEqual([6, 6, 3]);
    expect(e.diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
    await expect(layerIntegratedGradients(model, x, {})).rejects.toThrow(/name the layer/);
    await expect(layerIntegratedGradients(model, x, { layer: 'dense_x' })).rejects.toThrow(/no layer named 'dense_x'/);
  });
});
