// exportOnnx: a glassbox Sequential model as an ONNX file that onnxruntime and other runtimes can run.

import { Sequential } from '../train/sequential.js';
import { Dense } from '../nn/dense.js';
import { Activation, Dropout, Flatten } from '../nn/simple-layers.js';
import { buildOnnxModel, type OnnxActivation, type OnnxLayer } from './onnx-graph.js';
import { writeFileAtomic } from './atomic.js';
import { GENERATED_BY } from './artifacts.js';
import { TablePipeline } from '../data/table-pipeline.js';
import { preprocessingHooks, preprocessingNotes } from './onnx-preprocess.js';

export interface ExportOnnxOptions {
  /** Name of the graph input (default 'input'). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** ONNX opset, 13 or later (default 13). */
  opset?: number;
  /**
   * For a model trained on a table: put its preprocessing into the graph (default true), so the inputs are the raw
   * columns (one per column, named after it) and a regression output is in the target's units; false exports the bare network.
   */
  preprocessing?: boolean;
}

/**
 * The model as ONNX bytes: input [batch, ...inputShape] (batch dynamic), output [batch, ...outputShape]; a table model
 * takes one raw input per column instead (see ExportOnnxOptions.preprocessing).
 */
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
  // The table hook (see onnx-preprocess.ts): raw columns in, user units out.
  const pipeline = options.preprocessing === false ? null : TablePipeline.fromMetadata(model.metadata);
  const table: Record<string, string> = pipeline ? { 'glassbox.preprocessing': preprocessingNotes(pipeline).join('\n') } : {};
  return buildOnnxModel(layers, {
    hooks: pipeline ? preprocessingHooks(pipeline) : undefined,
    inputShape: model.inputShape,
    inputName: options.inputName,
    outputName: options.outputName,
    opset: options.opset,
    graphName: model.name,
    producerVersion: GENERATED_BY.replace('glassbox ', ''),
    metadata: { 'glassbox.metadata': JSON.stringify(model.metadata ?? {}), ...table },
  });
}

/** Writes the model as an ONNX file (atomically); see toOnnx for the graph's shape. */
export async function exportOnnx(model: Sequential, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  await writeFileAtomic(path, toOnnx(model, options));
}
