// What the model classes need of a layer arrangement (a stack or a functional graph): its layers, inputs
// and outputs, the forward pass, summary rows and a JSON config.

import type { DType, Tensor } from '../tensor/tensor.js';
import type { CallOptions, Layer, LayerShape, SerializedLayer } from './layer.js';

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: LayerShape;
  params: number;
  flops: number;
  /** Functional models: the layer outputs this layer is called on. */
  connectedTo?: string[];
}

/** A model's declared input: name, shape of one example, dtype. */
export interface TensorSpec {
  name: string;
  shape: LayerShape;
  dtype: DType;
}

/** A Sequential topology: the layers in order. */
export interface StackConfig {
  name: string;
  layers: SerializedLayer[];
}

/** Where a layer call reads from: [layer name, node index, tensor index] (Keras' inbound-node form). */
export type NodeRef = [string, number, number];

/** A functional topology: layers with the calls that feed them, and the graph's inputs and outputs. */
export interface GraphConfig {
  name: string;
  layers: (SerializedLayer & { name: string; inboundNodes: NodeRef[][] })[];
  inputLayers: NodeRef[];
  outputLayers: NodeRef[];
}

export type ModelConfig = StackConfig | GraphConfig;

export function isGraphConfig(config: ModelConfig): config is GraphConfig {
  return Array.isArray((config as GraphConfig).inputLayers);
}

export interface Topology {
  readonly layers: readonly Layer[];
  /** Declared inputs; throws when the first layer has no input shape yet. */
  inputs(): TensorSpec[];
  /** Output names and example shapes. */
  outputs(): { name: string; shape: LayerShape }[];
  /** The forward pass on one tensor per input; one tensor per output. */
  run(xs: Tensor[], options: CallOptions): Tensor[];
  summaryRows(): SummaryRow[];
  getConfig(name: string): ModelConfig;
}
