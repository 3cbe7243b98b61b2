import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, writeFile, readdir, rename, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../backend/js/index.js';
import { Rng } from '../util/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Dense } from '../nn/dense.js';
import { sequential } from '../train/sequential.js';
import { saveModel, loadModel } from './save-load.js';
import { toArtifacts } from './artifacts.js';
import { encodeSafetensors } from './safetensors.js';
import { crc32 } from './crc32.js';
import { sealedModelJson } from './model-format.js';
import { smallClassifier, randomTensor, bitsOf } from './test-models.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'gb-io-'));

describe('saveModel / loadModel', () => {
  it('round-trips a trained model bit-exactly, with compile config and metadata', async () => {
    const model = smallClassifier(3);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const rng = new Rng(5);
    const x = randomTensor([32, 2, 3], rng);
    const y = randomTensor([32], rng).values.map((v) => (v > 0 ? 1 : 0));
    await model.fit(x, new Tensor(Float32Array.from(y), [32]), { epochs: 2, batchSize: 8, verbose: 0 });
    model.metadata = { featureNames: ['a', 'b', 'c', 'd', 'e', 'f'], classNames: ['x', 'y', 'z'], task: 'classification', scaler: { kind: 'minMax', min: [0], max: [1] } };
    const dir = await tempDir();
    await model.save(dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.safetensors']);
    const loaded = await loadModel(dir);
    expect(bitsOf(loaded.predict(x))).toEqual(bitsOf(model.predict(x)));
    expect(loaded.getConfig()).toEqual(model.getConfig());
    expect(loaded.compileConfig).toEqual(model.compileConfig);
    expect(loaded.metadata).toEqual(model.metadata);
    expect(loaded.layers.map((l) => l.className)).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense', 'Activation']);
    // A model.json path works too.
    const again = await loadModel(join(dir, 'model.json'));
    expect(bitsOf(again.predict(x))).toEqual(bitsOf(model.predict(x)));
  });

  it('round-trips in memory through toArtifacts / loadModel(artifacts)', async () => {
    const model = smallClassifier(4, 'gelu');
    const artifacts = toArtifacts(model);
    expect(typeof artifacts.modelJson).toBe('string');
    const loaded = await loadModel(artifacts);
    const x = randomTensor([5, 2, 3], new Rng(1));
    expect(bitsOf(loaded.predict(x))).toEqual(bitsOf(model.predict(x)));
    expect(loaded.compileConfig).toBeNull();
  });

  it('overwrites an existing save atomically and leaves no temp files', async () => {
    const dir = await tempDir();
    await saveModel(smallClassifier(1), dir);
    const second = smallClassifier(2);
    await saveModel(second, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.safetensors']);
    const x = randomTensor([3, 2, 3], new Rng(2));
    expect(bitsOf((await loadModel(dir)).predict(x))).toEqual(bitsOf(second.predict(x)));
  });

  it('recovers the previous weights when a save died between its two renames', async () => {
    const dir = await tempDir();
    const first = smallClassifier(1);
    await saveModel(first, dir);
    // Simulate the crash: old model.json, old weights kept as .prev, new weights in place.
    await rename(join(dir, 'weights.safetensors'), join(dir, 'weights.safetensors.prev'));
    await writeFile(join(dir, 'weights.safetensors'), toArtifacts(smallClassifier(9)).weights);
    const x = randomTensor([3, 2, 3], new Rng(2));
    expect(bitsOf((await loadModel(dir)).predict(x))).toEqual(bitsOf(first.predict(x)));
    // And with the new weights not yet renamed in.
    await unlink(join(dir, 'weights.safetensors'));
    expect(bitsOf((await loadModel(dir)).predict(x))).toEqual(bitsOf(first.predict(x)));
  });
});

describe('loadModel rejects bad model folders with clear errors', () => {
  async function savedCopy(): Promise<{ dir: string; json: Record<string, any>; weights: Uint8Array }> {
    const dir = await tempDir();
    await saveModel(smallClassifier(1), dir);
    return { dir, json: JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')), weights: new Uint8Array(await readFile(join(dir, 'weights.safetensors'))) };
  }
  /** Writes a model.json (and optionally weights, with model.json's checksum updated to match), sealed with a fresh digest
   * as a crafted file would be: the checks behind the digest must hold on their own. */
  async function write(dir: string, json: unknown, weights?: Uint8Array): Promise<void> {
    if (weights) {
      await writeFile(join(dir, 'weights.safetensors'), weights);
      const j = json as { weights: { byteLength: number; crc32: string } };
      j.weights.byteLength = weights.length;
      j.weights.crc32 = crc32(weights);
    }
    await writeFile(join(dir, 'model.json'), typeof json === 'string' ? json : sealedModelJson(json as Record<string, unknown>));
  }

  it('missing folder, missing weights, truncated and corrupt weights', async () => {
    await expect(loadModel('/nonexistent/model')).rejects.toThrow(/does not exist/);
    const a = await savedCopy();
    await writeFile(join(a.dir, 'weights.safetensors'), a.weights.subarray(0, a.weights.length - 10));
    await expect(loadModel(a.dir)).rejects.toThrow(/truncated or from a different save/);
    const flipped = a.weights.slice();
    flipped[flipped.length - 1] ^= 1;
    await writeFile(join(a.dir, 'weights.safetensors'), flipped);
    await expect(loadModel(a.dir)).rejects.toThrow(/corrupt: CRC-32/);
    await unlink(join(a.dir, 'weights.safetensors'));
    await expect(loadModel(a.dir)).rejects.toThrow(/missing/);
  });

  it('truncated or non-JSON model.json, unknown format and versions', async () => {
    const a = await savedCopy();
    const text = JSON.stringify(a.json);
    await write(a.dir, text.slice(0, text.length / 2));
    await expect(loadModel(a.dir)).rejects.toThrow(/not valid JSON.*truncated or corrupt/);
    await write(a.dir, { ...a.json, formatVersion: 99 });
    await expect(loadModel(a.dir)).rejects.toThrow(/format version 99.*upgrade glassbox/);
    await write(a.dir, { ...a.json, formatVersion: '1' });
    await expect(loadModel(a.dir)).rejects.toThrow(/not a valid version/);
    await write(a.dir, { ...a.json, format: 'keras' });
    await expect(loadModel(a.dir)).rejects.toThrow(/not a glassbox model/);
    await write(a.dir, { ...a.json, weights: { ...a.json.weights, file: '../../etc/passwd' } });
    await expect(loadModel(a.dir)).rejects.toThrow(/plain file name/);
  });

  it('missing tensors, wrong shapes, wrong dtype and absurd configs', async () => {
    const a = await savedCopy();
    const manifest: string[][] = a.json.weights.manifest;
    const kernelName = manifest[1][0];
    // Missing tensor: the weights file lacks one the manifest lists.
    const missing = encodeSafetensors([['other', randomTensor([1], new Rng(1))]]);
    await write(a.dir, structuredClone(a.json), missing);
    await expect(loadModel(a.dir)).rejects.toThrow(new RegExp(`missing tensor '${kernelName}'`));
    // Wrong shape for a kernel.
    const wrong = new Map(manifest.flat().map((n) => [n, randomTensor(n === kernelName ? [6, 7] : n.endsWith('bias') && n.startsWith(manifest[1][0].split('/')[0]) ? [8] : n === manifest[3][0] ? [8, 3] : [3], new Rng(1))]));
    await write(a.dir, structuredClone(a.json), encodeSafetensors(wrong));
    await expect(loadModel(a.dir)).rejects.toThrow(/needs a kernel of shape \[6,8\], the file has \[6,7\]/);
    // Absurd units are refused before any allocation.
    const absurd = structuredClone(a.json);
    absurd.modelConfig.layers[1].config.units = 1e12;
    await write(a.dir, absurd, a.weights);
    await expect(loadModel(a.dir)).rejects.toThrow(/units 1000000000000/);
    const absurdInput = structuredClone(a.json);
    absurdInput.modelConfig.layers[0].config.inputShape = [1e9, 1e9];
    await write(a.dir, absurdInput, a.weights);
    await expect(loadModel(a.dir)).rejects.toThrow(/absurd inputShape/);
    // Wrong dtype.
    const ints = new Map(manifest.flat().map((n) => [n, n === kernelName ? new Tensor(new Int32Array(48), [6, 8], 'int32') : randomTensor([1], new Rng(1))]));
    await write(a.dir, structuredClone(a.json), encodeSafetensors(ints));
    await expect(loadModel(a.dir)).rejects.toThrow(/int32; weights must be float32|needs a kernel/);
  });

  it('never evaluates code: unknown layer classes are refused by name', async () => {
    const a = await savedCopy();
    const evil = structuredClone(a.json);
    evil.modelConfig.layers[2] = { className: 'Lambda', config: { name: 'x', function: 'process.exit(1)' } };
    await write(a.dir, evil);
    await expect(loadModel(a.dir)).rejects.toThrow(/unknown layer type 'Lambda'/);
    const proto = structuredClone(a.json);
    proto.modelConfig.layers[2] = { className: '__proto__', config: { name: 'x' } };
    await write(a.dir, proto);
    await expect(loadModel(a.dir)).rejects.toThrow(/unknown layer type '__proto__'/);
  });

  it('checks artifacts too', async () => {
    const art = toArtifacts(sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] }));
    await expect(loadModel({ modelJson: art.modelJson, weights: art.weights.subarray(0, 20) })).rejects.toThrow(/truncated or from a different save/);
    await expect(loadModel({ modelJson: '{}', weights: art.weights })).rejects.toThrow(/not a glassbox model/);
  });
});

