// saveModel / loadModel: a model folder on disk, in-memory artifacts, or a TensorFlow.js model.json.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { LayersModel, type AnyLayersModel } from '../train/layers-model.js';
import { toArtifacts, modelFromArtifacts, isArtifacts, type ModelArtifacts, type LoadedModel, type ArtifactExtras } from './artifacts.js';
import { writeModelFolder, readJsonFile, readWeightsFile } from './model-files.js';
import { MODEL_JSON, WEIGHTS_FILE, isTfjsDocument, parseJsonText, validateModelDocument } from './model-format.js';
import { tfjsToArtifacts } from './tfjs-import.js';
import { onnxToModel } from './onnx-import.js';

/** Saves `dir/model.json` and `dir/weights.safetensors` atomically; returns the folder. */
export async function saveModel(model: AnyLayersModel, destination: string, extras: ArtifactExtras = {}): Promise<string> {
  if (typeof destination !== 'string' || destination === '') throw new Error('saveModel: pass a folder path, e.g. saveModel(model, "runs/mnist")');
  const dir = localPath(destination, 'save');
  const { modelJson, weights } = toArtifacts(model, extras);
  await writeModelFolder(dir, MODEL_JSON, modelJson, WEIGHTS_FILE, weights);
  return dir;
}

/**
 * Loads a model from a folder saved by `saveModel`, a path to its model.json, a TensorFlow.js
 * layers-model model.json (with its weight shards beside it), or in-memory artifacts. Typed as a model of
 * one output; a model with several returns a list from predict (type it as LayersModel<Tensor[]>).
 */
export async function loadModel(source: string | ModelArtifacts): Promise<LayersModel<Tensor>> {
  const from = typeof source === 'string' ? localPath(source, 'load') : source;
  if (typeof from === 'string' && /\.onnx$/i.test(from)) return (await loadOnnxFile(from)) as LayersModel<Tensor>;
  return (await loadModelWithState(from)).model as LayersModel<Tensor>;
}

/** TensorFlow.js' tf.loadLayersModel: a model.json path or file:// URL (a glassbox folder or .onnx file too). */
export async function loadLayersModel(pathOrUrl: string, _options?: unknown): Promise<LayersModel<Tensor>> {
  if (typeof pathOrUrl !== 'string') throw new Error(`loadLayersModel: pass a path or a file:// URL to model.json, got ${typeof pathOrUrl}`);
  return loadModel(pathOrUrl);
}

/** A file path from what TensorFlow.js code passes: 'file://' URLs or paths; browser and network schemes are refused. */
function localPath(destination: string, what: 'save' | 'load'): string {
  if (destination.startsWith('file://')) return decodeURIComponent(destination.slice('file://'.length));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(destination)?.[1];
  if (scheme) {
    throw new Error(`${what}: '${scheme}://' locations are not supported; glassbox ${what === 'save' ? 'saves to' : 'loads from'} files (a path or file:// URL)${
      what === 'save' ? ', and in browsers to bytes with toArtifacts(model)' : ', and in browsers from bytes with loadModelFromArtifacts'}`);
  }
  return destination;
}

/** Like loadModel, but also returns the document and all tensors (for checkpoints). */
export async function loadModelWithState(source: string | ModelArtifacts): Promise<LoadedModel> {
  if (isArtifacts(source)) return modelFromArtifacts(source);
  if (typeof source !== 'string' || source === '') {
    throw new Error('loadModel: pass a model folder, a model.json path, or {modelJson, weights} artifacts');
  }
  let jsonPath = source;
  try {
    if ((await stat(source)).isDirectory()) jsonPath = join(source, MODEL_JSON);
  } catch {
    throw new Error(`loadModel: ${source} does not exist`);
  }
  const text = await readJsonFile(jsonPath);
  const raw = parseJsonText(text, jsonPath);
  const dir = dirname(jsonPath);
  if (isTfjsDocument(raw)) {
    const artifacts = await tfjsToArtifacts(raw, (p) => readFile(shardPath(dir, p)), async (p) => (await stat(shardPath(dir, p))).size, jsonPath);
    return modelFromArtifacts(artifacts, jsonPath, true);
  }
  const doc = validateModelDocument(raw, jsonPath);
  const { bytes, path } = await readWeightsFile(dir, doc.weights, jsonPath);
  return modelFromArtifacts({ modelJson: text, weights: bytes }, path === join(dir, doc.weights.file) ? dir : path, true);
}

/** ONNX files are read whole (weights inside); protobuf cannot hold more than 2 GiB. */
const MAX_ONNX_BYTES = 2 ** 31;

/** An ONNX model file as a glassbox model (see onnx-import.ts). */
export async function loadOnnxFile(path: string): Promise<AnyLayersModel> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new Error(`loadModel: ${path} does not exist`);
  }
  if (size > MAX_ONNX_BYTES) throw new Error(`${path}: ${size} bytes is more than an ONNX file can hold (2 GiB); external-data models are not supported`);
  const buf = await readFile(path);
  return onnxToModel(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** A shard path resolved inside the model folder (the manifest was already checked for '..' and absolute paths). */
function shardPath(dir: string, p: string): string {
  const full = resolve(dir, p);
  if (!full.startsWith(resolve(dir) + sep)) throw new Error(`weight shard '${p}' points outside the model folder`);
  return full;
}

/** Registers saveModel as `model.save(dir)`. */
LayersModel.saver = (model, destination) => saveModel(model, destination);
