// The functional API's model: `model({inputs, outputs})` over the graph of layer calls between them.

import type { Tensor } from '../tensor/tensor.js';
import { LayerGraph } from '../nn/functional.js';
import { describe, type SymbolicTensor } from '../nn/symbolic.js';
import { isGraphConfig, type GraphConfig, type ModelConfig } from '../nn/topology.js';
import { LayersModel } from './layers-model.js';
import { Sequential } from './sequential.js';

export interface ModelArgs<O extends SymbolicTensor | SymbolicTensor[]> {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: O;
  name?: string;
}

let functionalCount = 0;

/** A functional model (TensorFlow.js `tf.model`): predict returns one tensor, or a list when there are several outputs. */
export function model(args: ModelArgs<SymbolicTensor>): LayersModel<Tensor>;
export function model(args: ModelArgs<SymbolicTensor[]>): LayersModel<Tensor | Tensor[]>;
export function model(args: ModelArgs<SymbolicTensor | SymbolicTensor[]>): LayersModel<Tensor | Tensor[]> {
  if (args === null || typeof args !== 'object' || args.inputs === undefined || args.outputs === undefined) {
    throw new Error(`model: pass {inputs, outputs}, e.g. model({inputs: x, outputs: y}) with x = input({shape: [4]}), got ${describe(args)}`);
  }
  const name = args.name ?? `model_${++functionalCount}`;
  const list = (t: SymbolicTensor | SymbolicTensor[]) => (Array.isArray(t) ? [...t] : [t]);
  return new LayersModel(new LayerGraph(name, list(args.inputs), list(args.outputs)), name);
}

/** Rebuilds a model from its config: Sequential for a layer list, functional for a graph. */
export function modelFromConfig(config: ModelConfig): LayersModel<Tensor | Tensor[]> {
  if (!isGraphConfig(config)) return Sequential.fromConfig(config);
  const { inputs, outputs } = LayerGraph.fromConfig(config as GraphConfig, config.name);
  return new LayersModel(new LayerGraph(config.name, inputs, outputs), config.name);
}
