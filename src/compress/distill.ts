// Knowledge distillation (Hinton, Vinyals & Dean 2015): a smaller student trained on the teacher's softened
// outputs softmax(z_teacher / T) mixed with the true labels:
//   loss = alpha * CE(label, softmax(z)) + (1 - alpha) * T^2 * CE(softmax(z_teacher / T), softmax(z / T)),
// the T^2 keeping the soft term's gradients on the hard term's scale. Steps run through compiled plans.

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { producerOf } from '../ops/run.js';
import { Graph } from '../plan/graph.js';
import { Plan } from '../plan/plan.js';
import { PlanCache } from '../plan/cache.js';
import { inferenceGraph } from '../plan/model-plans.js';
import { trainStepPlan, type LossModel } from '../train/step-plans.js';
import type { Sequential } from '../train/sequential.js';
import { Rng } from '../util/random.js';
import { gatherRows } from '../data/batches.js';
import { yieldToEventLoop } from '../util/yield.js';

export interface DistillOptions {
  /** Softening temperature T >= 1 (default 4: Hinton et al. found 2.5-4 best for students of ~30 units per layer). */
  temperature?: number;
  /** Weight of the true labels' cross-entropy, in [0, 1] (default 0.1: "a considerably lower weight" than the soft term). */
  alpha?: number;
  epochs?: number;
  batchSize?: number;
  /** Seed of the per-epoch shuffles and dropout. */
  seed?: number;
  /** Called after each epoch with its mean loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
}

/** The model's output before its final softmax, for every row of x (the model must end in a softmax). */
export function logitsOf(model: Sequential, x: Tensor, chunk = 512): Float32Array {
  const n = x.shape[0];
  const width = x.size / Math.max(n, 1);
  let out: Float32Array | null = null;
  let classes = 0;
  let plan: Plan | null = null;
  let planRows = 0;
  for (let r0 = 0; r0 < n; r0 += chunk) {
    const rows = Math.min(chunk, n - r0);
    if (!plan || planRows !== rows) {
      plan?.dispose();
      const { graph, x: xv, y } = inferenceGraph(model, rows, 'float32');
      const last = Graph.producer(y);
      if (!last || last.op !== 'softmax') throw new Error('distill: the teacher must be a classifier whose output is a softmax (its logits are distilled)');
      plan = Plan.compile(graph, { inputs: { x: xv }, outputs: { z: last.inputs[0] } });
      planRows = rows;
    }
    plan.inputs.x.set(x.values.subarray(r0 * width, (r0 + rows) * width));
    plan.run();
    const z = plan.outputs.z as Float32Array;
    classes = z.length / rows;
    out ??= new Float32Array(n * classes);
    out.set(z, r0 * classes);
  }
  plan?.dispose();
  return out ?? new Float32Array(0);
}

/** softmax(z / T) per row of [n, classes] logits, in float64 then float32. */
export function softenedProbabilities(z: Float32Array, classes: number, temperature: number): Float32Array {
  const out = new Float32Array(z.length);
  for (let r = 0; r < z.length / classes; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, z[o + c] / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(z[o + c] / temperature - max);
    for (let c = 0; c < classes; c++) out[o + c] = Math.exp(z[o + c] / temperature - max) / sum;
  }
  return out;
}

/**
 * The distillation loss of a student's logits z [rows, classes] against targets [rows, classes + 1]: the teacher's
 * softened probabilities, then the true label (as a float). Mean over rows.
 */
export function distillationLoss(z: Tensor, targets: Tensor, temperature: number, alpha: number): Tensor {
  const [rows, classes] = z.shape;
  const soft = ops.slice(targets, [0, 0], [rows, classes]);
  const labels = ops.cast(ops.reshape(ops.slice(targets, [0, classes], [rows, 1]), [rows]), 'int32');
  const hard = ops.sparseSoftmaxCrossEntropy(z, labels);
  const softLoss = ops.softmaxCrossEntropy(ops.div(z, temperature), soft);
  return ops.mean(ops.add(ops.mul(hard, alpha), ops.mul(softLoss, (1 - alpha) * temperature * temperature)));
}

function checkOptions(o: DistillOptions): Required<Omit<DistillOptions, 'onEpochEnd'>> {
  const temperature = o.temperature ?? 4;
  const alpha = o.alpha ?? 0.1;
  const epochs = o.epochs ?? 10;
  const batchSize = o.batchSize ?? 32;
  if (!(temperature >= 1) || !Number.isFinite(temperature)) throw new Error(`distill: temperature must be a number >= 1, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`distill: alpha (the weight of the true labels) must be in [0, 1], got ${alpha}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`distill: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new Error(`distill: batchSize must be an integer >= 2, got ${batchSize}`);
  return { temperature, alpha, epochs, batchSize, seed: o.seed ?? 1 };
}

/**
 * Trains `student` (compiled, ending in softmax, same input and classes as the teacher) in place on the
 * teacher's softened outputs for rows x mixed with labels y (class indices). Returns the mean loss per epoch.
 */
export async function distill(teacher: Sequential, student: Sequential, x: Tensor, y: Tensor, options: DistillOptions = {}): Promise<number[]> {
  const o = checkOptions(options);
  const optimizer = student.optimizer;
  if (!optimizer) throw new Error('distill: compile the student first (its optimizer trains it), e.g. student.compile({optimizer: "adam", loss: "sparseCategoricalCrossentropy"})');
  const n = x.shape[0];
  if (y.size !== n) throw new Error(`distill: ${y.size} labels for ${n} rows; pass one class index per row`);
  if (student.inputShape.join() !== teacher.inputShape.join()) {
    throw new Error(`distill: the student takes [${student.inputShape}] but the teacher takes [${teacher.inputShape}]; they must read the same rows`);
  }
  const classes = teacher.outputShape.reduce((a, b) => a * b, 1);
  const studentClasses = student.outputShape.reduce((a, b) => a * b, 1);
  if (classes !== studentClasses) throw new Error(`distill: the student has ${studentClasses} outputs, the teacher ${classes}`);
  const soft = softenedProbabilities(logitsOf(teacher, x), classes, o.temperature);
  const targets = new Float32Array(n * (classes + 1));
  for (let r = 0; r < n; r++) {
    const label = y.values[r];
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`distill: label ${label} in row ${r} is not a class index in 0..${classes - 1}`);
    targets.set(soft.subarray(r * classes, (r + 1) * classes), r * (classes + 1));
    targets[r * (classes + 1) + classes] = label;
  }
  const t = new Tensor(targets, [n, classes + 1]);
  const model: LossModel = {
    plans: new PlanCache(4),
    inputShapes: [student.inputShape],
    trainableWeights: student.trainableWeights,
    forwardAndLoss([xb], [yb], opts) {
      const output = student.apply(xb, opts);
      const p = producerOf(output);
      if (!p || p.op !== 'softmax') throw new Error('distill: the student must end in a softmax (its logits are trained)');
      return { loss: distillationLoss(p.inputs[0], yb, o.temperature, o.alpha), outputs: [output] };
    },
  };
  const losses: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = new Rng(o.seed * 7919 + epoch).permutation(n);
    let sum = 0;
    let seen = 0;
    for (let b0 = 0; b0 < n; b0 += o.batchSize) {
      // A last batch of one row would make batch statistics (batch norm) degenerate: it is left out of this epoch.
      const rows = Math.min(o.batchSize, n - b0);
      if (rows < 2) break;
      const idx = order.subarray(b0, b0 + rows);
      const step = trainStepPlan(model, rows, ['float32'], [{ shape: [rows, classes + 1], dtype: 'float32' }]);
      gatherRows(x, idx, step.plan.inputs.x as Float32Array);
      gatherRows(t, idx, step.plan.inputs.y as Float32Array);
      step.plan.run({ rng: new Rng(o.seed * 104729 + epoch * 65537 + b0) });
      const loss = step.plan.outputs.loss[0];
      if (!Number.isFinite(loss)) throw new Error(`distill: the loss became ${loss} at epoch ${epoch + 1}; lower the student's learning rate`);
      optimizer.applyGradients(step.vars, step.grads);
      sum += loss * rows;
      seen += rows;
      if (b0 % (o.batchSize * 64) === 0) await yieldToEventLoop();
    }
    losses.push(sum / seen);
    options.onEpochEnd?.(epoch, sum / seen);
  }
  model.plans.clear();
  return losses;
}

