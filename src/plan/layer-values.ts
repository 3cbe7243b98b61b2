// Inner values of a traced model that explainers attribute to: a named layer's output (found by
// watching the layer's own apply() while the model is traced) and the last convolution's output.

import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import type { Graph, GraphValue } from './graph.js';
import type { Traceable } from './model-plans.js';
import { traceGraph } from './trace.js';
import { valuesFrom } from './cotangent-rows.js';

interface NamedLayer {
  readonly name: string;
  apply(x: Tensor, options?: object): Tensor;
}

/** The model's layers, when it lists them (Sequential and functional models do). */
export function layersOf(model: Traceable): NamedLayer[] {
  const layers = (model as unknown as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return [];
  return layers.filter((l): l is NamedLayer => typeof l === 'object' && l !== null && typeof l.name === 'string' && typeof l.apply === 'function');
}

/**
 * The inference graph for `rows` rows with the output of layer `name` as h (its last call, when the
 * model calls it more than once). The layer is found in model.layers; its apply() is watched only
 * while the model is traced.
 */
export function inferenceGraphAt(model: Traceable, rows: number, name: string): { graph: Graph; x: GraphValue; y: GraphValue; h: GraphValue } {
  const layers = layersOf(model);
  const layer = layers.find((l) => l.name === name);
  if (!layer) {
    const names = layers.map((l) => l.name);
    throw new Error(`explain: the model has no layer named '${name}'; its layers: ${names.length > 0 ? names.join(', ') : '(none listed)'}`);
  }
  let captured: Tensor | null = null;
  const own = Object.prototype.hasOwnProperty.call(layer, 'apply') ? layer.apply : null;
  const original = layer.apply;
  (layer as { apply: NamedLayer['apply'] }).apply = function watched(this: NamedLayer, x: Tensor, options?: object) {
    const out = original.call(this, x, options);
    captured = out;
    return out;
  };
  try {
    const t = traceGraph([{ name: 'x', sample: zeros([rows, ...model.inputShape]) }], ([x]) => {
      const y = model.apply(x, { training: false });
      if (!captured) throw new Error(`explain: layer '${name}' was not called by the model's forward pass`);
      return { y, h: captured };
    });
    const h = t.outputs.h;
    if (!valuesFrom(t.graph, t.inputs).has(h)) throw new Error(`explain: the output of layer '${name}' does not depend on the model's input`);
    return { graph: t.graph, x: t.inputs[0], y: t.outputs.y, h };
  } finally {
    if (own) (layer as { apply: NamedLayer['apply'] }).apply = own;
    else delete (layer as { apply?: unknown }).apply;
  }
}

/** The output of the last convolution (conv2d or depthwise) on x's path, after its fused activation. */
export function lastConvolution(graph: Graph, x: GraphValue): GraphValue {
  const onPath = valuesFrom(graph, [x]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if ((node.op === 'conv2d' || node.op === 'depthwiseConv2d') && onPath.has(node.output)) return node.output;
  }
  throw new Error("gradCam: the model has no convolution; name a layer whose output is an image-like map ({ layer: '...' })");
}

/**
 * The image grid of the model's input: [height, width, channels] when rows are images (rank 3 or 4) or
 * are reshaped into one before any other op (e.g. 784 pixels to [28, 28, 1]); null otherwise.
 */
export function inputGrid(graph: Graph, x: GraphValue): [number, number, number] | null {
  let v = x;
  for (;;) {
    if (v.shape.length === 4) return [v.shape[1], v.shape[2], v.shape[3]];
    if (v.shape.length === 3 && v === x) return [v.shape[1], v.shape[2], 1];
    const readers = graph.nodes.filter((n) => n.inputs.includes(v));
    const reshape = readers.find((n) => n.op === 'reshape' && n.output.shape[0] === x.shape[0]);
    if (!reshape) return null;
    v = reshape.output;
  }
}
