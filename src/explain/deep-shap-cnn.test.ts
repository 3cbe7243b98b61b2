import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Layer } from '../nn/layer.js';
import { Sequential } from '../train/sequential.js';
import { layers } from '../nn/index.js';
import { deepShap } from './deep-shap.js';
import { exactShapley } from './exact-shapley.js';
import { patchGroups } from './groups.js';
import { randomImages, randomizeWeights, smallCnn } from './test-models.js';

/** Largest |sum of attributions - (f(x) - E f(background))| over rows and outputs, recomputed from the values. */
function additivityGap(e: Awaited<ReturnType<typeof deepShap>>): number {
  let gap = 0;
  for (let r = 0; r < e.rows; r++) {
    for (let o = 0; o < e.outputs; o++) {
      let s = 0;
      for (let f = 0; f < e.features; f++) s += e.value(r, f, o);
      gap = Math.max(gap, Math.abs(s - (e.prediction(r, o) - e.baseValue(r, o))));
    }
  }
  return gap;
}

describe('deepShap on convolutional networks', () => {
  const cases = [
    ['conv, batch norm, max pool, conv, average pool, dense, softmax', ['conv', 'batchNorm', 'maxPool', 'conv', 'avgPool'], {}],
    ['conv, global max pool', ['conv', 'globalMax'], {}],
    ['padding, separable conv, layer norm, global average pool', ['padding', 'separable', 'layerNorm', 'globalAvg'], {}],
    ['tanh conv, max pool, linear head', ['conv', 'maxPool'], { activation: 'tanh', head: 'linear' }],
  ] as const;

  it.each(cases)('additivity within 1e-4: %s', async (_label, parts, o) => {
    const model = smallCnn(6, [...parts], 3, o);
    const e = await deepShap(model, randomImages(3, 36, 1), { background: randomImages(7, 36, 2) });
    expect(e.diagnostics.additivityGap as number).toBeLessThan(1e-4);
    expect(additivityGap(e)).toBeLessThan(1e-4);
    // Not a trivial pass: the attributions carry the difference f(x) - E f(b).
    expect(Math.max(...Array.from(e.values, Math.abs))).toBeGreaterThan(1e-3);
  });

  it('the max rule explains each window with the winner of the side that wins it: one pooled pixel pair by hand', async () => {
    // f = maxpool 2x2 of a 2x2 image, then a linear head of weight 1: f(x) = max(x).
    const model = new Sequential({ layers: [layers.reshape({ targetShape: [2, 2, 1], inputShape: [4] }), layers.maxPooling2d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 1, activation: 'linear' })] });
    model.setWeights([new Tensor(Float32Array.of(1), [1, 1]), new Tensor(Float32Array.of(0), [1])]);
    const x = new Tensor(Float32Array.of(0.1, 0.9, 0.3, 0.2), [1, 4]);
    const b = new Tensor(Float32Array.of(0.5, 0.0, 0.6, 0.1), [1, 4]);
    // x wins (0.9 > 0.6): its winner, pixel 1, takes the whole difference 0.3.
    const up = await deepShap(model, x, { background: b });
    expect(Array.from(up.values).map((v) => Number(v.toFixed(6)))).toEqual([0, 0.3, 0, 0]);
    // Here the reference wins (0.6 > 0.5): its winner, pixel 2, takes the whole difference -0.1.
    const down = await deepShap(model, new Tensor(Float32Array.of(0.5, 0.0, 0.2, 0.1), [1, 4]), { background: new Tensor(Float32Array.of(0.1, 0.2, 0.6, 0.3), [1, 4]) });
    expect(Array.from(down.values).map((v) => Number(v.toFixed(6)))).toEqual([0, 0, -0.1, 0]);
  });

  it('equals exact Shapley values on a linear CNN (linear conv, average pool, linear head)', async () => {
    const linear = randomizeWeights(new Sequential({ layers: [
      layers.reshape({ targetShape: [4, 4, 1], inputShape: [16] }), layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }),
      layers.averagePooling2d({ poolSize: 2 }), layers.flatten(), layers.dense({ units: 2 }),
    ] }), 6);
    const groups = patchGroups(4, 4, 2);
    const x = randomImages(2, 16, 7);
    const bg = randomImages(5, 16, 8);
    const d = await deepShap(linear, x, { background: bg, groups });
    const ex = await exactShapley((t: Tensor) => linear.predict(t), x, { background: bg, groups });
    for (let i = 0; i < d.values.length; i++) expect(d.values[i]).toBeCloseTo(ex.values[i], 5);
  });

  it('outputs: the predicted class equals its column of all outputs; chunked runs equal one run', async () => {
    const model = smallCnn(6, ['conv', 'maxPool'], 11, { classes: 4 });
    const x = randomImages(5, 36, 12);
    const bg = randomImages(6, 36, 13);
    const all = await deepShap(model, x, { background: bg });
    const pred = await deepShap(model, x, { background: bg, outputs: 'predicted' });
    // maxRowsPerCall 12: two outputs of one row per run, so rows and outputs are split over many runs.
    const chunked = await deepShap(model, x, { background: bg, maxRowsPerCall: 12 });
    for (let r = 0; r < 5; r++) {
      const k = pred.targets![r];
      for (let f = 0; f < all.features; f++) {
        expect(pred.value(r, f, 0)).toBeCloseTo(all.value(r, f, k), 6);
        for (let o = 0; o < 4; o++) expect(chunked.value(r, f, o)).toBeCloseTo(all.value(r, f, o), 6);
      }
    }
  });

  it('products and quotients of two values on the input path: the exact Shapley split for two players, additive when chained', async () => {
    class TwoInputs extends Layer {
      readonly className = 'TwoInputsForTest';
      constructor(private readonly f: (a: Tensor, b: Tensor) => Tensor) {
        super({});
      }
      call(x: Tensor): Tensor {
        return this.f(ops.slice(x, [0, 0], [x.shape[0], 1]), ops.slice(x, [0, 1], [x.shape[0], 1]));
      }
      override computeOutputShape(): number[] {
        return [1];
      }
    }
    const x = new Tensor(Float32Array.of(1.5, -0.7, -0.4, 2.1), [2, 2]);
    const bg = new Tensor(Float32Array.of(0.2, 0.9), [1, 2]);
    const explain = async (f: (a: Tensor, b: Tensor) => Tensor) => {
      const model = new Sequential({ layers: [layers.reshape({ targetShape: [2], inputShape: [2] }), new TwoInputs(f), layers.dense({ units: 1 })] });
      model.setWeights([new Tensor(Float32Array.of(1), [1, 1]), new Tensor(Float32Array.of(0), [1])]);
      return [await deepShap(model, x, { background: bg }), await exactShapley((t: Tensor) => model.predict(t), x, { background: bg })];
    };
    // f = a tanh(b) and f = a / (1 + b^2): each side's change times the other side's midpoint, the two-player Shapley values.
    for (const f of [(a: Tensor, b: Tensor) => ops.mul(a, ops.tanh(b)), (a: Tensor, b: Tensor) => ops.div(a, ops.add(ops.square(b), 1))]) {
      const [d, ex] = await explain(f);
      for (let i = 0; i < 4; i++) expect(d.values[i]).toBeCloseTo(ex.values[i], 5);
    }
    // Chained, b in both factors: no longer the Shapley split, still additive.
    const [chained] = await explain((a, b) => ops.div(ops.mul(a, ops.tanh(b)), ops.add(ops.square(b), 1)));
    expect(chained.diagnostics.additivityGap as number).toBeLessThan(1e-6);
    expect(additivityGap(chained)).toBeLessThan(1e-6);
  });

  it('a model with an op that has no DeepLIFT rule gets an error naming the op', async () => {
    class LogSoftmax extends Layer {
      readonly className = 'LogSoftmaxForTest';
      call(x: Tensor): Tensor {
        return ops.logSoftmax(x);
      }
    }
    const model = smallCnn(4, ['conv'], 1);
    model.add(new LogSoftmax());
    await expect(deepShap(model, randomImages(1, 16, 1), { background: randomImages(2, 16, 2) })).rejects.toThrow(/op 'logSoftmax'.*no DeepLIFT rule.*kernelShap or gradientShap/);
  });
});
