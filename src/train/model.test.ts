// The functional API: a model with a skip connection trains (plans = eager), saves and loads bit-exactly,
// exports to ONNX that onnxruntime agrees with, and is explained; several inputs and outputs; clear errors.

import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as gb from '../index.js';
import { expectClose } from '../../test/training/helpers.js';

/** Rows whose target is sin(x0) + x1 * x2: a residual block helps but is not required. */
function data(rows: number, seed: number) {
  const x = gb.randomUniform([rows, 4], -1, 1, { seed });
  const v = x.values;
  const y = Float32Array.from({ length: rows }, (_, r) => Math.sin(2 * v[r * 4]) + v[r * 4 + 1] * v[r * 4 + 2]);
  return { x, y: new gb.Tensor(y, [rows, 1]) };
}

/** input -> dense 16 relu -> [dense 16 relu, + skip] -> dense 1. */
function residual(seed: number) {
  gb.setSeed(seed);
  const input = gb.input({ shape: [4], name: 'features' });
  const h = gb.layers.dense({ units: 16, activation: 'relu', name: 'hidden' }).apply(input);
  const block = gb.layers.dense({ units: 16, activation: 'tanh', name: 'block' }).apply(h);
  const sum = gb.layers.add({ name: 'skip' }).apply([h, block]);
  const out = gb.layers.dense({ units: 1, name: 'score' }).apply(sum);
  const model = gb.model({ inputs: input, outputs: out, name: 'residual' });
  model.compile({ optimizer: gb.train.adam(0.01), loss: 'meanSquaredError' });
  return model;
}

describe('a functional model with a skip connection', () => {
  const { x, y } = data(200, 1);

  it('lists its layers, finds them by name, summarises the graph and trains the same through plans as eagerly', async () => {
    const [planned, eager] = [residual(3), residual(3)];
    expect(planned.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense', 'Add', 'Dense']);
    expect(planned.getLayer('skip').className).toBe('Add');
    expect(planned.getLayer(1).name).toBe('hidden');
    expect(() => planned.getLayer('nope')).toThrow(/no layer named 'nope'; the model has features, hidden, block, skip, score/);
    expect(planned.inputNames).toEqual(['features']);
    expect(planned.outputNames).toEqual(['score']);
    const text = planned.summary(() => {});
    expect(text).toMatch(/skip \(Add\)\s+\[null,16\]\s+0\s+16\s+hidden, block/);
    expect(text).toContain('Total params: 369');
    const args = { epochs: 3, batchSize: 32, verbose: 0 as const, shuffleSeed: 5 };
    const hp = await planned.fit(x, y, { ...args, engine: 'plan' });
    const he = await eager.fit(x, y, { ...args, engine: 'eager' });
    hp.history.loss.forEach((v, i) => expect(v).toBeCloseTo(he.history.loss[i], 4));
    eager.getWeights().forEach((w, i) => expectClose(planned.getWeights()[i], Array.from(w.values), 1e-4, 1e-4));
  });

  it('learns: the held-out error falls well below the variance of the target', async () => {
    const model = residual(4);
    const test = data(200, 2);
    const before = model.evaluateLogs(test.x, test.y).loss;
    await model.fit(x, y, { epochs: 60, batchSize: 32, verbose: 0, shuffleSeed: 1 });
    const after = model.evaluateLogs(test.x, test.y).loss;
    const ys = Array.from(test.y.values);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThan(0.1 * variance);
  });

  it('saves and loads bit-exactly (topology, weights, compile config) and exports ONNX that onnxruntime agrees with', async () => {
    const model = residual(5);
    await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    const want = model.predict(x);
    const again = await gb.loadModel(gb.toArtifacts(model));
    expect(again.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(again.compileConfig).toEqual(model.compileConfig);
    expect(Array.from(again.predict(x).values)).toEqual(Array.from(want.values));
    const session = await ort.InferenceSession.create(gb.toOnnx(model));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['score']);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x.values), x.shape) });
    expectClose(out.score.data as Float32Array, Array.from(want.values), 1e-5, 1e-5);
  });

  it('is explained by integrated gradients (completeness), DeepSHAP (additivity) and KernelSHAP, through its plans', async () => {
    const model = residual(6);
    await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
    const rows = gb.slice(x, [0], [4]);
    const background = gb.slice(x, [100], [20]);
    const ig = await gb.explain.integratedGradients(model, rows, { steps: 64, baseline: gb.zeros([1, 4]) });
    expect(ig.diagnostics.relativeCompletenessGap as number).toBeLessThan(1e-3);
    const deep = await gb.explain.deepShap(model, rows, { background });
    expect(deep.diagnostics.additivityGap as number).toBeLessThan(1e-4);
    const kernel = await gb.explain.kernelShap(model, rows, { background, seed: 1 });
    // Four features: KernelSHAP enumerates every coalition, so it is exact; DeepSHAP is DeepLIFT's approximation.
    expect(Math.abs(kernel.diagnostics.additivityGap as number)).toBeLessThan(1e-4);
    for (let r = 0; r < 4; r++) expect(deep.prediction(r, 0)).toBeCloseTo(model.predict(rows).values[r], 5);
  });
});

