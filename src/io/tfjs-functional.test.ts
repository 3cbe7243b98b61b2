// TensorFlow.js import of every layer type glassbox has, in Sequential and functional (tf.model) topologies,
// with activation options, channels-first layers, weight shards and quantised weights (uint8, uint16, float16),
// each checked against TensorFlow.js' own predictions on the same inputs.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { registeredLayers } from '../nn/registry.js';
import { loadModel } from './save-load.js';
import { randomTensor } from './test-models.js';
import { agree, maxDiff, saveTfjs } from './tfjs-fixtures.js';
import { readFile, writeFile } from 'node:fs/promises';

interface Case {
  name: string;
  build: () => tf.LayersModel;
  input: () => Tensor | Tensor[];
}

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

const CASES: Case[] = [
  {
    name: 'functional: two inputs, a skip connection, every merge, two outputs',
    build: () => {
      const a = tf.input({ shape: [6], name: 'a' });
      const b = tf.input({ shape: [6], name: 'b' });
      const h = tf.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: seeded(1) }).apply(a) as tf.SymbolicTensor;
      const skip = tf.layers.add().apply([a, h]) as tf.SymbolicTensor;
      const mixed = [tf.layers.multiply(), tf.layers.average(), tf.layers.maximum(), tf.layers.minimum()]
        .map((layer) => layer.apply([skip, b]) as tf.SymbolicTensor);
      const joined = tf.layers.concatenate().apply(mixed) as tf.SymbolicTensor;
      const score = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(2), name: 'score' }).apply(joined) as tf.SymbolicTensor;
      const cosine = tf.layers.dot({ axes: 1, normalize: true, name: 'cosine' }).apply([skip, b]) as tf.SymbolicTensor;
      return tf.model({ inputs: [a, b], outputs: [score, cosine] });
    },
    input: () => [randomTensor([5, 6], new Rng(1)), randomTensor([5, 6], new Rng(2))],
  },
  {
    name: 'activation layers with their options, permute, prelu',
    build: () => tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, inputShape: [4], kernelInitializer: seeded(3) }),
        tf.layers.leakyReLU({ alpha: 0.1 }),
        tf.layers.dense({ units: 8, kernelInitializer: seeded(4) }),
        tf.layers.elu(),
        tf.layers.reLU({ maxValue: 0.8 }),
        tf.layers.thresholdedReLU({ theta: 0.05 }),
        tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }) }),
        tf.layers.reshape({ targetShape: [2, 4] }),
        tf.layers.permute({ dims: [2, 1] }),
        tf.layers.softmax({ axis: 2 }),
        tf.layers.flatten(),
      ],
    }),
    input: () => randomTensor([6, 4], new Rng(3), 2),
  },
  {
    name: 'channels-first conv, depthwise and pooling layers, batch norm over axis 1',
    build: () => tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ padding: 1, dataFormat: 'channelsFirst', inputShape: [2, 6, 5] }),
        tf.layers.conv2d({ filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', activation: 'relu', kernelInitializer: seeded(5), biasInitializer: 'ones' }),
        tf.layers.batchNormalization({ axis: 1, movingMeanInitializer: tf.initializers.constant({ value: 0.1 }), gammaInitializer: tf.initializers.constant({ value: 1.5 }) }),
        tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, dataFormat: 'channelsFirst', depthwiseInitializer: seeded(6) }),
        tf.layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' }),
        tf.layers.averagePooling2d({ poolSize: [1, 2], padding: 'same', dataFormat: 'channelsFirst' }),
        tf.layers.globalMaxPooling2d({ dataFormat: 'channelsFirst' }),
        tf.layers.dense({ units: 2, kernelInitializer: seeded(7) }),
      ],
    }),
    input: () => randomTensor([3, 2, 6, 5], new Rng(4)),
  },
  {
    name: 'the remaining layer types in one functional model',
    build: () => {
      const ids = tf.input({ shape: [5], dtype: 'int32', name: 'ids' });
      const e = tf.layers.embedding({ inputDim: 7, outputDim: 4, embeddingsInitializer: seeded(8) }).apply(ids) as tf.SymbolicTensor;
      const c = tf.layers.conv1d({ filters: 4, kernelSize: 2, padding: 'same', kernelInitializer: seeded(9) }).apply(e) as tf.SymbolicTensor;
      const p = tf.layers.maxPooling1d({ poolSize: 2, strides: 1 }).apply(c) as tf.SymbolicTensor;
      const q = tf.layers.averagePooling1d({ poolSize: 2, strides: 1 }).apply(p) as tf.SymbolicTensor;
      const n = tf.layers.layerNormalization().apply(q) as tf.SymbolicTensor;
      const g = tf.layers.concatenate().apply([
        tf.layers.globalAveragePooling1d().apply(n) as tf.SymbolicTensor,
        tf.layers.globalMaxPooling1d().apply(n) as tf.SymbolicTensor,
      ]) as tf.SymbolicTensor;
      const r = tf.layers.reshape({ targetShape: [2, 2, 2] }).apply(g) as tf.SymbolicTensor;
      const s = tf.layers.separableConv2d({ filters: 2, kernelSize: 1, depthwiseInitializer: seeded(10), pointwiseInitializer: seeded(11) }).apply(r) as tf.SymbolicTensor;
      const a = tf.layers.globalAveragePooling2d({}).apply(tf.layers.dropout({ rate: 0.5 }).apply(s) as tf.SymbolicTensor) as tf.SymbolicTensor;
      const out = tf.layers.activation({ activation: 'sigmoid' }).apply(a) as tf.SymbolicTensor;
      return tf.model({ inputs: ids, outputs: out });
    },
    input: () => new Tensor(Int32Array.from([0, 6, 2, 2, 5, 1, 1, 4, 3, 0]), [2, 5], 'int32'),
  },
];

