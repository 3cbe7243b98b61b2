// DeepLIFT as a plan, for any model built from ops that carry a DeepLIFT rule. The model runs once on the
// explained rows and once on the reference rows (one batch: x then r); multipliers then flow back like
// gradients over a grid of cotangent rows [target][row][reference], each rule reading the x side and the
// reference side of the values it needs. Every rule is exact for the difference it explains, hence
// sum_i m_i (x_i - r_i) = f(x) - f(r) for every pair and output (the additivity tests check it).

import { OPS } from '../ops/registry/index.js';
import { unbroadcast } from '../ops/registry/emit.js';
import type { DeepLiftRule, Emitter, OpDef, VjpArgs, VjpRule } from '../ops/registry/types.js';
import type { UnaryOp } from '../backend/backend.js';
import { sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';
import { addCotangentGradients, checkRowsFirst, repeatOver, valuesFrom } from './cotangent-rows.js';
import type { Graph, GraphNode, GraphValue } from './graph.js';
import { inferenceGraph, type Traceable } from './model-plans.js';
import { Plan } from './plan.js';
import { substitute, unfuseActivations } from './rewrite.js';

export function deepLiftRule(node: GraphNode): DeepLiftRule {
  const rule = (OPS[node.op] as OpDef<unknown>).deeplift;
  return typeof rule === 'function' ? rule(node.attrs) : rule;
}

/** The shape of a DeepLIFT plan: explained rows, reference rows and outputs explained per pair. */
export interface DeepLiftShape {
  rows: number;
  references: number;
  targets: number;
}

/**
 * Inputs 'x' [rows, ...] (explained rows), 'r' [references, ...] and 'seed' [targets * rows * references,
 * outputs] (one cotangent per pair and target, laid out [target][row][reference]); outputs 'm' (multipliers
 * of sum(seed * f) with respect to x, one row per pair and target, same layout), 'y' = f(x) and 'yr' = f(r).
 */
export function deepLiftPlan(model: Traceable, shape: DeepLiftShape): Plan {
  const { rows: R, references: N, targets: T } = shape;
  return model.plans.get(`deeplift:${getBackend().name}:${R}x${N}x${T}`, () => {
    // One forward batch: the explained rows, then the references; every value's x side and reference side are row slices of it.
    const t = inferenceGraph(model, R + N, 'float32');
    const g = t.graph;
    const x = g.input('x', [R, ...t.x.shape.slice(1)]);
    const r = g.input('r', [N, ...t.x.shape.slice(1)]);
    const both = g.add('concat', [x, r], { axis: 0 });
    const [yBoth] = unfuseActivations(g, [t.y]);
    const [y] = substitute(g, new Map([[t.x, both]]), [yBoth]);
    checkRules(g, both, y);
    const sides = new Sides(g, valuesFrom(g, [both]), R, N, T);
    const seed = g.input('seed', [T * R * N, ...y.shape.slice(1)]);
    const layout = { rows: T * R * N, isRowValue: (v: GraphValue) => sides.onPath.has(v), expand: (v: GraphValue) => sides.cot(v, 'x') };
    const [m] = addCotangentGradients(g, y, [both], seed, layout, (node, e, args) => deepLiftGradient(sides, node, e, args));
    if (!m) throw new Error("deepShap: the model's output does not depend on its input");
    return Plan.compile(g, { inputs: { x, r, seed }, outputs: { m, y: sides.side(y, 'x'), yr: sides.side(y, 'r') } });
  });
}

/**
 * The row spaces of the backward pass: forward values have R + N rows (x side, then reference side);
 * pair values have R * N rows [row][reference]; cotangents T * R * N rows [target][row][reference].
 */
class Sides {
  private readonly cache = new Map<string, GraphValue>();

  constructor(readonly g: Graph, readonly onPath: Set<GraphValue>, readonly R: number, readonly N: number, readonly T: number) {}

  private memo(key: string, make: () => GraphValue): GraphValue {
    let v = this.cache.get(key);
    if (!v) this.cache.set(key, (v = make()));
    return v;
  }

  /** The x side (first R rows) or reference side (last N rows) of a forward value; a view. */
  side(v: GraphValue, which: 'x' | 'r'): GraphValue {
    if (!this.onPath.has(v)) return v;
    return this.memo(`${which}${v.id}`, () => {
      checkRowsFirst(v, this.R + this.N, 'deepShap');
      const begin = v.shape.map(() => 0);
      const size = [...v.shape];
      if (which === 'r') begin[0] = this.R;
      size[0] = which === 'x' ? this.R : this.N;
      return this.g.add('slice', [v], { begin, size });
    });
  }

  /** One side of a forward value in pair rows [R][N]. */
  pair(v: GraphValue, which: 'x' | 'r'): GraphValue {
    if (!this.onPath.has(v)) return v;
    return this.memo(`p${which}${v.id}`, () => repeatOver(this.g, this.side(v, which), [this.R, this.N], which === 'x' ? [0] : [1]));
  }

  /** One side of a forward value in cotangent rows [T][R][N]. */
  cot(v: GraphValue, which: 'x' | 'r'): GraphValue {
    if (!this.onPath.has(v)) return v;
    return this.memo(`c${which}${v.id}`, () => repeatOver(this.g, this.side(v, which), [this.T, this.R, this.N], which === 'x' ? [1] : [2]));
  }

  /** A pair value in cotangent rows. */
  pairToCot(v: GraphValue): GraphValue {
    return repeatOver(this.g, v, [this.T, this.R * this.N], [1]);
  }

  /** dy [T * R * N, ...] times a pair value [R * N, ...], which repeats over the targets. */
  timesPair(dy: GraphValue, p: GraphValue): GraphValue {
    if (this.T === 1) return this.g.add('binary', [dy, p], { fn: 'mul' });
    const width = sizeOf(p.shape);
    const flat = this.g.add('reshape', [dy], { shape: [this.T, width] });
    const prod = this.g.add('binary', [flat, this.g.add('reshape', [p], { shape: [width] })], { fn: 'mul' });
    return this.g.add('reshape', [prod], { shape: [...dy.shape] });
  }
}

/** A node's multipliers in cotangent rows, by its DeepLIFT rule; null for 'linear' (the op's own VJP). */
function deepLiftGradient(s: Sides, node: GraphNode, e: Emitter<GraphValue>, args: VjpArgs<GraphValue, unknown>): (GraphValue | null)[] | null {
  const g = s.g;
  const [a] = node.inputs;
  const out = node.output;
  switch (deepLiftRule(node)) {
    case 'rescale': {
      // m_in = m_out (f(x) - f(r)) / (x - r), the slope per pair, repeated over the targets.
      const { fn, alpha } = node.attrs as { fn: UnaryOp; alpha: number };
      const slope = g.add('secantSlope', [s.pair(a, 'x'), s.pair(a, 'r'), s.pair(out, 'x'), s.pair(out, 'r')], { fn, alpha });
      return [s.timesPair(args.dy, slope)];
    }
    case 'softmax':
      return [g.add('softmaxRescaleGrad', [s.cot(a, 'x'), s.cot(a, 'r'), s.cot(out, 'x'), s.cot(out, 'r'), args.dy], {})];
    case 'max':
      return maxRule(s, node, args);
    case 'scale':
      return bilinearRule(s, node, e, args);
    default:
      return null;
  }
}

/**
 * Max pooling and max / min reductions: each window's difference y(x) - y(r) goes to the winning input
 * of the side that wins it (x's maximum when y rises, r's when it falls; the reverse for min), where
 * |x_i - r_i| >= |y(x) - y(r)| > 0; the multiplier there is that difference over x_i - r_i. (shap's
 * DeepExplainer rule for max pooling.) Exact: each window's contributions add up to its difference.
 */
function maxRule(s: Sides, node: GraphNode, args: VjpArgs<GraphValue, unknown>): (GraphValue | null)[] {
  const g = s.g;
  const [a] = node.inputs;
  const out = node.output;
  const isMin = node.op === 'reduce' && (node.attrs as { fn: string }).fn === 'min';
  const dOut = g.add('binary', [s.pair(out, 'x'), s.pair(out, 'r')], { fn: 'sub' });
  const zero = g.emitter().constant(0, []);
  // The part of the difference x's winners explain, and the part r's winners explain.
  const xPart = g.add('binary', [dOut, zero], { fn: isMin ? 'minimum' : 'maximum' });
  const rPart = g.add('binary', [dOut, xPart], { fn: 'sub' });
  const vjp = OPS[node.op].vjp as VjpRule<unknown>;
  const routed = (which: 'x' | 'r', part: GraphValue) =>
    vjp(g.emitter(), { inputs: [s.cot(a, which)], output: s.cot(out, which), dy: s.timesPair(args.dy, part), attrs: node.attrs, needs: [true] })[0]!;
  const sum = g.add('binary', [routed('x', xPart), routed('r', rPart)], { fn: 'add' });
  // Divide by x_i - r_i where it is non-zero (only positions with a difference ever receive one).
  const dIn = g.add('binary', [s.pair(a, 'x'), s.pair(a, 'r')], { fn: 'sub' });
  return [s.timesPair(sum, g.add('reciprocalOrZero', [dIn], {}))];
}

/**
 * Bilinear ops (products, matrix products, linear maps of x by weights): f(a_x, b_x) - f(a_r, b_r) =
 * f(a_x - a_r, b_mid) + f(a_mid, b_x - b_r) with midpoints (v_x + v_r) / 2, so the op's own VJP at the
 * midpoints gives exact multipliers even when both operands depend on the input. A quotient a / b with
 * b on the input's path: m_a = m (1/b_x + 1/b_r) / 2 and m_b = -m a_mid / (b_x b_r).
 */
function bilinearRule(s: Sides, node: GraphNode, e: Emitter<GraphValue>, args: VjpArgs<GraphValue, unknown>): (GraphValue | null)[] {
  const g = s.g;
  const dependent = node.inputs.map((v) => s.onPath.has(v));
  const mid = (v: GraphValue) => {
    if (!s.onPath.has(v)) return v;
    const sum = g.add('binary', [s.pair(v, 'x'), s.pair(v, 'r')], { fn: 'add' });
    return s.pairToCot(g.add('binary', [sum, g.emitter().constant(0.5, [])], { fn: 'mul' }));
  };
  if (node.op === 'binary' && (node.attrs as { fn: string }).fn === 'div' && dependent[1]) return quotientRule(s, node, args, mid);
  // Only one operand on the path: the op is linear in it, and its VJP is the rule (the other operand is fixed).
  if (dependent.filter(Boolean).length < 2) return (OPS[node.op].vjp as VjpRule<unknown>)(e, args);
  const inputs = node.inputs.map((v, k) => (dependent[k] ? mid(v) : v));
  return (OPS[node.op].vjp as VjpRule<unknown>)(g.emitter(), { ...args, inputs, output: s.cot(node.output, 'x') });
}

function quotientRule(s: Sides, node: GraphNode, args: VjpArgs<GraphValue, unknown>, mid: (v: GraphValue) => GraphValue): (GraphValue | null)[] {
  const g = s.g;
  const [a, b] = node.inputs;
  const e = g.emitter();
  const mul = (p: GraphValue, q: GraphValue) => g.add('binary', [p, q], { fn: 'mul' });
  const bx = s.cot(b, 'x');
  const br = s.cot(b, 'r');
  const recip = (v: GraphValue) => g.add('unary', [v], { fn: 'reciprocal', alpha: 0 });
  const half = e.constant(0.5, []);
  const ma = mul(args.dy, mul(half, g.add('binary', [recip(bx), recip(br)], { fn: 'add' })));
  const mb = mul(mul(args.dy, mid(a)), g.add('unary', [mul(bx, br)], { fn: 'reciprocal', alpha: 0 }));
  const negMb = g.add('unary', [mb], { fn: 'neg', alpha: 0 });
  return [args.needs[0] ? unbroadcast(e, ma, args.inputs[0].shape) : null, args.needs[1] ? unbroadcast(e, negMb, args.inputs[1].shape) : null];
}

/** Every op between x and y needs a DeepLIFT rule. */
function checkRules(graph: Graph, x: GraphValue, y: GraphValue): void {
  const fromX = valuesFrom(graph, [x]);
  const toY = new Set<GraphValue>([y]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (toY.has(node.output)) node.inputs.forEach((v) => toY.add(v));
  }
  for (const node of graph.nodes) {
    if (!fromX.has(node.output) || !toY.has(node.output)) continue;
    if (deepLiftRule(node) === 'none') {
      throw new Error(`deepShap: op '${node.op}' (${JSON.stringify(node.attrs)}) has no DeepLIFT rule; use kernelShap or gradientShap for this model`);
    }
  }
}
