import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { ACTIVATIONS } from '../nn/activations.js';
import '../backend/js/index.js';
import { buildOnnxModel, type OnnxActivation, type OnnxLayer } from './onnx-graph.js';

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return new Tensor(v, shape);
}

async function runOnnx(bytes: Uint8Array, x: Tensor, inputName = 'input', outputName = 'output'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = { [inputName]: new ort.Tensor('float32', x.values as Float32Array, x.shape) };
  const out = await session.run(feeds);
  return out[outputName].data as Float32Array;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('buildOnnxModel', () => {
  const acts: OnnxActivation[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'leakyRelu', 'gelu', 'softplus'];
  it.each(acts)('dense + %s matches the glassbox ops in onnxruntime', async (act) => {
    const rng = new Rng(7);
    const kernel = randomTensor([5, 4], rng);
    const bias = randomTensor([4], rng);
    const layers: OnnxLayer[] = [{ kind: 'dense', name: 'd', kernel, bias, activation: act }];
    const bytes = buildOnnxModel(layers, { inputShape: [5] });
    for (const batch of [1, 7]) {
      const x = randomTensor([batch, 5], rng, 3);
      const expected = ACTIVATIONS[act](ops.add(ops.matMul(x, kernel), bias));
      expect(maxDiff(await runOnnx(bytes, x), expected.values)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('handles flatten, identity, activation layers, names and metadata', async () => {
    const rng = new Rng(3);
    const kernel = randomTensor([6, 3], rng);
    const layers: OnnxLayer[] = [
      { kind: 'flatten', name: 'f' },
      { kind: 'identity', name: 'drop' },
      { kind: 'dense', name: 'd', kernel, bias: null, activation: 'linear' },
      { kind: 'activation', name: 'a', activation: 'softmax' },
    ];
    const bytes = buildOnnxModel(layers, { inputShape: [2, 3], inputName: 'pixels', outputName: 'probs', metadata: { classNames: '["a","b","c"]' } });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['pixels']);
    expect(session.outputNames).toEqual(['probs']);
    const x = randomTensor([4, 2, 3], rng);
    const expected = ops.softmax(ops.matMul(ops.reshape(x, [4, 6]), kernel));
    expect(maxDiff(await runOnnx(bytes, x, 'pixels', 'probs'), expected.values)).toBeLessThanOrEqual(1e-5);
  });

  it('rejects opsets below 13 and kernels that do not fit', () => {
    const kernel = new Tensor(new Float32Array(6), [3, 2]);
    expect(() => buildOnnxModel([], { inputShape: [3], opset: 11 })).toThrow(/opset/);
    expect(() => buildOnnxModel([{ kind: 'dense', name: 'd', kernel, bias: null, activation: 'relu' }], { inputShape: [4] })).toThrow(/does not fit/);
  });
});
