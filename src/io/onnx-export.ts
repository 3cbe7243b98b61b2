// exportOnnx: a glassbox Sequential model as an ONNX file that onnxruntime and other runtimes can run.

import { Sequential } from '../train/sequential.js';
import { Dense } from '../nn/dense.js';
import { Activation, Dropout, Flatten } from '../nn/simple-layers.js';
import { buildOnnxModel, type OnnxActivation, type OnnxLayer } from './onnx-graph.js';
import { writeFileAtomic } from './atomic.js';
import { GENERATED_BY } from './artifacts.js';

export interface ExportOnnxOptions {
  /** Name of the graph input (default 'input'). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** ONNX opset, 13 or later (default 13). */
  opset?: number;
}

/** The model as ONNX bytes: input [batch, ...inputShape] (batch dynamic), output [batch, ...outputShape]. */
export function toOnnx(model: Sequential, options: ExportOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new Error('exportOnnx: expected a glassbox Sequential model');
  const layers: OnnxLayer[] = model.layers.map((layer): OnnxLayer => {
    if (layer instanceof Dense) {
      return { kind: 'dense', name: layer.name, kernel: layer.kernel!, bias: layer.bias, activation: layer.activation as OnnxActivation };
    }
    if (layer instanceof Activation) return { kind: 'activation', name: layer.name, activation: layer.activation as OnnxActivation };
    if (layer instanceof Dropout) return { kind: 'identity', name: layer.name };
    if (layer instanceof Flatten) return { kind: 'flatten', name: layer.name };
    throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) has no ONNX export yet; exportable: Dense, Activation, Dropout, Flatten`);
  });
  return buildOnnxModel(layers, {
    inputShape: model.inputShape,
    inputName: options.inputName,
    outputName: options.outputName,
    opset: options.opset,
    graphName: model.name,
    producerVersion: GENERATED_BY.replace('glassbox ', ''),
    metadata: { 'glassbox.metadata': JSON.stringify(model.metadata ?? {}) },
  });
}

/** Writes the model as an ONNX file (atomically); see toOnnx for the graph's shape. */
export async function exportOnnx(model: Sequential, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  await writeFileAtomic(path, toOnnx(model, options));
}
