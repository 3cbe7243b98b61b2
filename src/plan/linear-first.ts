// Models whose input first meets one linear map, z = x W + b (a dense layer, or a convolution seen as
// the matrix it applies): masking or shuffling inputs is then linear in z, so coalition and permutation
// explainers can compute z for many perturbed rows with small matrix products and run only the rest of
// the model (a plan from z). Multiply-adds per row of the model and of its rest tell callers when that pays.

import type { Graph, GraphNode, GraphValue } from './graph.js';
import { inferenceGraph, type Traceable } from './model-plans.js';
import { Plan } from './plan.js';
import { getBackend } from '../backend/backend.js';
import { substitute } from './rewrite.js';
import { valuesFrom } from './cotangent-rows.js';
import { conv2dInfo, depthwiseConv2dInfo } from '../backend/conv-geometry.js';
import { rowsWithinMemory } from './gradient-plans.js';
import type { OpAttrs } from '../ops/registry/attrs.js';

export interface FirstLinear {
  /** The op applying W: 'linear' / 'matMul' (W is the layer's kernel) or a convolution (W its matrix). */
  readonly op: string;
  /** W [inputs, units], row-major: a dense layer's own weights (they stay live), or a convolution's matrix (computed on first use). */
  readonly kernel: Float32Array;
  readonly bias: Float32Array | null;
  readonly inputs: number;
  readonly units: number;
  /** The elementwise function applied to z next ('relu', 'tanh', ...), or null when z goes on unchanged or to several ops. */
  readonly activation: string | null;
  /** Multiply-adds per row: the whole model, and the model after z (its rest). */
  readonly modelMacs: number;
  readonly restMacs: number;
  /** Most rows a plan of the rest should take at once (its buffers near 256 MiB). */
  readonly memoryRows: number;
  /** A plan from z [rows, units] (input 'z') to the model's output 'y'. */
  rest(rows: number): Plan;
}

/** The first linear map of the model's input, if the input reaches the model only through one. */
export function firstLinear(model: Traceable): FirstLinear | null {
  const probe = inferenceGraph(model, 1, 'float32');
  const found = findFirstLinear(probe.graph, probe.x);
  if (!found) return null;
  const [, wv, bv] = found.inputs;
  const weights = wv.source.kind === 'param' ? (wv.source.variable.values as Float32Array) : null;
  const bias = bv && bv.source.kind === 'param' ? (bv.source.variable.values as Float32Array) : null;
  if (!weights || (bv && !bias)) return null;
  const inputs = probe.x.size;
  const units = found.output.size;
  const conv = found.op === 'conv2d' || found.op === 'depthwiseConv2d';
  const channels = found.output.shape[found.output.shape.length - 1];
  let matrix: Float32Array | null = conv ? null : weights;
  const modelMacs = macsPerRow(probe.graph, valuesFrom(probe.graph, [probe.x]));
  return {
    op: found.op, inputs, units, activation: activationAfter(probe.graph, found), modelMacs, restMacs: modelMacs - macsOf(found), memoryRows: rowsWithinMemory(model),
    // A convolution's bias is per channel: per unit, it repeats over the positions (channels last).
    bias: bias && conv ? Float32Array.from({ length: units }, (_, u) => bias[u % channels]) : bias,
    get kernel() {
      return (matrix ??= convolutionMatrix(model, inputs));
    },
    rest: (rows) =>
      model.plans.get(`rest:${getBackend().name}:${rows}`, () => {
        const t = inferenceGraph(model, rows, 'float32');
        const node = findFirstLinear(t.graph, t.x)!;
        const z = t.graph.input('z', [rows, units]);
        const zShaped = node.output.shape.length === 2 ? z : t.graph.add('reshape', [z], { shape: [...node.output.shape] });
        const act = (node.attrs as { act?: string }).act ?? 'linear';
        const h = act === 'linear' ? zShaped : t.graph.add('unary', [zShaped], { fn: act as 'relu', alpha: 0 });
        const [y] = substitute(t.graph, new Map([[node.output, h]]), [t.y]);
        return Plan.compile(t.graph, { inputs: { z }, outputs: { y } });
      }),
  };
}

