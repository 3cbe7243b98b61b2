// exportOnnx: a glassbox model as an ONNX file that onnxruntime and other runtimes can run. The model's
// inference pass is traced into a graph and each op maps itself to ONNX through the op registry.

import { Sequential } from '../train/sequential.js';
import { inferenceGraph } from '../plan/model-plans.js';
import { graphToOnnx, type OnnxGraphOptions } from './onnx-graph.js';
import { writeFileAtomic } from './atomic.js';
import { GENERATED_BY } from './artifacts.js';

export interface ExportOnnxOptions {
  /** Name of the graph input (default 'input'). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** ONNX opset, 13 or later (default 13). */
  opset?: number;
  /** Nodes to put in front of the model (preprocessing), see OnnxGraphOptions.prefix. */
  prefix?: OnnxGraphOptions['prefix'];
}

/** Rows the model is traced with: 2, so a batch dimension is told apart from dimensions of size 1. */
const TRACE_ROWS = 2;

/** The model as ONNX bytes: input [batch, ...inputShape] (batch dynamic), output [batch, ...outputShape]. */
export function toOnnx(model: Sequential, options: ExportOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Sequential)) throw new Error('exportOnnx: expected a glassbox Sequential model');
  const { graph, x, y } = inferenceGraph(model, TRACE_ROWS, 'float32');
  return graphToOnnx(graph, x, y, {
    inputName: options.inputName,
    outputName: options.outputName,
    opset: options.opset,
    prefix: options.prefix,
    graphName: model.name,
    producerVersion: GENERATED_BY.replace('glassbox ', ''),
    metadata: { 'glassbox.metadata': JSON.stringify(model.metadata ?? {}) },
  });
}

/** Writes the model as an ONNX file (atomically); see toOnnx for the graph's shape. */
export async function exportOnnx(model: Sequential, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  await writeFileAtomic(path, toOnnx(model, options));
}
