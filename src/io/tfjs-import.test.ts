import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { loadModel } from './save-load.js';
import { randomTensor } from './test-models.js';
import { agree, saveTfjs } from './tfjs-fixtures.js';

describe('TensorFlow.js import', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads conv nets (conv, depthwise, separable, pooling, batch norm, padding, reshape) trained in tfjs, within 1e-4', async () => {
    const m = tf.sequential();
    m.add(tf.layers.reshape({ targetShape: [6, 6, 2], inputShape: [72] }));
    m.add(tf.layers.zeroPadding2d({ padding: 1 }));
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', kernelInitializer: 'varianceScaling' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, activation: 'tanh' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    m.add(tf.layers.separableConv2d({ filters: 3, kernelSize: 2, padding: 'same' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    // A few steps so the batch-norm moving statistics and weights move off their initial values.
    await m.fit(tf.randomNormal([16, 72]), tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0], 'int32'), 5), { epochs: 3, verbose: 0 });
    const path = await saveTfjs(m, 1);
    const x = randomTensor([4, 72], new Rng(3));
    expect(await agree(m, x, path)).toBeLessThanOrEqual(1e-4);
  });

  it('loads conv1d, pooling 1d, global pooling, layer normalisation and embeddings', async () => {
    const m = tf.sequential();
    m.add(tf.layers.embedding({ inputDim: 9, outputDim: 4, inputLength: 6 }));
    m.add(tf.layers.conv1d({ filters: 3, kernelSize: 2, activation: 'relu' }));
    m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
    m.add(tf.layers.layerNormalization());
    m.add(tf.layers.globalAveragePooling1d());
    m.add(tf.layers.dense({ units: 2 }));
    const path = await saveTfjs(m, 1);
    const ids = new Tensor(Float32Array.from([1, 2, 3, 8, 0, 5, 4, 4, 7, 6, 1, 0]), [2, 6]);
    expect(await agree(m, ids, path)).toBeLessThanOrEqual(1e-5);
  });

  it('loads a tfjs layers model with several shards and predicts within 1e-5', async () => {
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({ inputShape: [2, 3] }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 16, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.dense({ units: 12, activation: 'tanh' }));
    m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tf.layers.dense({ units: 10, activation: 'elu', useBias: false }));
    m.add(tf.layers.dense({ units: 8, activation: 'softplus' }));
    m.add(tf.layers.dense({ units: 8, activation: 'sigmoid' }));
    m.add(tf.layers.dense({ units: 4 }));
    m.add(tf.layers.activation({ activation: 'softmax' }));
    const path = await saveTfjs(m, 3);
    const x = randomTensor([20, 2, 3], new Rng(1), 2);
    expect(await agree(m, x, path)).toBeLessThanOrEqual(1e-5);
    const loaded = await loadModel(path);
    expect(loaded.layers.map((l) => l.className)).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense', 'LeakyReLU', 'Dense', 'Dense', 'Dense', 'Dense', 'Activation']);
    expect(loaded.metadata.importedFrom).toBe('tfjs-layers-model');
  });

  it.each(['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'softplus', 'linear', 'relu6', 'gelu'])('agrees on a Dense %s model', async (activation) => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [5], activation: activation as 'relu' })] });
    const x = randomTensor([9, 5], new Rng(2), 3);
    expect(await agree(m, x, await saveTfjs(m, 1))).toBeLessThanOrEqual(1e-5);
  });

  it('rejects unsupported layers and model classes, bad shards and escaping paths', async () => {
    const base = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
    const path = await saveTfjs(base, 1);
    const json = JSON.parse(await readFile(path, 'utf8'));
    const put = (doc: unknown) => writeFile(path, JSON.stringify(doc));

    await put({ ...json, modelTopology: { ...json.modelTopology, class_name: 'Graph' } });
    await expect(loadModel(path)).rejects.toThrow(/model class 'Graph' cannot be read; Sequential and functional \(Model\) topologies can/);
    const lstm = structuredClone(json);
    lstm.modelTopology.config.layers[0].class_name = 'LSTM';
    await put(lstm);
    await expect(loadModel(path)).rejects.toThrow(/layer type 'LSTM' is not supported; glassbox knows .*Conv2D/);
    const escape = structuredClone(json);
    escape.weightsManifest[0].paths = ['../../secret.bin'];
    await put(escape);
    await expect(loadModel(path)).rejects.toThrow(/relative file name next to model.json/);
    const missing = structuredClone(json);
    missing.weightsManifest[0].paths = ['nothere.bin'];
    await put(missing);
    await expect(loadModel(path)).rejects.toThrow(/shard 'nothere.bin' is missing/);
    const absurd = structuredClone(json);
    absurd.weightsManifest[0].weights[0].shape = [1e9, 1e9];
    await put(absurd);
    await expect(loadModel(path)).rejects.toThrow(/absurd shape \[1000000000,1000000000\]/);
    const shard = join(path, '..', json.weightsManifest[0].paths[0]);
    await put(json);
    await writeFile(shard, new Uint8Array(20));
    await expect(loadModel(path)).rejects.toThrow(/truncated shard or wrong manifest/);
  });
});
