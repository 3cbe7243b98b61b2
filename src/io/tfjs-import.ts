// Reads a TensorFlow.js layers model (model.json + weight shards) and converts it into glassbox artifacts.

import { Tensor } from '../tensor/tensor.js';
import { withWeightBudget } from '../nn/layer.js';
import type { ModelConfig } from '../nn/topology.js';
import { modelConfigOf } from './keras-config.js';
import { modelFromConfig } from '../train/model.js';
import type { AnyLayersModel } from '../train/layers-model.js';
import { encodeSafetensors } from './safetensors.js';
import { crc32 } from './crc32.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, WEIGHTS_FILE, isObject, sealedModelJson, type ModelDocument } from './model-format.js';
import { GENERATED_BY, type ModelArtifacts } from './artifacts.js';
import { halfToFloat } from './float16.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/** Reads one shard by its manifest path (relative to model.json); returns its bytes. */
export type ShardReader = (path: string) => Promise<Uint8Array>;
/** Size of one shard in bytes, asked before reading so absurd manifests fail early. */
export type ShardSizer = (path: string) => Promise<number>;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Converts a parsed tfjs model.json and its shards into glassbox artifacts (then loaded by modelFromArtifacts). */
export async function tfjsToArtifacts(doc: unknown, readShard: ShardReader, sizeOfShard: ShardSizer, source: string): Promise<ModelArtifacts> {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (!isObject(doc) || !isObject(doc.modelTopology)) return fail('expected a TensorFlow.js model.json with modelTopology');
  if (doc.format !== undefined && doc.format !== 'layers-model') {
    fail(`format '${String(doc.format)}' is not a layers model; only TensorFlow.js layers models (tf.sequential, tf.model) can be imported`);
  }
  const config = modelConfigOf(doc.modelTopology, fail);
  const groups = checkManifest(doc.weightsManifest, fail);
  const specs: TfjsWeightSpec[] = [];
  const tensors = new Map<string, Tensor>();
  for (const group of groups) {
    const bytes = await readGroup(group, readShard, sizeOfShard, fail);
    let offset = 0;
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const size = n * DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
      tensors.set(spec.name, decodeWeight(spec, bytes.subarray(offset, offset + size), n));
      specs.push(spec);
      offset += size;
    }
  }
  const { manifest, model } = assignTensorNames(config, specs, fail);
  const entries: [string, Tensor][] = [];
  manifest.forEach((names) => names.forEach((name) => entries.push([name, tensors.get(name)!])));
  const weights = encodeSafetensors(entries);
  const out: ModelDocument = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: `${GENERATED_BY} (imported from ${String(doc.generatedBy ?? 'TensorFlow.js')})`,
    // The rebuilt model's own config: its layers in the order the manifest lists their weights.
    modelConfig: model.getConfig(),
    compileConfig: null,
    metadata: { importedFrom: 'tfjs-layers-model' },
    weights: { file: WEIGHTS_FILE, byteLength: weights.length, crc32: crc32(weights), manifest },
  };
  return { modelJson: sealedModelJson(out), weights };
}

function checkManifest(manifest: unknown, fail: (m: string) => never): TfjsWeightGroup[] {
  if (manifest === undefined) return [];
  if (!Array.isArray(manifest)) return fail('weightsManifest must be an array');
  return manifest.map((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(`weightsManifest[${gi}] must be {paths, weights}`);
    const group = g as unknown as TfjsWeightGroup;
    for (const p of group.paths) {
      if (typeof p !== 'string' || p === '' || p.startsWith('/') || p.split(/[\\/]/).includes('..') || /^[a-z]+:/i.test(p)) {
        fail(`weightsManifest[${gi}]: shard path ${JSON.stringify(p)} must be a relative file name next to model.json`);
      }
    }
    for (const w of group.weights) {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) fail(`weightsManifest[${gi}]: each weight needs {name, shape, dtype}`);
      if (w.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) fail(`weight '${w.name}': shape ${JSON.stringify(w.shape)} must be non-negative integers`);
      const q: unknown = w.quantization;
      if (q !== undefined && !(isObject(q) && (q.dtype === 'uint8' || q.dtype === 'uint16' || q.dtype === 'float16'))) {
        fail(`weight '${w.name}': quantization ${JSON.stringify(q)} is not supported (uint8, uint16 or float16)`);
      }
      if (w.dtype !== 'float32') fail(`weight '${w.name}': dtype '${String(w.dtype)}' is not supported; glassbox weights are float32`);
    }
    return group;
  });
}