describe('model.json integrity', () => {
  it('refuses any change to the document (a scaler value, a class name), and loads an untouched or re-indented one', async () => {
    const dir = await tempDir();
    const model = smallClassifier(3);
    model.metadata = { classNames: ['a', 'b', 'c'], table: { scaler: { dataMin: [0.5, 1], dataMax: [2, 3] } } };
    await saveModel(model, dir);
    const text = await readFile(join(dir, 'model.json'), 'utf8');
    const doc = JSON.parse(text);
    expect(doc.formatVersion).toBe(2);
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(dir, 'model.json'), JSON.stringify(doc));
    expect((await loadModel(dir)).metadata.classNames).toEqual(['a', 'b', 'c']);
    for (const edit of [text.replace('0.5', '0.6'), text.replace('"b"', '"B"'), text.replace(doc.sha256, doc.sha256.replace(/^./, (c: string) => (c === '0' ? '1' : '0')))]) {
      await writeFile(join(dir, 'model.json'), edit);
      await expect(loadModel(dir)).rejects.toThrow(/changed since it was saved|no valid sha256/);
    }
    const { sha256: _, ...unsealed } = doc;
    await writeFile(join(dir, 'model.json'), JSON.stringify(unsealed));
    await expect(loadModel(dir)).rejects.toThrow(/no valid sha256 digest/);
  });

  it('still loads a version 1 file (saved before digests) without one', async () => {
    const dir = await tempDir();
    const model = smallClassifier(4);
    await saveModel(model, dir);
    const { sha256: _, ...doc } = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...doc, formatVersion: 1 }));
    const x = randomTensor([2, 2, 3], new Rng(5));
    expect(bitsOf((await loadModel(dir)).predict(x))).toEqual(bitsOf(model.predict(x)));
  });
});
