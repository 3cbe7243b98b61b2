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
export async function saveModel(model: AnyLayersModel, dir: string, extras: ArtifactExtras = {}): Promise<string> {
  if (typeof dir !== 'string' || dir === '') throw new Error('saveModel: pass a folder path, e.g. saveModel(model, "runs/mnist")');
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
  if (typeof source === 'string' && /\.onnx$/i.test(source)) return (await loadOnnxFile(source)) as LayersModel<Tensor>;
  return (await loadModelWithState(source)).model as LayersModel<Tensor>;
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
