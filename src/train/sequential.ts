// Sequential: a LayersModel over a stack of layers, built one `add` at a time (the Keras / TensorFlow.js API).

import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from '../nn/layer.js';
import { LayerStack } from '../nn/stack.js';
import type { StackConfig } from '../nn/topology.js';
import { LayersModel } from './layers-model.js';

export type { CompileArgs, CompileConfig, EvaluateArgs, FitArgs, ModelMetadata, TrainingState } from './fit-args.js';

let sequentialCount = 0;

export class Sequential extends LayersModel<Tensor> {
  declare protected readonly topology: LayerStack;

  constructor(args: { layers?: Layer[]; name?: string } = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new Error('sequential: pass {layers: [...]} (or nothing, then model.add(layer))');
    }
    if (args.layers !== undefined && !Array.isArray(args.layers)) throw new Error(`sequential: layers must be a list of layers, got ${typeof args.layers}`);
    const name = args.name ?? `sequential_${++sequentialCount}`;
    super(new LayerStack(name), name);
    for (const layer of args.layers ?? []) this.add(layer);
  }

  add(layer: Layer): void {
    this.topology.add(layer);
    this.plans.clear();
  }

  /** Removes the last layer (TensorFlow.js' pop). */
  pop(): void {
    if (this.topology.layers.length === 0) throw new Error(`${this.name}.pop: the model has no layers`);
    this.topology.layers.pop();
    this.plans.clear();
  }

  override getConfig(): StackConfig {
    return this.topology.getConfig(this.name);
  }

  static fromConfig(config: StackConfig): Sequential {
    return new Sequential({ name: config.name, layers: LayerStack.layersFromConfig(config) });
  }
}

/** Keras-style factory: `sequential({layers: [...]})`. */
export function sequential(args: { layers?: Layer[]; name?: string } = {}): Sequential {
  return new Sequential(args);
}
