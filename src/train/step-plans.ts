// The plans fit and evaluate run: the model's forward pass and loss traced once per batch shape,
// plus (for training) the backward pass to every trainable weight. The optimiser then updates the
// weights in place from the plan's gradient buffers, so a step builds no graph and allocates nothing.

import { Tensor, type DType } from '../tensor/tensor.js';
import { zeros } from '../ops/creation.js';
import { getBackend } from '../backend/backend.js';
import type { Variable } from '../autograd/variable.js';
import type { PlanCache } from '../plan/cache.js';
import { Plan } from '../plan/plan.js';
import { traceGraph } from '../plan/trace.js';
import { addGradients } from '../plan/autodiff.js';
import { Rng } from '../util/random.js';

/** What the step plans need of a model. */
export interface LossModel {
  readonly plans: PlanCache;
  readonly inputShape: number[];
  readonly trainableWeights: Variable[];
  /** The forward pass and the scalar training loss (mean loss plus penalties), as ops on tensors. */
  forwardAndLoss(x: Tensor, y: Tensor, options: { training: boolean; rng?: Rng }): { loss: Tensor; output: Tensor };
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
  readonly outputShape: readonly number[];
}

function key(kind: string, rows: number, xDtype: DType, y: TargetSpec, extra = ''): string {
  return `${kind}:${getBackend().name}:${rows}:${xDtype}:${y.shape.join('x')}:${y.dtype}${extra}`;
}

function trace(model: LossModel, rows: number, xDtype: DType, y: TargetSpec, training: boolean) {
  const samples = [
    { name: 'x', sample: zeros([rows, ...model.inputShape], xDtype) },
    { name: 'y', sample: zeros(y.shape, y.dtype) },
  ];
  // The trace's own draws (dropout) come from a throwaway generator; each run gets the real one.
  return traceGraph(samples, ([x, t]) => model.forwardAndLoss(x, t, { training, rng: new Rng(0) }));
}

/** The training step for batches of `rows` rows: inputs x, y; outputs loss, output and one gradient per weight. */
export function trainStepPlan(model: LossModel, rows: number, xDtype: DType, y: TargetSpec): TrainStep {
  const vars = model.trainableWeights;
  const plan = model.plans.get(key('train', rows, xDtype, y, `:${vars.map((v) => v.name).join(',')}`), () => {
    const t = trace(model, rows, xDtype, y, true);
    const params = vars.map((v) => t.graph.param(v));
    const grads = addGradients(t.graph, t.outputs.loss, params);
    const outputs: Record<string, (typeof params)[number]> = { loss: t.outputs.loss, output: t.outputs.output };
    grads.forEach((g, i) => {
      if (g) outputs[`grad${i}`] = g;
    });
    return Plan.compile(t.graph, { inputs: { x: t.inputs[0], y: t.inputs[1] }, outputs });
  });
  let step = steps.get(plan);
  if (!step) {
    const grads = vars.map((v, i) => (plan.outputs[`grad${i}`] ? new Tensor(plan.outputs[`grad${i}`], v.shape) : null));
    steps.set(plan, (step = { plan, vars, grads, outputShape: plan.outputShape('output') }));
  }
  return step;
}

const steps = new WeakMap<Plan, TrainStep>();

/** Loss and outputs for batches of `rows` rows, without training behaviour (dropout off, moving statistics used). */
export function evaluateStepPlan(model: LossModel, rows: number, xDtype: DType, y: TargetSpec): Plan {
  return model.plans.get(key('eval', rows, xDtype, y), () => {
    const t = trace(model, rows, xDtype, y, false);
    return Plan.compile(t.graph, { inputs: { x: t.inputs[0], y: t.inputs[1] }, outputs: { loss: t.outputs.loss, output: t.outputs.output } });
  });
}
