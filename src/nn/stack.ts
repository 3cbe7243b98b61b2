// A linear stack of layers: shape inference, forward pass, weights and summary(). Training lives in train/.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Variable } from '../autograd/variable.js';
import { Layer, type CallOptions, type LayerShape, type SerializedLayer } from './layer.js';
import { deserializeLayer } from './registry.js';
import { PlanCache } from '../plan/cache.js';
import { runInference } from '../plan/model-plans.js';

export interface StackConfig {
  name: string;
  layers: SerializedLayer[];
}

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: LayerShape;
  params: number;
  flops: number;
}

let stackCount = 0;

export class LayerStack {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Compiled plans of this model (inference, gradients, training), freed when evicted or the model changes. */
  readonly plans = new PlanCache();

  constructor(args: { layers?: Layer[]; name?: string } = {}) {
    this.name = args.name ?? `sequential_${++stackCount}`;
    for (const layer of args.layers ?? []) this.add(layer);
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`${this.name}.add: expected a layer (e.g. layers.dense({units: 10})), got ${typeof layer}`);
    if (this.layers.length === 0 && !layer.inputShape) {
      throw new Error(`${this.name}: the first layer needs inputShape, e.g. layers.dense({units: 64, inputShape: [784]})`);
    }
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`${this.name}: duplicate layer name '${layer.name}'`);
    this.layers.push(layer);
    this.plans.clear();
    if (this.layers.length === 1 || this.layers[this.layers.length - 2].built) this.buildLayers();
  }

  /** Builds every layer by propagating the input shape. */
  protected buildLayers(): void {
    let shape = this.inputShape;
    for (const layer of this.layers) {
      if (!layer.built) layer.build(layer.inputShape && layer === this.layers[0] ? layer.inputShape : shape);
      shape = layer.computeOutputShape(shape);
    }
  }

  /** Shape of one example (no batch dimension). */
  get inputShape(): LayerShape {
    if (this.layers.length === 0) throw new Error(`${this.name}: the model has no layers`);
    return [...this.layers[0].inputShape!];
  }

  get outputShape(): LayerShape {
    return this.layers.reduce((shape, layer) => layer.computeOutputShape(shape), this.inputShape);
  }

  /** Forward pass through every layer; differentiable (record gradients with grad/variableGrads). */
  apply(x: Tensor, options: CallOptions = {}): Tensor {
    this.checkInput(x);
    let y = x;
    for (const layer of this.layers) y = layer.apply(y, options);
    return y;
  }

  /** Inference in batches of at most batchSize rows, each through a compiled plan (no gradients recorded). */
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    this.checkInput(x);
    const batchSize = options.batchSize ?? 1024;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
    return runInference(this, x, batchSize);
  }

  /** Frees the buffers of every compiled plan now (they are rebuilt on next use). */
  releasePlans(): void {
    this.plans.clear();
  }

  protected checkInput(x: Tensor): void {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}: expected a Tensor input, got ${typeof x}; wrap arrays with tensor2d(...)`);
    const expected = this.inputShape;
    const got = x.shape.slice(1);
    if (x.rank !== expected.length + 1 || got.some((d, i) => d !== expected[i])) {
      throw new Error(
        `${this.name}: expected input of shape [batch, ${expected.join(', ')}], got ${formatShape(x.shape)}` +
          (x.rank === expected.length ? ' — add a batch dimension (e.g. x.reshape([1, ...]))' : ''),
      );
    }
  }

  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  setWeights(weights: readonly Tensor[]): void {
    const total = this.weights.length;
    if (weights.length !== total) throw new Error(`${this.name}.setWeights: got ${weights.length} tensors, the model has ${total}`);
    let offset = 0;
    for (const layer of this.layers) {
      const n = layer.weights.length;
      layer.setWeights(weights.slice(offset, offset + n));
      offset += n;
    }
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  summaryRows(): SummaryRow[] {
    let shape = this.inputShape;
    return this.layers.map((layer) => {
      const flops = layer.flops(shape);
      shape = layer.computeOutputShape(shape);
      return { name: layer.name, type: layer.className, outputShape: shape, params: layer.countParams(), flops };
    });
  }

  /** Prints (or returns, with print = false) each layer's output shape, parameters and forward FLOPs. */
  summary(print: (line: string) => void = console.log): string {
    const rows = this.summaryRows();
    const table = [
      ['Layer (type)', 'Output shape', 'Params', 'FLOPs/example'],
      ...rows.map((r) => [`${r.name} (${r.type})`, `[null,${r.outputShape.join(',')}]`, r.params.toLocaleString('en-US'), r.flops.toLocaleString('en-US')]),
    ];
    const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)) + 2);
    const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('');
    const rule = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    const total = this.countParams();
    const out = [
      `Model: ${this.name}`,
      rule,
      line(table[0]),
      '='.repeat(rule.length),
      ...table.slice(1).map(line),
      '='.repeat(rule.length),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
      `Forward FLOPs per example: ${rows.reduce((n, r) => n + r.flops, 0).toLocaleString('en-US')}`,
      rule,
    ].join('\n');
    print(out);
    return out;
  }

  getConfig(): StackConfig {
    return { name: this.name, layers: this.layers.map((l) => l.serialize()) };
  }

  /** Rebuilds layers from a config (weights freshly initialised; load weights separately). */
  protected static layersFromConfig(config: StackConfig): Layer[] {
    if (!config || !Array.isArray(config.layers)) throw new Error('fromConfig: expected {name, layers: [...]}');
    return config.layers.map(deserializeLayer);
  }
}
