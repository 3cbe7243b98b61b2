// Models whose input first meets one linear map, z = x W + b: masking or shuffling inputs is then
// linear in z, so coalition and permutation explainers compute z for many perturbed rows with one
// small matrix product and run only the rest of the model (a plan from z) on them.

import type { Graph, GraphNode, GraphValue } from './graph.js';
import { inferenceGraph, type Traceable } from './model-plans.js';
import { Plan } from './plan.js';
import { getBackend } from '../backend/backend.js';
import { substitute } from './rewrite.js';

export interface FirstLinear {
  /** W [inputs, units], row-major: the model's own weights (they stay live). */
  kernel: Float32Array;
  bias: Float32Array | null;
  inputs: number;
  units: number;
  /** The elementwise function applied to z next ('relu', 'tanh', ...), or null when z goes on unchanged or to several ops. */
  activation: string | null;
  /** A plan from z [rows, units] (input 'z') to the model's output 'y'. */
  rest(rows: number): Plan;
}

/** The first linear map of the model's input, if the input reaches the model only through one. */
export function firstLinear(model: Traceable): FirstLinear | null {
  const probe = inferenceGraph(model, 1, 'float32');
  const found = findFirstLinear(probe.graph, probe.x);
  if (!found) return null;
  const [, wv, bv] = found.inputs;
  const kernel = wv.source.kind === 'param' ? (wv.source.variable.values as Float32Array) : null;
  const bias = bv && bv.source.kind === 'param' ? (bv.source.variable.values as Float32Array) : null;
  if (!kernel || (bv && !bias)) return null;
  const [inputs, units] = wv.shape;
  return {
    kernel, bias, inputs, units, activation: activationAfter(probe.graph, found),
    rest: (rows) =>
      model.plans.get(`rest:${getBackend().name}:${rows}`, () => {
        const t = inferenceGraph(model, rows, 'float32');
        const node = findFirstLinear(t.graph, t.x)!;
        const z = t.graph.input('z', [rows, units]);
        const act = node.op === 'linear' ? (node.attrs as { act: string }).act : 'linear';
        const h = act === 'linear' ? z : t.graph.add('unary', [z], { fn: act as 'relu', alpha: 0 });
        const [y] = substitute(t.graph, new Map([[node.output, h]]), [t.y]);
        return Plan.compile(t.graph, { inputs: { z }, outputs: { y } });
      }),
  };
}

/** The one node reading x (through reshapes that keep rows), if it is x W (+ b) with W a weight. */
function findFirstLinear(graph: Graph, x: GraphValue): GraphNode | null {
  let v = x;
  for (;;) {
    const readers = graph.nodes.filter((n) => n.inputs.includes(v));
    if (readers.length !== 1) return null;
    const node = readers[0];
    if (node.inputs.indexOf(v) !== 0 || node.inputs.lastIndexOf(v) !== 0) return null;
    if (node.op === 'reshape' && node.output.shape.length === 2 && node.output.shape[0] === x.shape[0]) {
      v = node.output;
      continue;
    }
    const weightOk = node.inputs[1]?.source.kind === 'param' && node.inputs[1].shape.length === 2;
    if (node.op === 'linear' && weightOk) return node;
    if (node.op === 'matMul' && weightOk && v.shape.length === 2) {
      const { transA, transB } = node.attrs as { transA: boolean; transB: boolean };
      return transA || transB ? null : node;
    }
    return null;
  }
}

/** The unary function a first linear node applies (fused, or as the only reader of its output). */
function activationAfter(graph: Graph, node: GraphNode): string | null {
  if (node.op === 'linear') {
    const act = (node.attrs as { act: string }).act;
    if (act !== 'linear') return act;
  }
  const readers = graph.nodes.filter((n) => n.inputs.includes(node.output));
  if (readers.length === 1 && readers[0].op === 'unary') return (readers[0].attrs as { fn: string }).fn;
  return null;
}
