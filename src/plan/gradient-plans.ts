// Gradient plans for explainers: one forward pass over a batch of points and one backward pass for every
// requested output of every point (a [outputs x points] cotangent), with respect to the input or to an
// inner value (a named layer's output, the last convolution's feature maps).

import { getBackend } from '../backend/backend.js';
import { addCotangentGradients, checkRowsFirst, repeatOver, valuesFrom, type CotangentRows } from './cotangent-rows.js';
import type { Graph, GraphValue } from './graph.js';
import { inferenceGraph, inferencePlan, type Traceable } from './model-plans.js';
import { Plan } from './plan.js';
import { inferenceGraphAt, lastConvolution } from './layer-values.js';
import { substitute } from './rewrite.js';

/** Cotangent rows [copies][rows] over forward values with `rows` rows on the path from `from`. */
export function copiesLayout(graph: Graph, from: readonly GraphValue[], rows: number, copies: number, what: string): CotangentRows {
  const onPath = valuesFrom(graph, from);
  return {
    rows: rows * copies,
    isRowValue: (v) => copies > 1 && onPath.has(v),
    expand: (v) => {
      checkRowsFirst(v, rows, what);
      return repeatOver(graph, v, [copies, rows], [1]);
    },
  };
}

/** d(sum(dy * y)) / d(wrt) for `copies` cotangents per row; dy is a new input 'dy' [copies * rows, ...y]. */
function gradientsFor(graph: Graph, from: readonly GraphValue[], y: GraphValue, wrt: readonly GraphValue[], rows: number, copies: number, what: string) {
  const dy = graph.input('dy', [copies * rows, ...y.shape.slice(1)]);
  const grads = addCotangentGradients(graph, y, wrt, dy, copiesLayout(graph, from, rows, copies, what));
  if (grads.some((g) => !g)) throw new Error(`${what}: the model's output does not depend differentiably on its input`);
  return { dy, grads: grads as GraphValue[] };
}

/**
 * Input gradients of `copies` cotangents per row: inputs 'x' [rows, ...] and 'dy' [copies * rows, outputs]
 * laid out [copy][row]; outputs 'y' = f(x) [rows, outputs] and 'dx' [copies * rows, ...].
 */
export function inputGradientsPlan(model: Traceable, rows: number, copies: number): Plan {
  return model.plans.get(`grads:${getBackend().name}:${rows}x${copies}`, () => {
    const { graph, x, y } = inferenceGraph(model, rows, 'float32');
    const { dy, grads: [dx] } = gradientsFor(graph, [x], y, [x], rows, copies, 'gradients');
    return Plan.compile(graph, { inputs: { x, dy }, outputs: { y, dx } });
  });
}

/**
 * Gradients at a layer's output (default: the last convolution's): inputs 'x' and 'dy' as above; outputs
 * 'y', 'h' = the layer's output [rows, ...] and 'dh' [copies * rows, ...]. Grad-CAM reads these.
 */
export function layerGradientsPlan(model: Traceable, rows: number, copies: number, layer: string | null): Plan {
  return model.plans.get(`layergrads:${layer ?? '<last conv>'}:${getBackend().name}:${rows}x${copies}`, () => {
    const t = layer === null ? withLastConvolution(model, rows) : inferenceGraphAt(model, rows, layer);
    const { dy, grads: [dh] } = gradientsFor(t.graph, [t.x], t.y, [t.h], rows, copies, 'gradCam');
    return Plan.compile(t.graph, { inputs: { x: t.x, dy }, outputs: { y: t.y, h: t.h, dh } });
  });
}

function withLastConvolution(model: Traceable, rows: number) {
  const t = inferenceGraph(model, rows, 'float32');
  return { ...t, h: lastConvolution(t.graph, t.x) };
}

/** A layer's output on `rows` rows: input 'x', output 'h'. */
export function layerValuesPlan(model: Traceable, rows: number, layer: string): Plan {
  return model.plans.get(`layer:${layer}:${getBackend().name}:${rows}`, () => {
    const t = inferenceGraphAt(model, rows, layer);
    return Plan.compile(t.graph, { inputs: { x: t.x }, outputs: { h: t.h } });
  });
}

/**
 * The rest of the model from a layer's output: inputs 'h' [rows, ...layer] (standing for the layer's
 * output), 'x' (the model's input, read only by paths around the layer) and 'dy'; outputs 'y' and
 * 'dh' [copies * rows, ...layer]. Layer integrated gradients run on it.
 */
export function layerRestGradientsPlan(model: Traceable, rows: number, copies: number, layer: string): Plan {
  return model.plans.get(`layerrest:${layer}:${getBackend().name}:${rows}x${copies}`, () => {
    const t = inferenceGraphAt(model, rows, layer);
    const h = t.graph.input('h', t.h.shape);
    const [y] = substitute(t.graph, new Map([[t.h, h]]), [t.y]);
    const { dy, grads: [dh] } = gradientsFor(t.graph, [t.x, h], y, [h], rows, copies, 'layerIntegratedGradients');
    return Plan.compile(t.graph, { inputs: { h, x: t.x, dy }, outputs: { y, dh } });
  });
}

/**
 * Most rows a plan of this model should run at once so that its buffers stay near `bytes` (default 64 MiB:
 * a model keeps up to 8 plans, and the threaded wasm backend has 1 GiB in all). The inference plan of one
 * row tells the model's activation bytes per row; a backward pass about triples them.
 */
export function rowsWithinMemory(model: Traceable, bytes = 64 * 2 ** 20): number {
  const perRow = inferencePlan(model, 1).stats.bufferBytes;
  return Math.max(1, Math.floor(bytes / (3 * Math.max(perRow, 1))));
}
