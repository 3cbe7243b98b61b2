// Backward passes with several cotangents per forward row: the forward pass runs once on its rows and
// the backward pass on a grid of cotangent rows (one per explained output, or per (row, reference)
// pair). Gradient rules see the forward values they read repeated to the cotangent rows, and only
// those: a value is repeated (one copy, repeatRows) the first time an emitted op actually reads it.

import { OPS } from '../ops/registry/index.js';
import type { Emitter, VjpArgs, VjpRule } from '../ops/registry/types.js';
import { addGradients } from './autodiff.js';
import { type Graph, type GraphNode, GraphValue } from './graph.js';

/** How forward values map to cotangent rows. */
export interface CotangentRows {
  /** Rows of every cotangent in the backward pass. */
  readonly rows: number;
  /** True for forward values whose rows are forward rows (values on the input's path). */
  isRowValue(v: GraphValue): boolean;
  /** A row value as the backward pass reads it: its rows repeated to the cotangent rows. */
  expand(v: GraphValue): GraphValue;
}

/** A node's gradient in cotangent rows, by a caller's own rule; null falls back to the op's VJP rule. */
export type CotangentRule = (
  node: GraphNode, e: Emitter<GraphValue>, args: VjpArgs<GraphValue, unknown>, expanded: (v: GraphValue) => GraphValue,
) => (GraphValue | null)[] | null;

/**
 * Adds nodes computing the gradient of sum(seed * of) with respect to each of `wrt`, where seed holds
 * `rows.rows` cotangent rows per the layout `rows` describes. Gradients come out in cotangent rows.
 */
export function addCotangentGradients(
  graph: Graph, of: GraphValue, wrt: readonly GraphValue[], seed: GraphValue, rows: CotangentRows, rule?: CotangentRule,
): (GraphValue | null)[] {
  const expandedOf = new Map<GraphValue, GraphValue>();
  const expanded = (v: GraphValue): GraphValue => {
    if (!rows.isRowValue(v)) return v;
    let t = expandedOf.get(v);
    if (!t) expandedOf.set(v, (t = rows.expand(v)));
    return t;
  };
  // Stand-ins carry the expanded shape; the emitter swaps each for the real expansion when an op reads it.
  const standIns = new Map<GraphValue, GraphValue>();
  const standInFor = new Map<GraphValue, GraphValue>();
  const standIn = (v: GraphValue): GraphValue => {
    if (!rows.isRowValue(v)) return v;
    let s = standInFor.get(v);
    if (!s) {
      s = new GraphValue(-1, [rows.rows, ...v.shape.slice(1)], v.dtype, { kind: 'input', name: `value ${v.id} in cotangent rows` });
      standInFor.set(v, s);
      standIns.set(s, v);
    }
    return s;
  };
  const resolve = (v: GraphValue): GraphValue => {
    const forward = standIns.get(v);
    return forward ? expanded(forward) : v;
  };
  const base = graph.emitter();
  const lazy: Emitter<GraphValue> = { op: (name, inputs, attrs) => base.op(name, inputs.map(resolve), attrs), constant: base.constant };
  return addGradients(graph, of, wrt, seed, (node, _e, args) => {
    // A node that makes a wrt value from values outside the path (x and r joined) needs no rule.
    if (!args.needs.some(Boolean)) return args.inputs.map(() => null);
    const lazyArgs = { ...args, inputs: args.inputs.map(standIn), output: standIn(args.output) };
    let grads = rule ? rule(node, lazy, lazyArgs, expanded) : null;
    if (!grads) {
      const vjp = OPS[node.op].vjp;
      if (vjp === 'zero' || vjp === 'none') return null;
      grads = (vjp as VjpRule<unknown>)(lazy, lazyArgs);
    }
    return grads.map((g) => g && resolve(g));
  });
}

/** Values that depend on any of `inputs`, in graph order. */
export function valuesFrom(graph: Graph, inputs: readonly GraphValue[]): Set<GraphValue> {
  const from = new Set<GraphValue>(inputs);
  for (const node of graph.nodes) if (node.inputs.some((v) => from.has(v))) from.add(node.output);
  return from;
}

/**
 * v's rows spread over a grid of rows (row-major): v's rows run over the grid axes in `axes`, and are
 * repeated along the others. Returns v itself when nothing repeats.
 */
export function repeatOver(graph: Graph, v: GraphValue, grid: readonly number[], axes: readonly number[]): GraphValue {
  if (grid.every((d, a) => d === 1 || axes.includes(a))) return v;
  return graph.add('repeatRows', [v], { grid: [...grid], axes: [...axes] });
}

/** The check every layout makes: a value on the input's path must keep its rows first. */
export function checkRowsFirst(v: GraphValue, rows: number, what: string): void {
  if (v.shape[0] !== rows) {
    const node = v.source.kind === 'node' ? ` made by op '${v.source.node.op}'` : '';
    throw new Error(`${what}: the value${node} has shape [${v.shape}], but every value on the input's path must keep its ${rows} rows first`);
  }
}
