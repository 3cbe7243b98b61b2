// Plans every model gets for free: batched inference traced from the model's own forward pass (the
// gradient explainers build their forward-and-backward plans in gradient-plans.ts and deeplift.ts).

import { Tensor, allocFor, type DType } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';
import type { Rng } from '../util/random.js';
import { zeros } from '../ops/creation.js';
import type { PlanCache } from './cache.js';
import { Plan } from './plan.js';
import type { Graph, GraphValue } from './graph.js';
import { traceGraph } from './trace.js';

/** What plans need of a model: its forward pass, the shape of one input row and a plan cache. */
export interface Traceable {
  readonly plans: PlanCache;
  readonly inputShape: number[];
  apply(x: Tensor, options: { training?: boolean; rng?: Rng }): Tensor;
}

function sample(model: Traceable, rows: number, dtype: DType): Tensor {
  return zeros([rows, ...model.inputShape], dtype);
}

/** The model's inference forward pass for `rows` rows, traced: graph input x, output y. */
export function inferenceGraph(model: Traceable, rows: number, dtype: DType): { graph: Graph; x: GraphValue; y: GraphValue } {
  const t = traceGraph([{ name: 'x', sample: sample(model, rows, dtype) }], ([x]) => ({ y: model.apply(x, { training: false }) }));
  return { graph: t.graph, x: t.inputs[0], y: t.outputs.y };
}

/** Inference for `rows` rows: input 'x', output 'y'. */
export function inferencePlan(model: Traceable, rows: number, dtype: DType = 'float32'): Plan {
  return model.plans.get(`infer:${getBackend().name}:${dtype}:${rows}`, () => {
    const { graph, x, y } = inferenceGraph(model, rows, dtype);
    return Plan.compile(graph, { inputs: { x }, outputs: { y } });
  });
}

/**
 * Rows a plan is compiled for when asked to run `rows` rows at most `cap` at a time: the next power of
 * two, so calls with many different row counts (explainers) share a few plans instead of tracing one each.
 * The extra rows are zeros and their outputs are dropped; inference never mixes rows.
 */
export function bucketRows(rows: number, cap: number): number {
  return Math.max(1, Math.min(cap, 2 ** Math.ceil(Math.log2(Math.max(rows, 1)))));
}

/**
 * Rows per inference call: at most batchSize, and few enough that the largest intermediate value stays
 * within about 2 MB, so a conv net's activations stay in cache between its kernels (measured: the pooling
 * after the first conv of the MNIST CNN costs 2.3x more per image at 1,000 rows than at 64).
 */
export function inferenceChunk(model: Traceable, batchSize: number): number {
  // Bytes a row's largest intermediate value takes, from a one-row trace, once per model.
  let bytes = model.plans.facts.get('rowBytes');
  if (bytes === undefined) {
    const { graph } = inferenceGraph(model, 1, 'float32');
    bytes = Math.max(4, ...graph.nodes.map((node) => node.output.size * (node.output.dtype === 'float32' || node.output.dtype === 'int32' ? 4 : 1)));
    model.plans.facts.set('rowBytes', bytes);
  }
  return Math.max(1, Math.min(batchSize, Math.max(32, Math.floor(CACHE_BYTES / bytes))));
}

const CACHE_BYTES = 2 << 20;

/** The model on every row of x, in chunks (at most batchSize rows, see inferenceChunk) through inference plans. */
export function runInference(model: Traceable, x: Tensor, batchSize: number): Tensor {
  const n = x.shape[0];
  const width = sizeOf(model.inputShape);
  let result: Float32Array | null = null;
  let outShape: number[] = [];
  const chunk = Math.max(1, inferenceChunk(model, batchSize));
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    // Full chunks run in a plan of exactly the chunk's rows (no padding rows computed); a shorter call (the
    // last chunk, or explainers' calls of many sizes) in the plan of its bucket, so a few plans serve them all.
    const plan = inferencePlan(model, rows === chunk ? chunk : bucketRows(rows, chunk), x.dtype);
    const input = plan.inputs.x;
    input.set(x.values.subarray(start * width, (start + rows) * width));
    if (input.length > rows * width) input.fill(0, rows * width);
    plan.run();
    const y = plan.outputs.y;
    const perRow = y.length / (input.length / width);
    if (!result) {
      result = new Float32Array(n * perRow);
      outShape = plan.outputShape('y').slice(1);
    }
    result.set(y.subarray(0, rows * perRow), start * perRow);
  }
  if (!result) {
    // No rows: trace one row only to learn the output shape.
    const plan = inferencePlan(model, 1, x.dtype);
    return new Tensor(allocFor('float32', 0), [0, ...plan.outputShape('y').slice(1)]);
  }
  return new Tensor(result, [n, ...outShape]);
}
