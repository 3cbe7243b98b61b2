// The model.json document: its types, the current format version, and strict validation of untrusted input.

import type { GraphConfig, ModelConfig, StackConfig } from '../nn/topology.js';
import type { SerializedLayer } from '../nn/layer.js';
import type { CompileConfig, ModelMetadata } from '../train/fit-args.js';
import { canonicalJson, sha256 } from '../util/sha256.js';

export const MODEL_FORMAT = 'glassbox-model';
/** Version 2 added `sha256`, a digest over the whole document; version 1 files (no digest) still load. */
export const MODEL_FORMAT_VERSION = 2;
export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
/** model.json is small (topology and metadata); anything larger is refused before parsing. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** Which file holds the weights, how to check it, and which tensors belong to each layer. */
export interface WeightsRef {
  file: string;
  byteLength: number;
  crc32: string;
  /** manifest[i] lists the safetensors names of layer i's weights, in the layer's order. */
  manifest: string[][];
}

/** Training state stored in a checkpoint's model.json (absent in a plain saved model). */
export interface CheckpointState {
  /** Epoch of the last completed batch (0-based). */
  epoch: number;
  /** Last completed batch of `epoch`; -1 when the epoch ran to its end. */
  batch: number;
  stepsPerEpoch: number;
  epochs: number;
  shuffleSeed: number;
  rng: [number, number, number, number];
  history: { epoch: number[]; history: Record<string, number[]> };
  /** Optimiser state: step count and each slot's safetensors name, keyed by `w<index>/<slot>` over model.weights. */
  optimizer: { iterations: number; slots: Record<string, string> } | null;
  monitor: { name: string; mode: 'min' | 'max'; best: number | null } | null;
  reason: 'batch' | 'epoch' | 'interrupt' | 'manual';
}

