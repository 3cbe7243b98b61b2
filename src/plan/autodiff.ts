// Reverse-mode differentiation on a traced graph: each op's registry rule adds the nodes of its
// vector-Jacobian product, so a plan's backward pass is graph nodes like its forward pass.

import { OPS } from '../ops/registry/index.js';
import type { Emitter, VjpArgs } from '../ops/registry/types.js';
import type { Graph, GraphNode, GraphValue } from './graph.js';

/** Replaces a node's gradient rule (DeepLIFT swaps nonlinearities' derivatives for secant slopes); null keeps the op's own. */
export type RuleOverride = (node: GraphNode, e: Emitter<GraphValue>, args: VjpArgs<GraphValue, unknown>) => (GraphValue | null)[] | null;

/**
 * Adds nodes computing d(sum(seed * of)) / d(wrt[i]) to the graph; seed defaults to ones (for a scalar
 * loss). Returns null for a value `of` does not depend on.
 */
export function addGradients(graph: Graph, of: GraphValue, wrt: readonly GraphValue[], seed?: GraphValue, override?: RuleOverride): (GraphValue | null)[] {
  const e = graph.emitter();
  const forward = graph.nodes.slice(); // the nodes present now; rules append more as they run
  // Values that depend on some wrt value, in forward order.
  const depends = new Set<GraphValue>(wrt);
  for (const node of forward) {
    if (node.inputs.some((v) => depends.has(v)) && OPS[node.op].vjp !== 'zero') depends.add(node.output);
  }
  const cotangent = new Map<GraphValue, GraphValue>([[of, seed ?? e.constant(1, of.shape, 'float32')]]);
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    const dy = cotangent.get(node.output);
    if (!dy || !depends.has(node.output)) continue;
    const needs = node.inputs.map((v) => depends.has(v) && v.dtype === 'float32');
    const args = { inputs: node.inputs, output: node.output, dy, attrs: node.attrs as unknown, needs };
    let grads = override ? override(node, e, args) : null;
    if (!grads) {
      const rule = OPS[node.op].vjp;
      if (rule === 'zero') continue;
      if (rule === 'none') throw new Error(`gradient: op '${node.op}' has no gradient rule (higher-order gradients of it are not supported)`);
      grads = (rule as (e: Emitter<GraphValue>, a: typeof args) => (GraphValue | null)[])(e, args);
    }
    node.inputs.forEach((v, k) => {
      const g = grads[k];
      if (!g || !needs[k]) return;
      const prev = cotangent.get(v);
      cotangent.set(v, prev ? e.op('binary', [prev, g], { fn: 'add' }) : g);
    });
  }
  return wrt.map((v) => cotangent.get(v) ?? null);
}
