// A model as bytes in memory (model.json text + safetensors weights), and back: works in browsers, no file system.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { withWeightBudget, type Layer } from '../nn/layer.js';
import { isGraphConfig, type StackConfig } from '../nn/topology.js';
import { LayersModel, type AnyLayersModel } from '../train/layers-model.js';
import { modelFromConfig } from '../train/model.js';
import { encodeSafetensors, decodeSafetensors, type NamedTensors } from './safetensors.js';
import { crc32 } from './crc32.js';
import {
  MODEL_FORMAT, MODEL_FORMAT_VERSION, WEIGHTS_FILE, isTfjsDocument, parseJsonText, sealedModelJson, toJsonSafe, validateModelDocument,
  type CheckpointState, type ModelDocument,
} from './model-format.js';

/** What `toArtifacts` returns and `loadModel` accepts: the exact contents of the two files. */
export interface ModelArtifacts {
  /** The text of model.json. */
  modelJson: string;
  /** The bytes of weights.safetensors. */
  weights: Uint8Array;
}

export const GENERATED_BY = 'glassbox 0.1.0';

/** Extra content a checkpoint adds to a saved model. */
export interface ArtifactExtras {
  tensors?: [string, Tensor][];
  checkpoint?: CheckpointState;
}

/** Stable safetensors names for each layer's weights: `<layer>/<kernel|bias|...>`. */
export function weightManifest(model: AnyLayersModel): string[][] {
  return model.layers.map((layer) => {
    const used = new Set<string>();
    return layer.weights.map((v, j) => {
      const prefix = `${layer.name}/`;
      let local = v.name.startsWith(prefix) ? v.name.slice(prefix.length).replace(/_\d+$/, '') : String(j);
      if (local === '' || used.has(local)) local = String(j);
      used.add(local);
      return prefix + local;
    });
  });
}

/** Serialises topology, compile config, metadata and weights, sealed by a digest; the result round-trips bit-exactly. */
export function toArtifacts(model: AnyLayersModel, extras: ArtifactExtras = {}): ModelArtifacts {
  if (!(model instanceof LayersModel)) throw new Error('toArtifacts: expected a glassbox model (sequential() or model())');
  const manifest = weightManifest(model);
  const tensors: [string, Tensor][] = [];
  model.layers.forEach((layer, i) => layer.weights.forEach((v, j) => tensors.push([manifest[i][j], v])));
  tensors.push(...(extras.tensors ?? []));
  const weights = encodeSafetensors(tensors, { format: 'pt' });
  const doc: ModelDocument = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: GENERATED_BY,
    modelConfig: toJsonSafe(model.getConfig(), 'the model config'),
    compileConfig: toJsonSafe(model.compileConfig, 'the compile config'),
    metadata: toJsonSafe(model.metadata ?? {}, 'model.metadata'),
    weights: { file: WEIGHTS_FILE, byteLength: weights.length, crc32: crc32(weights), manifest },
    ...(extras.checkpoint ? { checkpoint: extras.checkpoint } : {}),
  };
  return { modelJson: sealedModelJson(doc), weights };
}

/** A loaded model with the document and every tensor of its weights file (checkpoints read more of them). */
export interface LoadedModel {
  model: AnyLayersModel;
  document: ModelDocument;
  tensors: NamedTensors;
}

/** Parses and validates model.json text (throws on TensorFlow.js documents: load those by path). */
export function parseModelJson(text: string, source = 'model.json'): ModelDocument {
  const raw = parseJsonText(text, source);
  if (isTfjsDocument(raw)) throw new Error(`${source}: this is a TensorFlow.js model.json; load it with loadModel('path/to/model.json')`);
  return validateModelDocument(raw, source);
}