export interface ModelDocument {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  generatedBy: string;
  /** A layer list (Sequential) or a graph of layer calls (functional: inputLayers, outputLayers, each layer's inboundNodes). */
  modelConfig: ModelConfig;
  compileConfig: CompileConfig | null;
  metadata: ModelMetadata;
  weights: WeightsRef;
  checkpoint?: CheckpointState;
  /** SHA-256 of the canonical JSON of every other field: a changed scaler, class name or layer setting is refused on load. */
  sha256?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** True when a parsed JSON document looks like a TensorFlow.js layers model. */
export function isTfjsDocument(doc: unknown): boolean {
  return isObject(doc) && 'modelTopology' in doc && !('format' in doc && doc.format === MODEL_FORMAT);
}

/** Parses JSON text from an untrusted file with a size limit and a message naming the file. */
export function parseJsonText(text: string, source: string): unknown {
  if (text.length > MAX_MODEL_JSON_BYTES) throw new Error(`${source}: ${text.length} characters is too large for a model.json (limit ${MAX_MODEL_JSON_BYTES})`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message}); the file is truncated or corrupt`);
  }
}

/** The digest of a model document: SHA-256 over the canonical JSON of every field except `sha256` itself. */
export function documentDigest(doc: Record<string, unknown>): string {
  const rest = { ...doc };
  delete rest.sha256;
  return sha256(canonicalJson(rest));
}

/** model.json text for a document, with its digest added (the weights are vouched for by weights.crc32 inside it). */
export function sealedModelJson(doc: ModelDocument | Record<string, unknown>): string {
  const unsealed = { ...(doc as Record<string, unknown>) };
  delete unsealed.sha256;
  return JSON.stringify({ ...unsealed, sha256: documentDigest(unsealed) }, null, 2) + '\n';
}

/** Refuses a document whose digest is missing (version 2 on) or does not match its content. */
function checkDigest(doc: Record<string, unknown>, version: number, fail: (msg: string) => never): void {
  if (version < 2 && doc.sha256 === undefined) return; // Saved before digests existed.
  if (typeof doc.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(doc.sha256)) {
    fail('has no valid sha256 digest (64 hex digits); the file is damaged or was not written by glassbox; save the model again');
  }
  if (documentDigest(doc) !== doc.sha256) {
    fail(
      'has been changed since it was saved (its sha256 digest does not match its content); a changed scaler, category, ' +
        'class name or layer setting would silently change predictions, so it is refused; restore the file or save the model again',
    );
  }
}

/** Checks every field of a glassbox model.json before any of it is used; never evaluates code. */
export function validateModelDocument(doc: unknown, source: string): ModelDocument {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (!isObject(doc)) return fail('expected a JSON object');
  if (doc.format !== MODEL_FORMAT) fail(`not a glassbox model (format is ${JSON.stringify(doc.format)}, expected "${MODEL_FORMAT}")`);
  const version = doc.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fail(`formatVersion ${JSON.stringify(version)} is not a valid version`);
  if ((version as number) > MODEL_FORMAT_VERSION) {
    fail(`saved with format version ${version}, but this glassbox reads up to version ${MODEL_FORMAT_VERSION}; upgrade glassbox to load it`);
  }
  checkDigest(doc, version as number, fail);
  const config = doc.modelConfig;
  if (!isObject(config) || typeof config.name !== 'string' || !Array.isArray(config.layers)) fail('modelConfig must be {name, layers: [...]}');
  const graph = Array.isArray((config as Record<string, unknown>).inputLayers);
  if (graph && !Array.isArray((config as Record<string, unknown>).outputLayers)) fail('a functional modelConfig needs outputLayers beside inputLayers');
  const layers = (config as Record<string, unknown>).layers as unknown[];
  if (layers.length === 0) fail('modelConfig has no layers');
  layers.forEach((l, i) => {
    if (!isObject(l) || typeof l.className !== 'string' || !isObject(l.config)) fail(`modelConfig.layers[${i}] must be {className, config}`);
    if (graph && (typeof (l as Record<string, unknown>).name !== 'string' || !Array.isArray((l as Record<string, unknown>).inboundNodes))) {
      fail(`modelConfig.layers[${i}] of a functional model needs name and inboundNodes`);
    }
  });
  if (doc.compileConfig !== null && doc.compileConfig !== undefined && !isObject(doc.compileConfig)) fail('compileConfig must be an object or null');
  if (doc.metadata !== undefined && !isObject(doc.metadata)) fail('metadata must be an object');
  const weights = doc.weights;
  if (!isObject(weights)) return fail('weights must be {file, byteLength, crc32, manifest}');
  if (typeof weights.file !== 'string' || !/^[\w.-]+$/.test(weights.file) || weights.file.startsWith('.')) {
    fail(`weights.file ${JSON.stringify(weights.file)} must be a plain file name in the model folder`);
  }
  if (typeof weights.byteLength !== 'number' || !Number.isSafeInteger(weights.byteLength) || weights.byteLength < 8) fail('weights.byteLength must be an integer >= 8');
  if (typeof weights.crc32 !== 'string' || !/^[0-9a-f]{8}$/.test(weights.crc32)) fail('weights.crc32 must be 8 hex digits');
  const manifest = weights.manifest;
  if (!Array.isArray(manifest) || manifest.length !== layers.length) fail(`weights.manifest must list the tensors of each of the ${layers.length} layers`);
  (manifest as unknown[]).forEach((names, i) => {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) fail(`weights.manifest[${i}] must be an array of tensor names`);
  });
  if (doc.checkpoint !== undefined) validateCheckpointState(doc.checkpoint, fail);
  return {
    format: MODEL_FORMAT,
    formatVersion: version as number,
    generatedBy: typeof doc.generatedBy === 'string' ? doc.generatedBy : 'unknown',
    modelConfig: graph
      ? { ...(config as unknown as GraphConfig) }
      : { name: (config as StackConfig).name, layers: layers as SerializedLayer[] },
    compileConfig: (doc.compileConfig ?? null) as CompileConfig | null,
    metadata: (doc.metadata ?? {}) as ModelMetadata,
    weights: weights as unknown as WeightsRef,
    ...(doc.checkpoint !== undefined ? { checkpoint: doc.checkpoint as CheckpointState } : {}),
  };
}

function validateCheckpointState(state: unknown, fail: (msg: string) => never): void {
  if (!isObject(state)) return fail('checkpoint must be an object');
  const ints = ['epoch', 'batch', 'stepsPerEpoch', 'epochs', 'shuffleSeed'] as const;
  for (const k of ints) {
    const v = state[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (k === 'batch' ? -1 : 0)) fail(`checkpoint.${k} must be an integer, got ${JSON.stringify(v)}`);
  }
  const rng = state.rng;
  if (!Array.isArray(rng) || rng.length !== 4 || rng.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
    fail('checkpoint.rng must be four 32-bit words');
  }
  const h = state.history;
  if (!isObject(h) || !Array.isArray(h.epoch) || !isObject(h.history)) fail('checkpoint.history must be {epoch, history}');
  const opt = state.optimizer;
  if (opt !== null && (!isObject(opt) || typeof opt.iterations !== 'number' || !isObject(opt.slots))) fail('checkpoint.optimizer must be {iterations, slots} or null');
  const mon = state.monitor;
  if (mon !== null && (!isObject(mon) || typeof mon.name !== 'string' || (mon.mode !== 'min' && mon.mode !== 'max'))) fail('checkpoint.monitor must be {name, mode, best} or null');
}

/** Round-trips a value through JSON, failing on values JSON cannot hold faithfully (functions, cycles). */
export function toJsonSafe<T>(value: T, what: string): T {
  try {
    return JSON.parse(JSON.stringify(value ?? null) ?? 'null') as T;
  } catch (e) {
    throw new Error(`${what} cannot be saved as JSON: ${(e as Error).message}`);
  }
}

export type { Json };
