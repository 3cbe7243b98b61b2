// exportOnnx: a glassbox model as an ONNX file that onnxruntime and other runtimes can run. The model's
// inference pass is traced into a graph and each op maps itself to ONNX through the op registry; a
// model trained on a table gets its preprocessing in the graph too (onnx-preprocess.ts).

import { LayersModel, type AnyLayersModel } from '../train/layers-model.js';
import { traceGraph } from '../plan/trace.js';
import { zeros } from '../ops/creation.js';
import { Sequential } from '../train/sequential.js';
import { graphToOnnx } from './onnx-graph.js';
import { writeFileAtomic } from './atomic.js';
import { GENERATED_BY } from './artifacts.js';
import { TablePipeline } from '../data/table-pipeline.js';
import { preprocessingHooks, preprocessingNotes } from './onnx-preprocess.js';

export interface ExportOnnxOptions {
  /** Name of the graph input (default 'input'). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** Names of the graph's inputs and outputs, in order (default: a functional model's own names; 'input' / 'output' for Sequential). */
  inputNames?: string[];
  outputNames?: string[];
  /** ONNX opset, 13 or later (default 13). */
  opset?: number;
  /**
   * For a model trained on a table: put its preprocessing into the graph (default true), so the inputs are the raw
   * columns (one per column, named after it) and a regression output is in the target's units; false exports the bare network.
   */
  preprocessing?: boolean;
}

/** Rows the model is traced with: 2, so a batch dimension is told apart from dimensions of size 1. */
const TRACE_ROWS = 2;

/**
 * The model as ONNX bytes: input [batch, ...inputShape] (batch dynamic), output [batch, ...outputShape]; a table model
 * takes one raw input per column instead (see ExportOnnxOptions.preprocessing).
 */
export function toOnnx(model: AnyLayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  if (!(model instanceof LayersModel)) throw new Error('exportOnnx: expected a glassbox model (sequential() or model())');
  const specs = model.inputSpecs;
  const t = traceGraph(specs.map((s, i) => ({ name: `x${i}`, sample: zeros([TRACE_ROWS, ...s.shape], s.dtype) })), (xs) =>
    Object.fromEntries(model.forward(xs).map((y, i) => [`y${i}`, y])));
  const ys = model.outputNames.map((_, i) => t.outputs[`y${i}`]);
  const own = !(model instanceof Sequential);
  // The table hook (see onnx-preprocess.ts): raw columns in, user units out.
  const pipeline = options.preprocessing === false ? null : TablePipeline.fromMetadata(model.metadata);
  const table: Record<string, string> = pipeline ? { 'glassbox.preprocessing': preprocessingNotes(pipeline).join('\n') } : {};
  return graphToOnnx(t.graph, t.inputs, ys, {
    hooks: pipeline ? preprocessingHooks(pipeline) : undefined,
    inputName: options.inputName,
    outputName: options.outputName,
    inputNames: options.inputNames ?? (own && options.inputName === undefined ? model.inputNames : undefined),
    outputNames: options.outputNames ?? (own && options.outputName === undefined ? model.outputNames : undefined),
    opset: options.opset,
    graphName: model.name,
    producerVersion: GENERATED_BY.replace('glassbox ', ''),
    metadata: { 'glassbox.metadata': JSON.stringify(model.metadata ?? {}), ...table },
  });
}

/** Writes the model as an ONNX file (atomically); see toOnnx for the graph's shape. */
export async function exportOnnx(model: AnyLayersModel, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  await writeFileAtomic(path, toOnnx(model, options));
}
