// int8 post-training quantisation: the quantisation arithmetic, the targets' logic on small synthetic problems
// (accuracy within 0.5 points, a folder at most 35% of the float one), the quantised format's round trip and
// defensive loading, explanations by every model-agnostic method, and ONNX QDQ export run in onnxruntime.

import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { withBackend } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { toArtifacts, modelFromArtifacts } from '../io/artifacts.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { crc32 } from '../io/crc32.js';
import { sealedModelJson } from '../io/model-format.js';
import { toOnnx } from '../io/onnx-export.js';
import { runExplainer } from '../explain/run.js';
import type { Sequential } from '../train/sequential.js';
import { activationParams, quantizeModel, quantizeWeights } from './quantize.js';
import { QuantizedDense } from './quantized-layers.js';
import { accuracy, imageProblem, mlp, smallCnn, tabularProblem, type Problem } from './test-problems.js';

describe('quantisation arithmetic', () => {
  it('maps zero exactly and covers the calibrated range with 127 steps', () => {
    for (const [lo, hi] of [[0, 1], [-2, 3], [-1, -0.5], [0.5, 4], [-3e-4, 7e-4]]) {
      const { scale, zeroPoint } = activationParams(lo, hi);
      expect(zeroPoint).toBeGreaterThanOrEqual(0);
      expect(zeroPoint).toBeLessThanOrEqual(127);
      // Both ends are representable within half a step.
      expect((0 - zeroPoint) * scale).toBeLessThanOrEqual(Math.min(lo, 0) + scale / 2);
      expect((127 - zeroPoint) * scale).toBeGreaterThanOrEqual(Math.max(hi, 0) - scale / 2);
    }
    expect(activationParams(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(() => activationParams(0, NaN)).toThrow(/not finite/);
  });

  it('quantises weights per unit within half a step of each unit, zero units included', () => {
    const units = 3;
    // [in = 4, units = 3]: unit 2 is all zeros; unit 1 has one large weight.
    const w = Float32Array.from([0.1, -5, 0, -0.2, 1, 0, 0.3, 0.01, 0, -0.4, 2, 0]);
    const { q, scales, maxError } = quantizeWeights(w, units, (k) => k % units, (k) => (k % units) * 4 + Math.floor(k / units));
    expect(Array.from(scales)).toEqual([Math.fround(0.4 / 127), Math.fround(5 / 127), 1]);
    expect(Array.from(q.subarray(0, 4))).toEqual([32, -64, 95, -127]);
    expect(Math.max(...q.subarray(8))).toBe(0);
    expect(Math.min(...q)).toBeGreaterThanOrEqual(-127);
    expect(maxError).toBeLessThanOrEqual(scales[1] / 2 + 1e-7);
  });
});

async function trained(problem: Problem, model: Sequential, epochs: number): Promise<Sequential> {
  await model.fit(problem.xTrain, problem.yTrain, { epochs, batchSize: 32, verbose: 0, shuffleSeed: 1 });
  return model;
}

describe('int8 quantisation of an MLP (synthetic problem)', () => {
  const problem = tabularProblem();
  let float: Sequential;
  let q: Sequential;
  beforeAll(async () => {
    float = await trained(problem, mlp(20, [32], 4), 30);
    q = quantizeModel(float, problem.xTrain.slice([0], [300])).model;
  });

  it('keeps accuracy within 0.5 points and replaces every Dense layer', () => {
    const a = accuracy(float, problem.xTest, problem.yTest);
    const b = accuracy(q, problem.xTest, problem.yTest);
    expect(a).toBeGreaterThan(0.8);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(0.005);
    expect(q.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense']);
    expect(q.layers[0].weights[0].dtype).toBe('int8');
  });

  it('predicts the same on js and wasm (up to the float softmax), and close to the float model', () => {
    const js = withBackend('js', () => q.predict(problem.xTest)).values;
    const wasm = withBackend('wasm', () => q.predict(problem.xTest)).values;
    let worst = 0;
    for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(js[i] - wasm[i]));
    expect(worst).toBeLessThan(1e-6);
    const f = float.predict(problem.xTest).values;
    worst = 0;
    for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i] - js[i]));
    expect(worst).toBeLessThan(0.1);
  });

  it('saves as int8 tensors plus float scales and round-trips bit for bit', () => {
    const a = toArtifacts(q);
    const { tensors } = decodeSafetensors(a.weights);
    expect([...tensors].map(([k, t]) => `${k.split('/')[1]} ${t.dtype} [${t.shape}]`)).toEqual([
      'kernel int8 [32,20]', 'kernel_scale float32 [32]', 'bias float32 [32]', 'kernel int8 [4,32]', 'kernel_scale float32 [4]', 'bias float32 [4]',
    ]);
    const back = modelFromArtifacts(a).model as Sequential;
    expect(back.layers[0]).toBeInstanceOf(QuantizedDense);
    expect(Array.from(back.predict(problem.xTest).values)).toEqual(Array.from(q.predict(problem.xTest).values));
    const logs = back.evaluateLogs(problem.xTest, problem.yTest);
    expect(logs.accuracy).toBeCloseTo(accuracy(q, problem.xTest, problem.yTest), 10);
  });

  it('is explained by every model-agnostic method; gradient methods say why they cannot run', async () => {
    const x = problem.xTest.slice([0], [3]);
    const background = problem.xTrain.slice([0], [30]);
    const f = (t: Tensor) => q.predict(t).values;
    const groups = Array.from({ length: 5 }, (_, g) => ({ name: `g${g}`, indices: [4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3] }));
    const runs = {
      'kernel-shap': { background, seed: 1, nSamples: 400 },
      'exact-shapley': { background, groups },
      'sampling-shap': { background, seed: 1, nPermutations: 16 },
      lime: { background, seed: 1, nSamples: 500 },
    };
    for (const [method, options] of Object.entries(runs)) {
      const e = await runExplainer(method, q, x, options);
      expect(e.rows, method).toBe(3);
      expect(Array.from(e.values).every(Number.isFinite), method).toBe(true);
      if (method !== 'lime') {
        // Shapley values add up to f(x) - E f(background) for each row and output (local accuracy).
        const fx = f(x), fb = f(background);
        for (let r = 0; r < 3; r++) {
          for (let o = 0; o < 4; o++) {
            let sum = 0;
            for (let k = 0; k < e.features; k++) sum += e.values[(r * e.features + k) * e.outputs + (e.outputs === 4 ? o : 0)];
            if (e.outputs !== 4) continue;
            let mean = 0;
            for (let b = 0; b < 30; b++) mean += fb[b * 4 + o] / 30;
            expect(Math.abs(sum - (fx[r * 4 + o] - mean)), method).toBeLessThan(1e-3);
          }
        }
      }
    }
    const pi = await runExplainer('permutation-importance', q, problem.xTest, { y: problem.yTest, seed: 1, nRepeats: 2 });
    const imp = Array.from(pi.values);
    // The six informative features outrank the noise features.
    const top = imp.map((v, i) => [v, i]).sort((p, s) => s[0] - p[0]).slice(0, 6).map(([, i]) => i);
    expect(top.filter((i) => i < 6).length).toBeGreaterThanOrEqual(5);
    for (const method of ['saliency', 'integrated-gradients']) {
      await expect(runExplainer(method, q, x, {})).rejects.toThrow(/differentiabl|gradient/i);
    }
  });

  it('exports as QuantizeLinear / DequantizeLinear and agrees with onnxruntime', async () => {
    const bytes = toOnnx(q);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text).toContain('QuantizeLinear');
    expect(text).toContain('DequantizeLinear');
    const session = await ort.InferenceSession.create(bytes);
    const x = problem.xTest.slice([0], [64]);
    const out = await session.run({ input: new ort.Tensor('float32', x.values as Float32Array, x.shape) });
    const got = out.output.data as Float32Array;
    const want = q.predict(x).values;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    // onnxruntime dequantises and sums in float32; glassbox sums exactly in int32 and scales once.
    expect(worst).toBeLessThan(1e-4);
  });
});