/** Concatenates a group's shards after checking their sizes against what the specs need. */
async function readGroup(group: TfjsWeightGroup, read: ShardReader, sizeOf: ShardSizer, fail: (m: string) => never): Promise<Uint8Array> {
  let need = 0;
  for (const spec of group.weights) {
    let n = 1;
    for (const d of spec.shape) n *= d;
    need += n * DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (!Number.isSafeInteger(need)) fail(`weight '${spec.name}': absurd shape ${JSON.stringify(spec.shape)}`);
  }
  const sizes: number[] = [];
  for (const p of group.paths) {
    try {
      sizes.push(await sizeOf(p));
    } catch {
      fail(`weight shard '${p}' is missing (it must sit next to model.json)`);
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== need) {
    fail(`the weight shards ${JSON.stringify(group.paths)} hold ${total} bytes but the manifest's shapes need ${need}: truncated shard or wrong manifest`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const [i, p] of group.paths.entries()) {
    const bytes = await read(p);
    if (bytes.length !== sizes[i]) fail(`weight shard '${p}' changed size while being read`);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function decodeWeight(spec: TfjsWeightSpec, bytes: Uint8Array, n: number): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const q = spec.quantization;
  if (!q) {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < n; i++) out[i] = min + scale * (q.dtype === 'uint8' ? bytes[i] : view.getUint16(i * 2, true));
  }
  return new Tensor(out, spec.shape);
}

/**
 * Matches each layer's weights to manifest names `<layer>/<weight>` (Keras names: kernel, bias,
 * depthwise_kernel, gamma, moving_mean, embeddings, ...), else the next unused ones in file order.
 */
function assignTensorNames(config: ModelConfig, specs: TfjsWeightSpec[], fail: (m: string) => never): { manifest: string[][]; model: AnyLayersModel } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const used = new Set<string>();
  let cursor = 0;
  const nextUnused = (): string | undefined => {
    while (cursor < specs.length && used.has(specs[cursor].name)) cursor++;
    return specs[cursor]?.name;
  };
  const find = (layer: string, weight: string): string => {
    const exact = [`${layer}/${weight}`, `${layer}/${weight}:0`].find((n) => byName.has(n) && !used.has(n));
    const nested = specs.find((s) => !used.has(s.name) && s.name.endsWith(`/${layer}/${weight}`))?.name;
    const name = exact ?? nested ?? nextUnused();
    if (name === undefined) fail(`no weights left in the manifest for ${layer}/${weight}`);
    used.add(name!);
    return name!;
  };
  // The weights each layer has follow from its config and input shape: build the model to list them (allocating
  // no more weight values than the manifest declares).
  let model: AnyLayersModel;
  const budget = specs.reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1), 0);
  try {
    model = withWeightBudget(budget, 'TensorFlow.js import', () => modelFromConfig(config));
  } catch (e) {
    return fail((e as Error).message);
  }
  const manifest = model.layers.map((l) => l.weightSpecNames.map((w) => find(l.name, w)));
  const unused = specs.filter((s) => !used.has(s.name)).map((s) => s.name);
  if (unused.length > 0) fail(`the manifest has weights no imported layer uses: ${unused.join(', ')}`);
  manifest.forEach((names, i) => names.forEach((n, k) => {
    const want = model.layers[i].weights[k].shape;
    const got = byName.get(n)!.shape;
    if (want.join() !== got.join()) fail(`weight '${n}' has shape [${got}] but layer '${model.layers[i].name}' needs [${want}]`);
  }));
  return { manifest, model };
}
