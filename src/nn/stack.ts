// A linear stack of layers, the topology of a Sequential model: shape inference, forward pass, summary rows.

import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallOptions, type LayerShape } from './layer.js';
import { deserializeLayer } from './registry.js';
import { describe } from './symbolic.js';
import type { StackConfig, SummaryRow, TensorSpec, Topology } from './topology.js';

export class LayerStack implements Topology {
  readonly layers: Layer[] = [];

  /** `owner` names the model in errors. */
  constructor(private readonly owner: string, layers: Layer[] = []) {
    for (const layer of layers) this.add(layer);
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`${this.owner}.add: expected a layer (e.g. layers.dense({units: 10})), got ${describe(layer)}`);
    if (this.layers.length === 0 && !layer.inputShape) {
      throw new Error(`${this.owner}: the first layer needs inputShape, e.g. layers.dense({units: 64, inputShape: [784]})`);
    }
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`${this.owner}: duplicate layer name '${layer.name}'`);
    this.layers.push(layer);
    if (this.layers.length === 1 || this.layers[this.layers.length - 2].built) this.buildLayers();
  }

  /** Builds every layer by propagating the input shape. */
  private buildLayers(): void {
    let shape = this.inputShape;
    for (const layer of this.layers) {
      if (!layer.built) layer.build(layer.inputShape && layer === this.layers[0] ? layer.inputShape : shape);
      shape = layer.computeOutputShape(shape);
    }
  }

  /** Shape of one example (no batch dimension). */
  get inputShape(): LayerShape {
    if (this.layers.length === 0) throw new Error(`${this.owner}: the model has no layers`);
    return [...this.layers[0].inputShape!];
  }

  get outputShape(): LayerShape {
    return this.layers.reduce((shape, layer) => layer.computeOutputShape(shape), this.inputShape);
  }

  inputs(): TensorSpec[] {
    const first = this.layers[0] as Layer & { dtype?: unknown };
    return [{ name: `${first?.name ?? this.owner}_input`, shape: this.inputShape, dtype: first.dtype === 'int32' ? 'int32' : 'float32' }];
  }

  outputs(): { name: string; shape: LayerShape }[] {
    return [{ name: this.layers[this.layers.length - 1].name, shape: this.outputShape }];
  }

  run([x]: Tensor[], options: CallOptions): Tensor[] {
    let y = x;
    for (const layer of this.layers) y = layer.apply(y, options);
    return [y];
  }

  summaryRows(): SummaryRow[] {
    let shape = this.inputShape;
    return this.layers.map((layer) => {
      const flops = layer.flops(shape);
      shape = layer.computeOutputShape(shape);
      return { name: layer.name, type: layer.className, outputShape: shape, params: layer.countParams(), flops };
    });
  }

  getConfig(name: string): StackConfig {
    return { name, layers: this.layers.map((l) => l.serialize()) };
  }

  /** Layers rebuilt from a config (weights freshly initialised; load weights separately). */
  static layersFromConfig(config: StackConfig): Layer[] {
    if (!config || !Array.isArray(config.layers)) throw new Error('fromConfig: expected {name, layers: [...]}');
    return config.layers.map(deserializeLayer);
  }
}
