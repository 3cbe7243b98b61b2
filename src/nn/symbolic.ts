// Symbolic tensors for the functional API: `input({shape})` and `layer.apply(symbolic)` record which
// layer was called on what, without computing anything; `model({inputs, outputs})` reads the graph back.

import type { DType } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Layer, LayerShape } from './layer.js';
import { describe } from '../util/describe.js';

/** One call of a layer on symbolic inputs: the edge list of a functional model. */
export interface LayerNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  readonly output: SymbolicTensor;
  /** Position of this call among the layer's calls (a shared layer has several). */
  readonly index: number;
}

/** A placeholder for a batch of values: shape [null, ...exampleShape], the layer call that makes it. */
export class SymbolicTensor {
  /** TensorFlow.js shape: the batch dimension is null. */
  readonly shape: (number | null)[];

  constructor(
    /** Shape of one example (no batch dimension). */
    readonly exampleShape: LayerShape,
    readonly dtype: DType,
    readonly node: LayerNode,
    readonly name: string,
  ) {
    this.shape = [null, ...exampleShape];
  }

  get rank(): number {
    return this.shape.length;
  }

  get sourceLayer(): Layer {
    return this.node.layer;
  }

  toString(): string {
    return `SymbolicTensor ${this.name} ${formatShape(this.exampleShape.length ? ['batch' as unknown as number, ...this.exampleShape] : ['batch' as unknown as number])}`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}

/** True for a symbolic tensor or a non-empty list holding one. */
export function hasSymbolic(x: unknown): boolean {
  return isSymbolic(x) || (Array.isArray(x) && x.some(isSymbolic));
}

/**
 * Records `layer` called on symbolic inputs: builds it for their shapes on first use (so its weights
 * exist at once, as in Keras), infers the output shape, and returns the output placeholder.
 */
export function applySymbolic(layer: Layer, inputs: readonly SymbolicTensor[]): SymbolicTensor {
  if (inputs.length === 0) throw new Error(`${layer.name}: apply needs at least one input`);
  inputs.forEach((t, i) => {
    if (!isSymbolic(t)) {
      throw new Error(`${layer.name}.apply: input ${i} is ${describe(t)}; mix no concrete tensors into a list of symbolic ones (make constants with a layer)`);
    }
  });
  const shapes = inputs.map((t) => [...t.exampleShape]);
  const outShape = layer.outputShapeFor(shapes);
  const node = { layer, inputs: [...inputs], index: layer.inboundNodes.length } as unknown as { output: SymbolicTensor } & LayerNode;
  const suffix = node.index === 0 ? '' : `_${node.index}`;
  node.output = new SymbolicTensor(outShape, layer.outputDtype(inputs.map((t) => t.dtype)), node, `${layer.name}${suffix}/output`);
  layer.inboundNodes.push(node);
  return node.output;
}

export { describe };

/** The symbolic tensor an input layer starts a graph with (a node without inputs). */
export function sourceTensor(layer: Layer, exampleShape: LayerShape, dtype: DType): SymbolicTensor {
  if (layer.inboundNodes.length > 0) return layer.inboundNodes[0].output;
  const node = { layer, inputs: [], index: 0 } as unknown as { output: SymbolicTensor } & LayerNode;
  node.output = new SymbolicTensor([...exampleShape], dtype, node, layer.name);
  layer.inboundNodes.push(node);
  return node.output;
}