describe('loading a quantised model defensively', () => {
  const problem = tabularProblem(400);
  const q = quantizeModel(mlp(20, [8], 4), problem.xTrain.slice([0], [50])).model;
  const a = toArtifacts(q);
  const doc = JSON.parse(a.modelJson);
  const tensors = decodeSafetensors(a.weights).tensors;
  const rebuild = (edit: (t: Map<string, Tensor>, d: typeof doc) => void) => {
    const t = new Map(tensors);
    const d = structuredClone(doc);
    edit(t, d);
    const weights = encodeSafetensors(t);
    d.weights.byteLength = weights.length;
    d.weights.crc32 = crc32(weights);
    return () => modelFromArtifacts({ modelJson: sealedModelJson(d), weights });
  };
  const kernel = [...tensors.keys()].find((k) => k.endsWith('/kernel'))!;

  it('round-trips when nothing is changed', () => {
    expect(() => rebuild(() => {})()).not.toThrow();
  });

  it('refuses a float kernel where an int8 one belongs', () => {
    const t = tensors.get(kernel)!;
    expect(rebuild((m) => m.set(kernel, new Tensor(Float32Array.from(t.values), t.shape)))).toThrow(/float32; weights must be int8/);
  });

  it('refuses a kernel whose shape does not match the layer, before building it', () => {
    expect(rebuild((m) => m.set(kernel, new Tensor(new Int8Array(8 * 21), [8, 21], 'int8')))).toThrow(/QuantizedDense.*needs a kernel of shape \[8,20\]/);
    expect(rebuild((_m, d) => (d.modelConfig.layers[0].config.units = 1e9))).toThrow(/units 1000000000/);
  });

  it('refuses scales that are zero, negative or not finite', () => {
    const name = [...tensors.keys()].find((k) => k.endsWith('/kernel_scale'))!;
    for (const bad of [0, -1, NaN, Infinity]) {
      const s = Float32Array.from(tensors.get(name)!.values);
      s[3] = bad;
      expect(rebuild((m) => m.set(name, new Tensor(s, [s.length])))).toThrow(/kernel_scale must hold positive finite numbers/);
    }
  });

  it('refuses a calibration that is not a valid quantisation', () => {
    expect(rebuild((_m, d) => (d.modelConfig.layers[0].config.inputZeroPoint = 200))).toThrow(/inputZeroPoint must be an integer in 0..127/);
    expect(rebuild((_m, d) => (d.modelConfig.layers[0].config.inputScale = -1))).toThrow(/inputScale must be a positive number/);
  });

  it('refuses I8 data whose length does not match its shape', () => {
    const bytes = encodeSafetensors(new Map([['k', new Tensor(new Int8Array(6), [2, 3], 'int8')], ['pad', new Tensor(new Int8Array(10), [10], 'int8')]]));
    const text = new TextDecoder('latin1').decode(bytes);
    const broken = Uint8Array.from(text.replace('[2,3]', '[2,4]'), (c) => c.charCodeAt(0));
    expect(() => decodeSafetensors(broken)).toThrow(/needs 8 bytes but data_offsets span 6/);
  });
});