/** image 6x6x1 -> conv 4 'first' -> [conv 4 same 'second', + skip] -> max pool -> flatten -> dense 3 softmax. */
function residualCnn(seed: number) {
  gb.setSeed(seed);
  const input = gb.input({ shape: [6, 6, 1], name: 'image' });
  const first = gb.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'first' }).apply(input);
  const second = gb.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'second' }).apply(first);
  const sum = gb.layers.add({ name: 'skip' }).apply([first, second]);
  const pooled = gb.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(sum);
  const flat = gb.layers.flatten({ name: 'flat' }).apply(pooled);
  const out = gb.layers.dense({ units: 3, activation: 'softmax', name: 'classes' }).apply(flat);
  return gb.model({ inputs: input, outputs: out, name: 'residual_cnn' });
}

describe('a functional conv net with a skip connection is explained by the image methods', () => {
  const model = residualCnn(8);
  const x = gb.randomUniform([3, 6, 6, 1], 0, 1, { seed: 9 });
  const background = gb.randomUniform([8, 6, 6, 1], 0, 1, { seed: 10 });

  it('DeepSHAP is additive through the skip and the max pool; integrated gradients are complete', async () => {
    const deep = await gb.explain.deepShap(model, x, { background });
    expect(deep.diagnostics.additivityGap as number).toBeLessThan(1e-4);
    const ig = await gb.explain.integratedGradients(model, x, { steps: 256, outputs: 'predicted' });
    expect(ig.diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
  });

  it('Grad-CAM defaults to the last convolution, occlusion and layer IG find layers by name', async () => {
    const cam = await gb.explain.gradCam(model, x, { outputs: 'predicted' });
    const named = await gb.explain.gradCam(model, x, { outputs: 'predicted', layer: 'second' });
    expect(Array.from(cam.values)).toEqual(Array.from(named.values));
    expect(cam.features).toBe(36);
    const occ = await gb.explain.occlusion(model, x, { window: 1, baseline: 0 });
    // A one-pixel window: each value is the output's drop when that pixel alone is zeroed.
    const occluded = Float32Array.from(x.values);
    occluded[14] = 0;
    const drop = model.predict(x).values[0] - model.predict(new gb.Tensor(occluded, x.shape)).values[0];
    expect(occ.value(0, 14, 0)).toBeCloseTo(drop, 5);
    const layerIg = await gb.explain.layerIntegratedGradients(model, x, { layer: 'first', steps: 256, outputs: 'predicted' });
    expect(layerIg.features).toBe(6 * 6 * 4);
    expect(layerIg.diagnostics.relativeCompletenessGap as number).toBeLessThan(0.01);
  });
});

describe('several inputs and outputs', () => {
  function twoHeaded() {
    gb.setSeed(7);
    const a = gb.input({ shape: [3], name: 'a' });
    const b = gb.input({ shape: [2], name: 'b' });
    const shared = gb.layers.dense({ units: 5, activation: 'relu', name: 'shared' });
    const joined = gb.layers.concatenate({ name: 'joined' }).apply([shared.apply(a), gb.layers.dense({ units: 5, name: 'side' }).apply(b)]);
    const cls = gb.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
    const reg = gb.layers.dense({ units: 1, name: 'reg' }).apply(joined);
    return gb.model({ inputs: [a, b], outputs: [cls, reg] });
  }

  const xa = gb.randomUniform([60, 3], -1, 1, { seed: 1 });
  const xb = gb.randomUniform([60, 2], -1, 1, { seed: 2 });
  const labels = gb.tensor1d(Array.from({ length: 60 }, (_, i) => i % 3), 'int32');
  const values = gb.sum(xa, 1, true);

  it('fit takes lists or {name: tensor}, a loss per output, and reports prefixed metrics; predict returns a list', async () => {
    const model = twoHeaded();
    model.compile({ optimizer: gb.train.adam(0.01), loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' }, metrics: ['accuracy'] });
    const h = await model.fit({ a: xa, b: xb }, [labels, values], { epochs: 3, batchSize: 16, verbose: 0, validationSplit: 0.2 });
    expect(Object.keys(h.history).sort()).toEqual(['cls_accuracy', 'loss', 'reg_accuracy', 'val_cls_accuracy', 'val_loss', 'val_reg_accuracy']);
    const [p, r] = model.predict([xa, xb]) as gb.Tensor[];
    expect(p.shape).toEqual([60, 3]);
    expect(r.shape).toEqual([60, 1]);
    const logs = model.evaluateLogs([xa, xb], { cls: labels, reg: values });
    expect(logs.loss).toBeGreaterThan(0);
  });

  it('the summed loss is each output\'s loss added, as plans and eager autograd both compute it', async () => {
    const model = twoHeaded();
    model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] });
    const [p, r] = model.predict([xa, xb]) as gb.Tensor[];
    const ce = gb.mean(gb.sparseSoftmaxCrossEntropy(gb.log(p), labels)).item();
    const mse = gb.mean(gb.square(gb.sub(r, values))).item();
    expect(model.evaluateLogs([xa, xb], [labels, values]).loss).toBeCloseTo(ce + mse, 4);
  });

  it('a shared layer is called twice and saved once; the config round-trips', async () => {
    gb.setSeed(2);
    const a = gb.input({ shape: [4] });
    const b = gb.input({ shape: [4] });
    const tower = gb.layers.dense({ units: 3, activation: 'tanh', name: 'tower' });
    const out = gb.layers.dot({ axes: 1, normalize: true, name: 'cosine' }).apply([tower.apply(a), tower.apply(b)]);
    const siamese = gb.model({ inputs: [a, b], outputs: out });
    expect(siamese.layers.filter((l) => l.name === 'tower').length).toBe(1);
    expect(siamese.countParams()).toBe(15);
    const config = siamese.getConfig() as gb.GraphConfig;
    expect(config.layers.find((l) => l.name === 'tower')!.inboundNodes.length).toBe(2);
    const again = await gb.loadModel(gb.toArtifacts(siamese));
    const xs = [gb.randomNormal([5, 4], 0, 1, { seed: 3 }), gb.randomNormal([5, 4], 0, 1, { seed: 4 })];
    expect(Array.from(again.predict(xs).values)).toEqual(Array.from(siamese.predict(xs).values));
    expect(Array.from(siamese.predict([xs[0], xs[0]]).values).every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
  });
});

describe('functional API errors name the problem', () => {
  it('inputs that are not from input(), outputs that need an undeclared input, duplicate names, bad merges', () => {
    const a = gb.input({ shape: [3] });
    const b = gb.input({ shape: [3] });
    const h = gb.layers.dense({ units: 2 }).apply(a);
    expect(() => gb.model({ inputs: h, outputs: h })).toThrow(/inputs\[0\] .* is the output of layer 'dense_\d+', not of input\(\)/);
    const both = gb.layers.add().apply([a, b]);
    expect(() => gb.model({ inputs: a, outputs: both })).toThrow(/depends on input 'input_layer_\d+', which is not in the model's inputs; add it to inputs/);
    const twin = gb.layers.dense({ units: 2, name: 'twin' });
    const twin2 = gb.layers.dense({ units: 2, name: 'twin' });
    expect(() => gb.model({ inputs: a, outputs: twin2.apply(twin.apply(a)) })).toThrow(/two layers are named 'twin'/);
    expect(() => gb.layers.add().apply([a, gb.input({ shape: [4] })])).toThrow(/do not broadcast together/);
    expect(() => gb.layers.concatenate().apply([a, gb.input({ shape: [2, 3] })])).toThrow(/differ outside axis -1/);
    expect(() => gb.layers.dense({ units: 2 }).apply([a, b])).toThrow(/takes one input, got 2; merge them first/);
    expect(() => gb.input({ shape: [null as never, 3] })).toThrow(/shape must list the positive sizes/);
    expect(() => gb.model({ inputs: a } as never)).toThrow(/pass \{inputs, outputs\}/);
    const model = gb.model({ inputs: [a, b], outputs: both });
    expect(() => model.predict(gb.zeros([2, 3]))).toThrow(/has 2 inputs \(input_layer_\d+, input_layer_\d+\); pass x as a list/);
    expect(() => model.predict([gb.zeros([2, 3]), gb.zeros([2, 4])])).toThrow(/input 'input_layer_\d+': expected input of shape \[batch, 3\], got \[2,4\]/);
    expect(() => model.inputShape).toThrow(/has 2 inputs; inputShape is for models with one/);
  });
});
