// The model surface every glassbox model shares, whatever its topology: layers, inputs and outputs, the forward
// pass, batched inference through compiled plans, weights, summary and config. Training builds on it (layers-model.ts).

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Variable } from '../autograd/variable.js';
import type { CallOptions, Layer, LayerShape } from '../nn/layer.js';
import type { ModelConfig, SummaryRow, TensorSpec, Topology } from '../nn/topology.js';
import { describe, isSymbolic } from '../nn/symbolic.js';
import { PlanCache } from '../plan/cache.js';
import { runInference } from '../plan/model-plans.js';
import { runGraphInference } from '../plan/graph-inference.js';
import { dataList, type ModelData } from './validate.js';
import { summaryText } from './summary.js';
import { LayerGraph } from '../nn/functional.js';

let modelCount = 0;

/**
 * Y is what predict and apply return: one tensor for a model with one output (Sequential, most
 * functional models), a list for several.
 */
export class ModelBase<Y extends Tensor | Tensor[] = Tensor> {
  readonly name: string;
  /** Compiled plans of this model (inference, gradients, training), freed when evicted or the model changes. */
  readonly plans = new PlanCache();

  constructor(protected readonly topology: Topology, name?: string) {
    this.name = name ?? `model_${++modelCount}`;
  }

  get layers(): Layer[] {
    return [...this.topology.layers];
  }

  /** The layer with this name, or at this index of `layers` (TensorFlow.js also writes getLayer(undefined, index)). */
  getLayer(nameOrIndex?: string | number, index?: number): Layer {
    if (nameOrIndex === undefined && index !== undefined) nameOrIndex = index;
    if (typeof nameOrIndex === 'number') {
      const layer = this.topology.layers[nameOrIndex];
      if (!Number.isInteger(nameOrIndex) || !layer) throw new Error(`getLayer: index ${nameOrIndex} is outside the ${this.topology.layers.length} layers`);
      return layer;
    }
    if (typeof nameOrIndex !== 'string') throw new Error(`getLayer: pass a layer name or index, got ${describe(nameOrIndex)}`);
    const layer = this.topology.layers.find((l) => l.name === nameOrIndex);
    if (!layer) throw new Error(`getLayer: no layer named '${nameOrIndex}'; the model has ${this.topology.layers.map((l) => l.name).join(', ')}`);
    return layer;
  }

  /** Declared inputs: name, shape of one example, dtype. */
  get inputSpecs(): TensorSpec[] {
    return this.topology.inputs();
  }

  /** The model's inputs as symbolic tensors (shape [null, ...]); a Sequential model's are described the same way. */
  get inputs(): { name: string; shape: (number | null)[]; dtype: string }[] {
    if (this.topology instanceof LayerGraph) return [...this.topology.inputTensors];
    return this.inputSpecs.map((s) => ({ name: s.name, shape: [null, ...s.shape], dtype: s.dtype }));
  }

  get outputs(): { name: string; shape: (number | null)[]; dtype: string }[] {
    if (this.topology instanceof LayerGraph) return [...this.topology.outputTensors];
    return this.topology.outputs().map((o) => ({ name: o.name, shape: [null, ...o.shape], dtype: 'float32' }));
  }

  get inputNames(): string[] {
    return this.inputSpecs.map((s) => s.name);
  }

  get outputNames(): string[] {
    return this.topology.outputs().map((o) => o.name);
  }

  /** Shape of one example of each input (no batch dimension). */
  get inputShapes(): LayerShape[] {
    return this.inputSpecs.map((s) => s.shape);
  }

  get outputShapes(): LayerShape[] {
    return this.topology.outputs().map((o) => o.shape);
  }

  /** Shape of one example (no batch dimension) of a single-input model. */
  get inputShape(): LayerShape {
    const shapes = this.inputShapes;
    if (shapes.length !== 1) throw new Error(`${this.name} has ${shapes.length} inputs; inputShape is for models with one (use inputShapes)`);
    return shapes[0];
  }

  get outputShape(): LayerShape {
    const shapes = this.outputShapes;
    if (shapes.length !== 1) throw new Error(`${this.name} has ${shapes.length} outputs; outputShape is for models with one (use outputShapes)`);
    return shapes[0];
  }

  /** Forward pass; differentiable (record gradients with grad/variableGrads). */
  apply(x: Tensor | Tensor[] | Record<string, Tensor>, options: CallOptions = {}): Y {
    if (isSymbolic(x) || (Array.isArray(x) && x.some(isSymbolic))) {
      throw new Error(`${this.name}.apply: calling a model on symbolic tensors (nesting models) is not supported; apply its layers instead`);
    }
    const xs = dataList(x, this.inputNames, 'x', `${this.name}.apply`);
    xs.forEach((t, i) => this.checkInput(t, i));
    return this.single(this.topology.run(xs, options)) as Y;
  }

