// The plans fit and evaluate run: the model's forward pass and loss traced once per batch shape,
// plus (for training) the backward pass to every trainable weight. The optimiser then updates the
// weights in place from the plan's gradient buffers, so a step builds no graph and allocates nothing.
// Plan inputs are x, x1, x2, ... (one per model input) and y, y1, ... (one per output's targets);
// outputs are loss, output, output1, ... and one gradient per weight.

import { Tensor, type DType } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { getBackend } from '../backend/backend.js';
import type { Variable } from '../autograd/variable.js';
import type { PlanCache } from '../plan/cache.js';
import { Plan } from '../plan/plan.js';
import type { GraphValue } from '../plan/graph.js';
import { traceGraph } from '../plan/trace.js';
import { addGradients } from '../plan/autodiff.js';
import { Rng } from '../util/random.js';

/** What the step plans need of a model. */
export interface LossModel {
  readonly plans: PlanCache;
  /** Example shape of each input. */
  readonly inputShapes: number[][];
  readonly trainableWeights: Variable[];
  /** The forward pass and the scalar training loss (mean loss plus penalties), as ops on tensors. */
  forwardAndLoss(xs: Tensor[], ys: Tensor[], options: { training: boolean; rng?: Rng }): { loss: Tensor; outputs: Tensor[] };
}

/** Shape and dtype of one batch's targets. */
export interface TargetSpec {
  shape: number[];
  dtype: DType;
}

export interface TrainStep {
  readonly plan: Plan;
  readonly vars: Variable[];
  /** Gradients as tensors over the plan's buffers (null: a weight the loss does not reach). */
  readonly grads: (Tensor | null)[];
  /** Shape of each output for this batch. */
  readonly outputShapes: readonly (readonly number[])[];
}

/** Plan names of the i-th input, target and output. */
export const inputName = (i: number) => (i === 0 ? 'x' : `x${i}`);
export const targetName = (i: number) => (i === 0 ? 'y' : `y${i}`);
export const outputName = (i: number) => (i === 0 ? 'output' : `output${i}`);

function key(kind: string, rows: number, xDtypes: DType[], ys: TargetSpec[], extra = ''): string {
  return `${kind}:${getBackend().name}:${rows}:${xDtypes.join(',')}:${ys.map((y) => `${y.shape.join('x')}:${y.dtype}`).join(',')}${extra}`;
}

function trace(model: LossModel, rows: number, xDtypes: DType[], ys: TargetSpec[], training: boolean) {
  const samples = [
    ...model.inputShapes.map((shape, i) => ({ name: inputName(i), sample: zeros([rows, ...shape], xDtypes[i]) })),
    ...ys.map((y, i) => ({ name: targetName(i), sample: zeros(y.shape, y.dtype) })),
  ];
  const nx = model.inputShapes.length;
  // The trace's own draws (dropout) come from a throwaway generator; each run gets the real one.
  const t = traceGraph(samples, (all) => {
    const { loss, outputs } = model.forwardAndLoss(all.slice(0, nx), all.slice(nx), { training, rng: new Rng(0) });
    return { loss, ...Object.fromEntries(outputs.map((o, i) => [outputName(i), o])) };
  });
  const inputs: Record<string, GraphValue> = {};
  t.inputs.forEach((v, i) => (inputs[i < nx ? inputName(i) : targetName(i - nx)] = v));
  const outputs: Record<string, GraphValue> = { ...t.outputs };
  return { graph: t.graph, inputs, outputs };
}

/** The training step for batches of `rows` rows: loss, outputs and one gradient per trainable weight. */
export function trainStepPlan(model: LossModel, rows: number, xDtypes: DType[], ys: TargetSpec[]): TrainStep {
  const vars = model.trainableWeights;
  const plan = model.plans.get(key('train', rows, xDtypes, ys, `:${vars.map((v) => v.name).join(',')}`), () => {
    const t = trace(model, rows, xDtypes, ys, true);
    const params = vars.map((v) => t.graph.param(v));
    const grads = addGradients(t.graph, t.outputs.loss, params);
    grads.forEach((g, i) => {
      if (g) t.outputs[`grad${i}`] = g;
    });
    return Plan.compile(t.graph, { inputs: t.inputs, outputs: t.outputs });
  });
  let step = steps.get(plan);
  if (!step) {
    const grads = vars.map((v, i) => (plan.outputs[`grad${i}`] ? new Tensor(plan.outputs[`grad${i}`], v.shape) : null));
    const outputShapes = ys.map((_, i) => plan.outputShape(outputName(i)));
    steps.set(plan, (step = { plan, vars, grads, outputShapes }));
  }
  return step;
}

const steps = new WeakMap<Plan, TrainStep>();

/** Loss and outputs for batches of `rows` rows, without training behaviour (dropout off, moving statistics used). */
export function evaluateStepPlan(model: LossModel, rows: number, xDtypes: DType[], ys: TargetSpec[]): Plan {
  return model.plans.get(key('eval', rows, xDtypes, ys), () => {
    const t = trace(model, rows, xDtypes, ys, false);
    return Plan.compile(t.graph, { inputs: t.inputs, outputs: t.outputs });
  });
}
