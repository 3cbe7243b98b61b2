import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { loadModel } from './save-load.js';
import { randomTensor } from './test-models.js';

/** Saves a tfjs model the way tf.io's file handlers do: model.json + weight shards (split in `shards` pieces). */
async function saveTfjs(model: tf.LayersModel, shards = 2): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gb-tfjs-'));
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const cut = Math.floor(data.length / shards);
      const paths: string[] = [];
      for (let i = 0; i < shards; i++) {
        const name = `group1-shard${i + 1}of${shards}.bin`;
        await writeFile(join(dir, name), data.subarray(i * cut, i === shards - 1 ? data.length : (i + 1) * cut));
        paths.push(name);
      }
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function agree(model: tf.LayersModel, x: Tensor, path: string): Promise<number> {
  const ours = (await loadModel(path)).predict(x);
  const theirs = (model.predict(tf.tensor(x.values as Float32Array, x.shape)) as tf.Tensor).dataSync();
  return maxDiff(ours.values, theirs);
}

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
    expect(loaded.layers.map((l) => l.className)).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense', 'Activation', 'Dense', 'Dense', 'Dense', 'Dense', 'Activation']);
    expect(loaded.metadata.importedFrom).toBe('tfjs-layers-model');
  });

  it.each(['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'softplus', 'linear', 'relu6', 'gelu'])('agrees on a Dense %s model', async (activation) => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [5], activation: activation as 'relu' })] });
    const x = randomTensor([9, 5], new Rng(2), 3);
    expect(await agree(m, x, await saveTfjs(m, 1))).toBeLessThanOrEqual(1e-5);
  });

  it('rejects unsupported layers, functional models, bad shards and escaping paths', async () => {
    const base = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
    const path = await saveTfjs(base, 1);
    const json = JSON.parse(await readFile(path, 'utf8'));
    const put = (doc: unknown) => writeFile(path, JSON.stringify(doc));

    await put({ ...json, modelTopology: { ...json.modelTopology, class_name: 'Model' } });
    await expect(loadModel(path)).rejects.toThrow(/only Sequential models are supported/);
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
