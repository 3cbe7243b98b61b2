// Graph rewriting: re-emit the nodes of a graph with some values replaced, so a plan can start from a
// cut point (an inner value as its input) or run a model with fused ops split back into primitives.

import type { Graph, GraphNode, GraphValue } from './graph.js';

/**
 * Walks the graph's nodes in order. `rule` may return a value to stand for a node's output (adding
 * whatever nodes it needs, from the node's already-rewritten inputs); otherwise a node whose inputs
 * changed is re-emitted with the new inputs. Returns what each of `wanted` became.
 */
export function rewrite(
  graph: Graph, wanted: readonly GraphValue[],
  rule: (node: GraphNode, inputs: GraphValue[]) => GraphValue | null,
  replaced: ReadonlyMap<GraphValue, GraphValue> = new Map(),
): GraphValue[] {
  const map = rewriteAll(graph, rule, replaced);
  return wanted.map((v) => map.get(v) ?? v);
}

/** rewrite, returning what every rewritten value became (values not in the map are unchanged). */
export function rewriteAll(
  graph: Graph, rule: (node: GraphNode, inputs: GraphValue[]) => GraphValue | null,
  replaced: ReadonlyMap<GraphValue, GraphValue> = new Map(),
): Map<GraphValue, GraphValue> {
  const map = new Map(replaced);
  for (const node of graph.nodes.slice()) {
    if (map.has(node.output)) continue;
    const inputs = node.inputs.map((v) => map.get(v) ?? v);
    const out = rule(node, inputs);
    if (out) map.set(node.output, out);
    else if (inputs.some((v, i) => v !== node.inputs[i])) map.set(node.output, graph.add(node.op, inputs, node.attrs as never));
  }
  return map;
}

/** Replaces values (e.g. an inner activation by a new plan input) and re-emits everything downstream. */
export function substitute(graph: Graph, replacements: ReadonlyMap<GraphValue, GraphValue>, wanted: readonly GraphValue[]): GraphValue[] {
  return rewrite(graph, wanted, () => null, replacements);
}

/** Splits each fused dense or conv op's activation into its own unary op (DeepLIFT treats the two differently). */
export function unfuseActivations(graph: Graph, wanted: readonly GraphValue[]): GraphValue[] {
  return rewrite(graph, wanted, (node, inputs) => {
    if (node.op !== 'linear' && node.op !== 'conv2d' && node.op !== 'depthwiseConv2d') return null;
    const act = (node.attrs as { act: string }).act;
    if (act === 'linear') return null;
    const z = graph.add(node.op, inputs, { ...(node.attrs as object), act: 'linear' } as never);
    return graph.add('unary', [z], { fn: act as 'relu' | 'sigmoid' | 'tanh', alpha: 0 });
  });
}
