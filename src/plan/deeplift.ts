// DeepLIFT as a plan, for any model built from ops that carry a DeepLIFT rule: the model runs on the
// explained rows and on reference rows, then multipliers flow back like gradients, except that each
// elementwise nonlinearity passes the secant slope (f(x) - f(r)) / (x - r) and softmax its averaged
// Jacobian. Hence sum_i m_i (x_i - r_i) = f(x) - f(r) for every output (the additivity tests check it).

import { OPS } from '../ops/registry/index.js';
import type { DeepLiftRule, OpDef } from '../ops/registry/types.js';
import { getBackend } from '../backend/backend.js';
import { addGradients } from './autodiff.js';
import type { Graph, GraphNode, GraphValue } from './graph.js';
import { inferenceGraph, type Traceable } from './model-plans.js';
import { Plan } from './plan.js';
import { rewriteAll, unfuseActivations } from './rewrite.js';

export function deepLiftRule(node: GraphNode): DeepLiftRule {
  const rule = (OPS[node.op] as OpDef<unknown>).deeplift;
  return typeof rule === 'function' ? rule(node.attrs) : rule;
}

/**
 * Inputs 'x' (explained rows), 'r' (their references) and 'seed' (a cotangent over the outputs, one row
 * per pair); outputs 'm' = multipliers of sum(seed * f) with respect to x, 'y' = f(x) and 'yr' = f(r).
 */
export function deepLiftPlan(model: Traceable, rows: number): Plan {
  return model.plans.get(`deeplift:${getBackend().name}:${rows}`, () => {
    const t = inferenceGraph(model, rows, 'float32');
    const [y] = unfuseActivations(t.graph, [t.y]);
    checkRules(t.graph, t.x, y);
    const r = t.graph.input('r', t.x.shape);
    // The same forward pass on the references: every value on x's path gets its reference twin.
    const twin = rewriteAll(t.graph, () => null, new Map([[t.x, r]]));
    const yr = twin.get(y) ?? y;
    const seed = t.graph.input('seed', y.shape);
    const [m] = addGradients(t.graph, y, [t.x], seed, (node, e, { inputs, output, dy }) => {
      const rule = deepLiftRule(node);
      const ref = (v: GraphValue) => twin.get(v) ?? v;
      if (rule === 'rescale') {
        const { fn, alpha } = node.attrs as { fn: never; alpha: number };
        return [e.op('rescaleGrad', [inputs[0], ref(inputs[0]), output, ref(output), dy], { fn, alpha })];
      }
      if (rule === 'softmax') return [e.op('softmaxRescaleGrad', [inputs[0], ref(inputs[0]), output, ref(output), dy], {})];
      return null;
    });
    if (!m) throw new Error("deepShap: the model's output does not depend on its input");
    return Plan.compile(t.graph, { inputs: { x: t.x, r, seed }, outputs: { m, y, yr } });
  });
}

/** Every op between x and y needs a DeepLIFT rule; products need one operand independent of x. */
function checkRules(graph: Graph, x: GraphValue, y: GraphValue): void {
  const fromX = new Set<GraphValue>([x]);
  for (const node of graph.nodes) if (node.inputs.some((v) => fromX.has(v))) fromX.add(node.output);
  const toY = new Set<GraphValue>([y]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (toY.has(node.output)) node.inputs.forEach((v) => toY.add(v));
  }
  for (const node of graph.nodes) {
    if (!fromX.has(node.output) || !toY.has(node.output)) continue;
    const rule = deepLiftRule(node);
    const dependent = node.inputs.filter((v) => fromX.has(v)).length;
    if (rule === 'none' || (rule === 'scale' && dependent > 1)) {
      throw new Error(
        `deepShap: op '${node.op}' (${JSON.stringify(node.attrs)}) has no DeepLIFT rule${rule === 'scale' ? ' when both operands depend on the input' : ''}; ` +
          'use kernelShap or gradientShap for this model',
      );
    }
  }
}
