// The model `glassbox train` builds: the MLP its flags describe (--arch mlp), the documented CNN preset
// (--arch cnn), or any layer list in the JSON glassbox saves or TensorFlow.js' model.toJSON() writes
// (--config layers.json). Every model gets the task's output layer, loss and metrics.

import { readFileSync } from 'node:fs';
import { layers } from '../nn/index.js';
import type { Layer, SerializedLayer } from '../nn/layer.js';
import { deserializeLayer } from '../nn/registry.js';
import { sequential, Sequential } from '../train/sequential.js';
import { getOptimizer } from '../train/optimizers.js';
import { sequentialLayers } from '../io/keras-config.js';
import { isObject } from '../io/model-format.js';
import { UserError } from './errors.js';

export type Arch = 'mlp' | 'cnn';

export interface ArchOptions {
  arch: Arch;
  /** A JSON file with the hidden layers (replaces --arch). */
  config?: string;
  hidden: number[];
  activation: string;
  l2: number;
  dropout: number;
  optimizer: string;
  lr: number;
  /** Gradient clipping by global norm (--clip-norm). */
  clipNorm?: number;
}

/**
 * The CNN preset for square grey images given as pixels per row (MNIST: 784 = 28x28): two stages of
 * 5x5 convolution (16, then 32 filters), batch normalisation and 2x2 max pooling, then dense 128 with
 * dropout 0.3 before the output layer. About 2.2 MFLOP per image forward.
 */
export function cnnPreset(inputs: number): Layer[] {
  const side = Math.round(Math.sqrt(inputs));
  if (side * side !== inputs) throw new UserError(`--arch cnn needs square grey images (e.g. 784 = 28x28 pixels per row); this data has ${inputs} columns`);
  return [
    layers.reshape({ targetShape: [side, side, 1], inputShape: [inputs] }),
    layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    layers.batchNormalization(),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu' }),
    layers.batchNormalization(),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dense({ units: 128, activation: 'relu' }),
    layers.dropout({ rate: 0.3 }),
  ];
}

function mlpLayers(o: ArchOptions, inputs: number): Layer[] {
  const out: Layer[] = [];
  o.hidden.forEach((units, i) => {
    out.push(layers.dense({ units, activation: o.activation, inputShape: i === 0 ? [inputs] : undefined, kernelRegularizer: o.l2 > 0 ? { l2: o.l2 } : undefined }));
    if (o.dropout > 0) out.push(layers.dropout({ rate: o.dropout }));
  });
  return out;
}

/** Hidden layers from a JSON file: glassbox's model.json, {layers: [...]}, a bare list, or TF.js model.toJSON(). */
export function layersFromConfigFile(path: string, inputs: number): Layer[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--config ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
  }
  const fail = (m: string): never => {
    throw new UserError(`--config ${path}: ${m}`);
  };
  let specs: SerializedLayer[];
  if (isObject(doc) && (doc.class_name === 'Sequential' || isObject(doc.model_config) || isObject(doc.modelTopology))) {
    specs = sequentialLayers(isObject(doc.modelTopology) ? doc.modelTopology : doc, fail).layers;
  } else {
    const list = Array.isArray(doc) ? doc : isObject(doc) && isObject(doc.modelConfig) ? doc.modelConfig.layers : isObject(doc) ? doc.layers : undefined;
    if (!Array.isArray(list)) fail('expected a list of layers ({className, config}), {layers: [...]}, a glassbox model.json or a TensorFlow.js model.toJSON()');
    specs = list as SerializedLayer[];
  }
  const built = specs.map((spec, i) => {
    try {
      return deserializeLayer(spec);
    } catch (e) {
      return fail(`layers[${i}]: ${(e as Error).message}`);
    }
  });
  if (built.length > 0 && !built[0].inputShape) {
    const first = specs[0];
    built[0] = deserializeLayer({ className: first.className, config: { ...first.config, inputShape: [inputs] } });
  }
  return built;
}

/** The model for the task: hidden layers by arch or config, then the output layer, compiled. */
export function buildModel(o: ArchOptions, inputs: number, outputs: number, task: 'classification' | 'regression'): Sequential {
  const hidden = o.config ? layersFromConfigFile(o.config, inputs) : o.arch === 'cnn' ? cnnPreset(inputs) : mlpLayers(o, inputs);
  let model: Sequential;
  try {
    model = sequential({ layers: hidden });
    model.add(layers.dense({ units: outputs, activation: task === 'classification' ? 'softmax' : 'linear', inputShape: hidden.length === 0 ? [inputs] : undefined }));
  } catch (e) {
    throw new UserError(`${o.config ? `--config ${o.config}` : `--arch ${o.arch}`}: ${(e as Error).message}`);
  }
  model.compile({
    optimizer: getOptimizer({ name: o.optimizer, learningRate: o.lr, ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm } : {}) }),
    loss: task === 'classification' ? 'sparseCategoricalCrossentropy' : 'meanSquaredError',
    metrics: task === 'classification' ? ['accuracy'] : ['mae'],
  });
  return model;
}