/** W of the model's first convolution as a matrix [inputs, units]: the convolution (no bias, no activation) of every unit input. */
function convolutionMatrix(model: Traceable, inputs: number): Float32Array {
  const t = inferenceGraph(model, inputs, 'float32');
  const node = findFirstLinear(t.graph, t.x)!;
  const [xin, w] = node.inputs;
  const z = t.graph.add(node.op as 'conv2d', [xin, w], { ...(node.attrs as OpAttrs['conv2d']), act: 'linear' });
  const plan = Plan.compile(t.graph, { inputs: { x: t.x }, outputs: { z } });
  try {
    const e = plan.inputs.x.fill(0);
    for (let i = 0; i < inputs; i++) e[i * inputs + i] = 1;
    plan.run();
    return Float32Array.from(plan.outputs.z as Float32Array);
  } finally {
    plan.dispose();
  }
}

/** The one node reading x (through reshapes that keep rows): x W (+ b) or a convolution of x, with W a weight. */
function findFirstLinear(graph: Graph, x: GraphValue): GraphNode | null {
  let v = x;
  for (;;) {
    const readers = graph.nodes.filter((n) => n.inputs.includes(v));
    if (readers.length !== 1) return null;
    const node = readers[0];
    if (node.inputs.indexOf(v) !== 0 || node.inputs.lastIndexOf(v) !== 0) return null;
    if (node.op === 'reshape' && node.output.shape[0] === x.shape[0]) {
      v = node.output;
      continue;
    }
    const weight = node.inputs[1];
    if (!weight || weight.source.kind !== 'param') return null;
    if (node.op === 'conv2d' || node.op === 'depthwiseConv2d') return node;
    if (weight.shape.length !== 2 || v.shape.length !== 2) return null;
    if (node.op === 'linear') return node;
    if (node.op === 'matMul') {
      const { transA, transB } = node.attrs as { transA: boolean; transB: boolean };
      return transA || transB ? null : node;
    }
    return null;
  }
}

/** The unary function a first linear node applies (fused, or as the only reader of its output). */
function activationAfter(graph: Graph, node: GraphNode): string | null {
  const act = (node.attrs as { act?: string }).act;
  if (act && act !== 'linear') return act;
  const readers = graph.nodes.filter((n) => n.inputs.includes(node.output));
  if (readers.length === 1 && readers[0].op === 'unary') return (readers[0].attrs as { fn: string }).fn;
  return null;
}

/** Multiply-adds of one row (the probe graph has one row) on the input's path. */
function macsPerRow(graph: Graph, onPath: Set<GraphValue>): number {
  let macs = 0;
  for (const node of graph.nodes) if (onPath.has(node.output)) macs += macsOf(node);
  return macs;
}

/**
 * Whether evaluating perturbed rows through z pays: `zMacs` multiply-adds per row to form z, plus the
 * rest of the model, at most 80% of the whole model's multiply-adds (the rest pays for set-up and copies).
 */
export function shortcutPays(first: FirstLinear, zMacs: number): boolean {
  return zMacs + first.restMacs <= 0.8 * first.modelMacs;
}

function macsOf(node: GraphNode): number {
  const [a, b] = node.inputs;
  const out = node.output;
  if (node.op === 'linear' || node.op === 'matMul') return out.size * a.shape[a.shape.length - 1];
  if (node.op === 'conv2d' || node.op === 'depthwiseConv2d') {
    const attrs = node.attrs as OpAttrs['conv2d'];
    const c = (node.op === 'conv2d' ? conv2dInfo : depthwiseConv2dInfo)(a.shape, b.shape, attrs.strides, attrs.padding, attrs.dilations);
    return out.size * c.kH * c.kW * (node.op === 'conv2d' ? c.inC : 1);
  }
  return out.size;
}
