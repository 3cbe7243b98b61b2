// Plans every model gets for free: batched inference, and input gradients for any cotangent (the
// gradient explainers' forward and backward pass), traced from the model's own forward pass.

import { Tensor, allocFor, type DType } from '../tensor/tensor.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';
import type { Rng } from '../util/random.js';
import { zeros } from '../ops/creation.js';
import { addGradients } from './autodiff.js';
import type { PlanCache } from './cache.js';
import { Plan } from './plan.js';
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

/** Inference for `rows` rows: input 'x', output 'y'. */
export function inferencePlan(model: Traceable, rows: number, dtype: DType = 'float32'): Plan {
  return model.plans.get(`infer:${getBackend().name}:${dtype}:${rows}`, () => {
    const t = traceGraph([{ name: 'x', sample: sample(model, rows, dtype) }], ([x]) => ({ y: model.apply(x, { training: false }) }));
    return Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
  });
}

/**
 * Forward and backward for `rows` rows: inputs 'x' and 'dy' (a cotangent shaped like the output),
 * outputs 'y' and 'dx' = d(sum(dy * f(x))) / dx. One pass gives any mix of outputs per row.
 */
export function inputGradientPlan(model: Traceable, rows: number): Plan {
  return model.plans.get(`grad:${getBackend().name}:${rows}`, () => {
    const t = traceGraph([{ name: 'x', sample: sample(model, rows, 'float32') }], ([x]) => ({ y: model.apply(x, { training: false }) }));
    const y = t.outputs.y;
    const dy = t.graph.input('dy', y.shape, 'float32');
    const [dx] = addGradients(t.graph, y, [t.inputs[0]], dy);
    if (!dx) throw new Error("gradients: the model's output does not depend differentiably on its input");
    return Plan.compile(t.graph, { inputs: { x: t.inputs[0], dy }, outputs: { y, dx } });
  });
}

/** The model on every row of x, in chunks of at most batchSize rows through inference plans. */
export function runInference(model: Traceable, x: Tensor, batchSize: number): Tensor {
  const n = x.shape[0];
  const width = sizeOf(model.inputShape);
  let result: Float32Array | null = null;
  let outShape: number[] = [];
  const chunk = Math.max(1, Math.min(batchSize, n));
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const plan = inferencePlan(model, rows, x.dtype);
    plan.inputs.x.set(x.values.subarray(start * width, (start + rows) * width));
    plan.run();
    const y = plan.outputs.y;
    if (!result) {
      const perRow = y.length / rows;
      result = new Float32Array(n * perRow);
      outShape = plan.outputShape('y').slice(1);
    }
    result.set(y, start * (y.length / rows));
  }
  if (!result) {
    // No rows: trace one row only to learn the output shape.
    const plan = inferencePlan(model, 1, x.dtype);
    return new Tensor(allocFor('float32', 0), [0, ...plan.outputShape('y').slice(1)]);
  }
  const out = new Tensor(result, [n, ...outShape]);
  if (out.shape[0] !== n) throw new Error(`predict: internal error: output ${formatShape(out.shape)} for ${n} rows`);
  return out;
}