  /** The inference forward pass on one tensor per input (what multi-input plans trace). */
  forward(xs: Tensor[]): Tensor[] {
    return this.topology.run(xs, { training: false });
  }

  protected single(ys: Tensor[]): Tensor | Tensor[] {
    return ys.length === 1 ? ys[0] : ys;
  }

  /** Inference in batches of at most batchSize rows, each through a compiled plan (no gradients recorded). */
  predict(x: ModelData, options: { batchSize?: number; verbose?: boolean } = {}): Y {
    if (options === null || typeof options !== 'object') throw new Error(`predict: options must be an object like {batchSize: 32}, got ${describe(options)}`);
    const xs = dataList(x, this.inputNames, 'x', 'predict');
    xs.forEach((t, i) => this.checkInput(t, i));
    const batchSize = options.batchSize ?? 1024;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
    if (xs.length === 1 && this.outputShapes.length === 1) return runInference(this as unknown as ModelBase<Tensor>, xs[0], batchSize) as Y;
    return this.single(runGraphInference(this, xs, batchSize)) as Y;
  }

  /** predict on one batch (TensorFlow.js' predictOnBatch): every row in one plan run. */
  predictOnBatch(x: ModelData): Y {
    const rows = dataList(x, this.inputNames, 'x', 'predictOnBatch')[0].shape[0];
    return this.predict(x, { batchSize: Math.max(1, rows) });
  }

  /** Frees the buffers of every compiled plan now (they are rebuilt on next use). */
  releasePlans(): void {
    this.plans.clear();
  }

  protected checkInput(x: Tensor, i: number): void {
    const name = this.inputNames.length === 1 ? this.name : `${this.name} input '${this.inputNames[i]}'`;
    if (!(x instanceof Tensor)) throw new Error(`${name}: expected a Tensor input, got ${describe(x)}; wrap arrays with tensor2d(...)`);
    const expected = this.inputShapes[i];
    const got = x.shape.slice(1);
    if (x.rank !== expected.length + 1 || got.some((d, k) => d !== expected[k])) {
      throw new Error(
        `${name}: expected input of shape [batch, ${expected.join(', ')}], got ${formatShape(x.shape)}` +
          (x.rank === expected.length ? ' — add a batch dimension (e.g. x.reshape([1, ...]))' : ''),
      );
    }
  }

  get weights(): Variable[] {
    return this.topology.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.topology.layers.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Variable[] {
    return this.topology.layers.flatMap((l) => l.nonTrainableWeights);
  }

  getWeights(): Tensor[] {
    return this.topology.layers.flatMap((l) => l.getWeights());
  }

  setWeights(weights: readonly Tensor[]): void {
    const total = this.weights.length;
    if (!Array.isArray(weights)) throw new Error(`${this.name}.setWeights: pass a list of tensors, got ${describe(weights)}`);
    if (weights.length !== total) throw new Error(`${this.name}.setWeights: got ${weights.length} tensors, the model has ${total}`);
    let offset = 0;
    for (const layer of this.topology.layers) {
      const n = layer.weights.length;
      layer.setWeights(weights.slice(offset, offset + n));
      offset += n;
    }
  }

  countParams(): number {
    return this.topology.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  summaryRows(): SummaryRow[] {
    return this.topology.summaryRows();
  }

  /**
   * Prints each layer's output shape, parameters and forward FLOPs, to `print` (or TensorFlow.js' form:
   * summary(lineLength?, positions?, printFn?)); returns the text.
   */
  summary(printOrLineLength?: ((line: string) => void) | number, _positions?: number[], printFn?: (line: string) => void): string {
    const print = typeof printOrLineLength === 'function' ? printOrLineLength : printFn ?? console.log;
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    const out = summaryText(this.name, this.summaryRows(), this.countParams(), trainable);
    print(out);
    return out;
  }

  getConfig(): ModelConfig {
    return this.topology.getConfig(this.name);
  }

  /** The topology as JSON (glassbox's camelCase layer configs; see the README's differences from TensorFlow.js). */
  toJSON(_unused?: unknown, returnString = true): string | object {
    const doc = { className: this.constructor.name === 'Sequential' ? 'Sequential' : 'Model', config: this.getConfig(), format: 'glassbox' };
    return returnString ? JSON.stringify(doc) : doc;
  }
}
