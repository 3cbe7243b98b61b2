// Test helper: saves a TensorFlow.js layers model the way tf.io's file handlers do (model.json + weight shards),
// optionally with quantised weights, and compares glassbox's import with TensorFlow.js' own predictions.

import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { loadModel } from './save-load.js';

/** Writes model.json and `shards` weight files; `transform` may rewrite the weight bytes and specs (quantisation). */
export async function saveTfjs(
  model: tf.LayersModel, shards = 2,
  transform?: (data: Uint8Array, specs: tf.io.WeightsManifestEntry[]) => { data: Uint8Array; specs: tf.io.WeightsManifestEntry[] },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gb-tfjs-'));
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      let data: Uint8Array = new Uint8Array(artifacts.weightData as ArrayBuffer);
      let specs = artifacts.weightSpecs!;
      if (transform) ({ data, specs } = transform(data, specs));
      const cut = Math.floor(data.length / shards);
      const paths: string[] = [];
      for (let i = 0; i < shards; i++) {
        const name = `group1-shard${i + 1}of${shards}.bin`;
        await writeFile(join(dir, name), data.subarray(i * cut, i === shards - 1 ? data.length : (i + 1) * cut));
        paths.push(name);
      }
      const json = {
        modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: specs }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest difference between glassbox's import of `path` and the TF.js model on the same inputs. */
export async function agree(model: tf.LayersModel, xs: Tensor | Tensor[], path: string): Promise<number> {
  const list = Array.isArray(xs) ? xs : [xs];
  const loaded = (await loadModel(path)) as unknown as { predict(x: Tensor[]): Tensor | Tensor[] };
  const ours = [loaded.predict(list)].flat();
  const theirs = [model.predict(list.map((x) => tf.tensor(x.values as Float32Array, x.shape, x.dtype === 'int32' ? 'int32' : 'float32')))].flat() as tf.Tensor[];
  return Math.max(...ours.map((o, i) => maxDiff(o.values, theirs[i].dataSync())));
}