/** Rebuilds a model from artifacts, checking the weights against model.json before building anything. */
export function modelFromArtifacts(artifacts: ModelArtifacts, source = 'artifacts', checkedWeights = false): LoadedModel {
  if (!artifacts || typeof artifacts.modelJson !== 'string' || !(artifacts.weights instanceof Uint8Array)) {
    throw new Error(`${source}: expected {modelJson: string, weights: Uint8Array}`);
  }
  const doc = parseModelJson(artifacts.modelJson, `${source} (model.json)`);
  const wsource = `${source} (${doc.weights.file})`;
  const { weights } = artifacts;
  if (!checkedWeights) {
    if (weights.length !== doc.weights.byteLength) {
      throw new Error(`${wsource}: ${weights.length} bytes, but model.json expects ${doc.weights.byteLength}: truncated or from a different save`);
    }
    const actual = crc32(weights);
    if (actual !== doc.weights.crc32) throw new Error(`${wsource}: corrupt: CRC-32 ${actual}, model.json expects ${doc.weights.crc32}`);
  }
  const { tensors } = decodeSafetensors(weights, { source: wsource });
  if (!isGraphConfig(doc.modelConfig)) preflight(doc.modelConfig, doc, tensors, wsource);
  else doc.weights.manifest.flat().forEach((name) => {
    if (!tensors.has(name)) throw new Error(`${wsource}: missing tensor '${name}'`);
  });
  // The layers may create no more weight values than the file holds, whatever the config says.
  let budget = 0;
  for (const t of tensors.values()) budget += t.size;
  let model: AnyLayersModel;
  try {
    model = withWeightBudget(budget, source, () => modelFromConfig(doc.modelConfig));
  } catch (e) {
    throw new Error(`${source}: cannot rebuild the model: ${(e as Error).message}`);
  }
  assignWeights(model.layers, doc, tensors, wsource);
  if (doc.compileConfig) {
    const { optimizer, loss, metrics } = doc.compileConfig;
    try {
      model.compile({ optimizer, loss, metrics });
    } catch (e) {
      throw new Error(`${source}: cannot restore the compile config: ${(e as Error).message}`);
    }
  }
  model.metadata = doc.metadata;
  return { model, document: doc, tensors };
}

/**
 * Before any layer allocates: walks the shapes through the stack and checks that every Dense layer's
 * kernel in the file has exactly the size its config implies, so an absurd config cannot allocate.
 */
function preflight(config: StackConfig, doc: ModelDocument, tensors: NamedTensors, source: string): void {
  const layers = config.layers;
  const first = layers[0].config as { inputShape?: unknown; batchInputShape?: unknown };
  const declared = first.inputShape ?? (Array.isArray(first.batchInputShape) ? first.batchInputShape.slice(1) : undefined);
  if (!Array.isArray(declared) || declared.some((d) => !Number.isSafeInteger(d) || (d as number) <= 0)) {
    throw new Error(`${source}: the first layer's inputShape ${JSON.stringify(declared)} must be positive integers`);
  }
  let shape: number[] | null = declared as number[];
  if (shape.reduce((a, b) => a * b, 1) > 2 ** 31) throw new Error(`${source}: absurd inputShape ${formatShape(shape)}`);
  layers.forEach((layer, i) => {
    const names = doc.weights.manifest[i];
    for (const name of names) {
      if (!tensors.has(name)) throw new Error(`${source}: missing tensor '${name}' (layer ${i}, '${layer.config.name}')`);
    }
    if (!shape) return;
    if (layer.className === 'Dense' || layer.className === 'QuantizedDense') {
      const units = layer.config.units;
      const kernel = tensors.get(names[0] ?? '');
      // A quantised (int8) kernel is stored one row per unit: [units, in].
      const want = layer.className === 'Dense' ? [shape[shape.length - 1], units] : [units, shape[shape.length - 1]];
      if (!kernel || kernel.rank !== 2 || kernel.shape[0] !== want[0] || kernel.shape[1] !== want[1]) {
        throw new Error(
          `${source}: layer '${layer.config.name}' (${layer.className}, units ${JSON.stringify(units)}) on input ${formatShape(shape)} ` +
            `needs a kernel of shape [${want.join(',')}], the file has ${kernel ? formatShape(kernel.shape) : 'none'}`,
        );
      }
      shape = [...shape.slice(0, -1), units as number];
    } else if (layer.className === 'Flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (layer.className !== 'Activation' && layer.className !== 'Dropout') {
      shape = null; // A layer type preflight does not model: rely on the checks after building.
    }
  });
}

function assignWeights(layers: readonly Layer[], doc: ModelDocument, tensors: NamedTensors, source: string): void {
  layers.forEach((layer, i) => {
    const names = doc.weights.manifest[i];
    const vars = layer.weights;
    if (names.length !== vars.length) {
      throw new Error(`${source}: layer '${layer.name}' has ${vars.length} weights but model.json lists ${names.length}`);
    }
    const values = names.map((name, j) => {
      const t = tensors.get(name)!;
      const want = vars[j].dtype;
      if (t.dtype !== want) throw new Error(`${source}: tensor '${name}' is ${t.dtype}; weights must be ${want}`);
      if (!shapesEqual(t.shape, vars[j].shape)) {
        throw new Error(`${source}: tensor '${name}' has shape ${formatShape(t.shape)}, layer '${layer.name}' needs ${formatShape(vars[j].shape)}`);
      }
      return t;
    });
    layer.setWeights(values);
  });
}

/** True when a value looks like ModelArtifacts. */
export function isArtifacts(x: unknown): x is ModelArtifacts {
  return typeof x === 'object' && x !== null && typeof (x as ModelArtifacts).modelJson === 'string' && (x as ModelArtifacts).weights instanceof Uint8Array;
}
