// Traces a function of tensors into a Graph: it runs once, eagerly, on sample inputs, while every op it
// calls is recorded as a node. Tensors that no op produced become parameters (variables) or constants.

import { Tensor } from '../tensor/tensor.js';
import { Variable } from '../autograd/variable.js';
import { noGrad } from '../autograd/tape.js';
import { withTraceRecorder, type OpRecord } from '../ops/run.js';
import type { OpAttrs, OpName } from '../ops/registry/index.js';
import { Graph, type GraphValue } from './graph.js';

export interface Traced {
  graph: Graph;
  inputs: GraphValue[];
  outputs: Record<string, GraphValue>;
}

/**
 * Runs fn on the given sample inputs and returns the graph of what it computed. fn must reach its
 * outputs through ops only (no reading of values to decide what to compute), as layers do.
 */
export function traceGraph(inputs: { name: string; sample: Tensor }[], fn: (xs: Tensor[]) => Record<string, Tensor>): Traced {
  const graph = new Graph();
  const known = new Map<Tensor, GraphValue>();
  const graphInputs = inputs.map(({ name, sample }) => {
    const v = graph.input(name, sample.shape, sample.dtype);
    known.set(sample, v);
    return v;
  });
  const resolve = (t: Tensor): GraphValue => {
    let v = known.get(t);
    if (!v) {
      v = t instanceof Variable ? graph.param(t) : graph.constant(t.values.slice(), t.shape, t.dtype);
      known.set(t, v);
    }
    return v;
  };
  const producers = new Map<Tensor, OpRecord>();
  const recorder = {
    record: <P extends OpName>(op: P, ins: readonly Tensor[], attrs: OpAttrs[P], out: Tensor) => {
      known.set(out, graph.add(op, ins.map(resolve), attrs));
      producers.set(out, { op, inputs: ins, attrs });
    },
    producerOf: (t: Tensor) => producers.get(t) ?? null,
  };
  const results = noGrad(() => withTraceRecorder(recorder, () => fn(inputs.map((i) => i.sample))));
  const outputs: Record<string, GraphValue> = {};
  for (const [name, t] of Object.entries(results)) outputs[name] = resolve(t);
  return { graph, inputs: graphInputs, outputs };
}
