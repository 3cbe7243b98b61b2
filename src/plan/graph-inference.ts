// Inference for models of several inputs or outputs: the forward pass traced with inputs x, x1, ... and
// outputs y, y1, ..., compiled once per row count and run over the rows in chunks.

import { Tensor, allocFor, type DType } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';
import { zeros } from '../ops/creation.js';
import type { PlanCache } from './cache.js';
import { Plan } from './plan.js';
import type { GraphValue } from './graph.js';
import { traceGraph } from './trace.js';
import { bucketRows } from './model-plans.js';

/** What multi-input inference needs of a model: shapes of its inputs, its forward pass, a plan cache. */
export interface MultiTraceable {
  readonly plans: PlanCache;
  readonly inputShapes: number[][];
  forward(xs: Tensor[]): Tensor[];
}

const xName = (i: number) => (i === 0 ? 'x' : `x${i}`);
const yName = (i: number) => (i === 0 ? 'y' : `y${i}`);

/** The inference plan for `rows` rows and these input dtypes. */
export function multiInferencePlan(model: MultiTraceable, rows: number, dtypes: DType[]): Plan {
  return model.plans.get(`infer-multi:${getBackend().name}:${dtypes.join(',')}:${rows}`, () => {
    const samples = model.inputShapes.map((shape, i) => ({ name: xName(i), sample: zeros([rows, ...shape], dtypes[i]) }));
    const t = traceGraph(samples, (xs) => Object.fromEntries(model.forward(xs).map((y, i) => [yName(i), y])));
    const inputs: Record<string, GraphValue> = Object.fromEntries(t.inputs.map((v, i) => [xName(i), v]));
    return Plan.compile(t.graph, { inputs, outputs: t.outputs });
  });
}

/** Every row of the inputs through inference plans, at most batchSize rows per run; one tensor per output. */
export function runGraphInference(model: MultiTraceable, xs: Tensor[], batchSize: number): Tensor[] {
  const n = xs[0].shape[0];
  const widths = model.inputShapes.map((s) => sizeOf(s));
  const dtypes = xs.map((x) => x.dtype);
  const chunk = Math.max(1, Math.min(batchSize, n));
  let results: Float32Array[] | null = null;
  let shapes: number[][] = [];
  for (let start = 0; start < Math.max(n, 1); start += chunk) {
    const rows = Math.min(chunk, n - start);
    const plan = multiInferencePlan(model, rows === chunk ? chunk : bucketRows(Math.max(rows, 1), chunk), dtypes);
    xs.forEach((x, i) => {
      const input = plan.inputs[xName(i)];
      input.set(x.values.subarray(start * widths[i], (start + rows) * widths[i]));
      input.fill(0, Math.max(rows, 0) * widths[i]);
    });
    plan.run();
    const count = Object.keys(plan.outputs).length;
    if (!results) {
      shapes = Array.from({ length: count }, (_, i) => plan.outputShape(yName(i)).slice(1));
      results = shapes.map((s) => allocFor('float32', n * sizeOf(s)) as Float32Array);
    }
    results.forEach((r, i) => {
      const per = sizeOf(shapes[i]);
      r.set(plan.outputs[yName(i)].subarray(0, rows * per), start * per);
    });
    if (n === 0) break;
  }
  return results!.map((r, i) => new Tensor(r, [n, ...shapes[i]]));
}