const loaded = new Set<string>();

describe('TensorFlow.js import of every layer type, Sequential and functional', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(CASES)('$name: predicts what TensorFlow.js predicts (1e-5)', async (c) => {
    const model = c.build();
    const path = await saveTfjs(model, 3);
    expect(await agree(model, c.input(), path)).toBeLessThanOrEqual(1e-5);
    (await loadModel(path)).layers.forEach((l) => loaded.add(l.className));
  });

  it('keeps the functional model\'s input and output names, and its two outputs', async () => {
    const model = CASES[0].build();
    const ours = await loadModel(await saveTfjs(model, 1));
    expect(ours.inputNames).toEqual(['a', 'b']);
    expect(ours.outputNames).toEqual(['score', 'cosine']);
    expect([ours.predict(CASES[0].input() as never)].flat().length).toBe(2);
  });

  it('an ELU alpha TensorFlow.js cannot run (its layer refuses alpha != 1) but Keras writes is imported and applied', async () => {
    const dense = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [3], kernelInitializer: seeded(14), name: 'd' })] });
    const withElu = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [3], kernelInitializer: seeded(14), name: 'd' }), tf.layers.elu({ name: 'e' })] });
    const path = await saveTfjs(withElu, 1);
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.modelTopology.config.layers[1].config.alpha = 0.5;
    await writeFile(path, JSON.stringify(json));
    const x = randomTensor([4, 3], new Rng(7), 2);
    const z = (dense.predict(tf.tensor(x.values as Float32Array, x.shape)) as tf.Tensor).dataSync();
    const want = Array.from(z, (v) => (v > 0 ? v : 0.5 * Math.expm1(v)));
    expect(maxDiff((await loadModel(path)).predict(x).values, want)).toBeLessThan(1e-6);
  });

  it('every glassbox layer type was imported above or in tfjs-import.test.ts (but Op and Subtract, which TensorFlow.js does not have)', () => {
    const elsewhere = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D', 'BatchNormalization', 'ZeroPadding2D', 'Reshape', 'Flatten', 'Dropout', 'Activation'];
    const missing = registeredLayers().filter((name) => !['Op', 'Subtract'].includes(name) && !loaded.has(name) && !elsewhere.includes(name));
    expect(missing).toEqual([]);
  });
});

/** uint8 / uint16 affine quantisation (value = min + scale * q) or float16 of every float32 weight, as the TF.js converter writes it. */
function quantize(kind: 'uint8' | 'uint16' | 'float16') {
  return (data: Uint8Array, specs: tf.io.WeightsManifestEntry[]) => {
    const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    const parts: Uint8Array[] = [];
    const out: tf.io.WeightsManifestEntry[] = [];
    let at = 0;
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const w = floats.subarray(at, at + n);
      at += n;
      if (kind === 'float16') {
        const h = new Uint16Array(n);
        w.forEach((v, i) => (h[i] = toHalf(v)));
        parts.push(new Uint8Array(h.buffer));
        out.push({ ...spec, quantization: { dtype: 'float16' } });
        continue;
      }
      const levels = kind === 'uint8' ? 255 : 65535;
      const min = Math.min(...w);
      const scale = (Math.max(...w) - min) / levels || 1;
      const q = kind === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
      w.forEach((v, i) => (q[i] = Math.round((v - min) / scale)));
      parts.push(new Uint8Array(q.buffer));
      out.push({ ...spec, quantization: { dtype: kind, scale, min } });
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    const joined = new Uint8Array(total);
    let k = 0;
    for (const p of parts) {
      joined.set(p, k);
      k += p.length;
    }
    return { data: joined, specs: out };
  };
}

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = (bits >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
}

describe('TensorFlow.js quantised weights', () => {
  it.each(['uint8', 'uint16', 'float16'] as const)('%s: glassbox dequantises as TensorFlow.js does (tf.io.decodeWeights is the reference)', async (kind) => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 7, inputShape: [5], activation: 'relu', kernelInitializer: seeded(12), biasInitializer: 'randomNormal' }), tf.layers.dense({ units: 3, kernelInitializer: seeded(13) })],
    });
    let quantized: { data: Uint8Array; specs: tf.io.WeightsManifestEntry[] } | null = null;
    const path = await saveTfjs(model, 2, (data, specs) => (quantized = quantize(kind)(data, specs)));
    // TensorFlow.js' own reading of the quantised bytes, put back into its model.
    const q = quantized!;
    const decoded = tf.io.decodeWeights(q.data.buffer.slice(q.data.byteOffset, q.data.byteOffset + q.data.byteLength) as ArrayBuffer, q.specs);
    model.setWeights(q.specs.map((s) => decoded[s.name]));
    expect(await agree(model, randomTensor([4, 5], new Rng(6)), path)).toBeLessThanOrEqual(1e-5);
  });
});