describe('int8 quantisation of a small CNN', () => {
  it('quantises both convs and both dense layers, keeps accuracy and matches onnxruntime', async () => {
    const problem = imageProblem();
    const float = await trained(problem, smallCnn(3), 12);
    // By default convs with few taps per output stay float32 (int8 would be slower); here every conv is quantised.
    const defaults = quantizeModel(float, problem.xTrain.slice([0], [50]));
    expect(defaults.kept.filter((k) => k.type === 'Conv2D').map((k) => k.reason)).toEqual([
      '3x3x1 = 9 taps per output, fewer than 64: int8 would be slower', '3x3x6 = 54 taps per output, fewer than 64: int8 would be slower',
    ]);
    const { model: q, layers, kept } = quantizeModel(float, problem.xTrain.slice([0], [200]), { minConvTaps: 1 });
    expect(layers.map((l) => l.type)).toEqual(['Conv2D', 'Conv2D', 'Dense', 'Dense']);
    expect(kept.map((k) => k.type)).toEqual(['Reshape', 'BatchNormalization', 'MaxPooling2D', 'MaxPooling2D', 'Flatten', 'Dropout']);
    const a = accuracy(float, problem.xTest, problem.yTest);
    expect(a).toBeGreaterThan(0.9);
    expect(Math.abs(a - accuracy(q, problem.xTest, problem.yTest))).toBeLessThanOrEqual(0.02);
    const back = modelFromArtifacts(toArtifacts(q)).model as Sequential;
    const x = problem.xTest.slice([0], [16]);
    const want = q.predict(x).values;
    expect(Array.from(back.predict(x).values)).toEqual(Array.from(want));
    expect(Array.from(withBackend('js', () => q.predict(x)).values)).toEqual(Array.from(want));
    const session = await ort.InferenceSession.create(toOnnx(q));
    const got = (await session.run({ input: new ort.Tensor('float32', x.values as Float32Array, x.shape) })).output.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});
