// LayersModel: a model over a topology (a stack or a functional graph) that compiles, fits and evaluates
// through compiled plans (the Keras / TensorFlow.js API); Sequential and model() build on it.

import { Tensor, type DType } from '../tensor/tensor.js';
import { gradientsOf } from '../autograd/grad.js';
import * as ops from '../ops/index.js';
import type { CallOptions } from '../nn/layer.js';
import type { Topology } from '../nn/topology.js';
import { describe } from '../nn/symbolic.js';
import { producerOf } from '../ops/run.js';
import { Rng, getRng } from '../util/random.js';
import { getLoss, type Loss } from './losses.js';
import { getOptimizer, type Optimizer } from './optimizers.js';
import { getMetric, type Metric, type MetricSpec } from './metrics.js';
import { CallbackList, History, type Logs, type TrainingParams } from './callbacks.js';
import { ProgressLogger } from './progress.js';
import { dataList, validateModelData, type ModelData, type TargetKind } from './validate.js';
import { BatchGatherer } from './batches.js';
import { evaluateStepPlan, inputName, outputName, targetName, trainStepPlan, type TargetSpec, type TrainStep } from './step-plans.js';
import { yieldToEventLoop } from '../util/yield.js';
import { checkFitArgs, mixSeed, prefixed, type CompileArgs, type CompileConfig, type EvaluateArgs, type FitArgs, type ModelMetadata, type TrainingState } from './fit-args.js';
import { ModelBase } from './model-base.js';
import { evaluateDataset, fitDataset, type FitDatasetArgs } from './fit-dataset.js';
import type { Dataset } from '../data/dataset.js';

/** A model of any number of outputs (what loaders and savers take). */
export type AnyLayersModel = LayersModel<Tensor | Tensor[]>;

/** One output of the batch step, read after the step ran. */
type StepResult = { loss: number; outputs: () => Tensor[] };

/**
 * Y is what predict and apply return: one tensor for a model with one output (Sequential, most
 * functional models), a list for several.
 */
export class LayersModel<Y extends Tensor | Tensor[] = Tensor> extends ModelBase<Y> {
  /** Set by io/ on import, so model.save works without train/ depending on io/. */
  static saver: ((model: LayersModel<Tensor | Tensor[]>, destination: string) => Promise<unknown>) | null = null;

  optimizer: Optimizer | null = null;
  /** The loss of the first output (every output's, for a model with one). */
  loss: Loss | null = null;
  /** One loss per output. */
  losses: Loss[] = [];
  /** Metrics over every output (named `<output>_<metric>` when there are several). */
  metrics: Metric[] = [];
  stopTraining = false;
  trainingState: TrainingState | null = null;
  metadata: ModelMetadata = {};
  private metricSpecs: MetricSpec[] = [];
  /** Per output, the indices into `metrics` that read it. */
  private metricOutputs: number[] = [];

  constructor(topology: Topology, name?: string) {
    super(topology, name);
  }

  // ---- training ----

  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object' || args.optimizer === undefined || args.loss === undefined) {
      throw new Error("compile: pass {optimizer, loss}, e.g. {optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']}");
    }
    const outputs = this.outputNames;
    this.optimizer = getOptimizer(args.optimizer);
    this.losses = lossesFor(args.loss, outputs);
    this.loss = this.losses[0];
    const specs = args.metrics ?? [];
    if (!Array.isArray(specs)) throw new Error(`compile: metrics must be a list, e.g. ['accuracy'], got ${describe(specs)}`);
    if (outputs.length > 1 && specs.some((m) => typeof m !== 'string')) throw new Error('compile: a model with several outputs takes metric names, not metric objects');
    this.metricSpecs = [...specs];
    this.metrics = this.freshMetrics();
    this.metricOutputs = outputs.flatMap((_, o) => specs.map(() => o));
    // Training and evaluation plans bake in the loss.
    this.plans.clear('train:');
    this.plans.clear('eval:');
  }

  get compileConfig(): CompileConfig | null {
    if (!this.optimizer || !this.loss) return null;
    const metrics = this.metricSpecs.map((m) => (typeof m === 'string' ? m : m.name));
    const losses = this.losses.map((l) => l.getConfig());
    return { optimizer: this.optimizer.getConfig(), loss: losses.length === 1 ? losses[0] : losses, metrics };
  }

  /** Metrics with empty state: new ones from names, user metric objects reset; prefixed by output name when several. */
  private freshMetrics(): Metric[] {
    const outputs = this.outputNames;
    return outputs.flatMap((out, o) => this.metricSpecs.map((m) => {
      if (typeof m !== 'string') {
        m.reset();
        return m;
      }
      const metric = getMetric(m, this.losses[o].name);
      return outputs.length === 1 ? metric : prefixed(`${out}_`, metric);
    }));
  }

  private requireCompiled(what: string): { optimizer: Optimizer; losses: Loss[] } {
    if (!this.optimizer || this.losses.length === 0) throw new Error(`${what}: call model.compile({optimizer, loss}) first`);
    return { optimizer: this.optimizer, losses: this.losses };
  }

  /**
   * The forward pass and the scalar training loss: the sum over outputs of each mean per-example loss,
   * plus every penalty. When an output ends in the activation its loss fuses with (softmax / sigmoid +
   * cross-entropy), the loss is computed from that activation's input, so training never takes log of a
   * rounded-off probability. Traced into fit's and evaluate's plans; run eagerly by the 'eager' engine.
   */
  forwardAndLoss(xs: Tensor[], ys: Tensor[], options: CallOptions): { loss: Tensor; outputs: Tensor[] } {
    const { losses } = this.requireCompiled('fit');
    const outputs = this.topology.run(xs, options);
    let total: Tensor | null = null;
    outputs.forEach((output, i) => {
      const loss = losses[i];
      const logits = this.logitsFor(loss, output);
      const perExample = logits && loss.perExampleFromLogits ? loss.perExampleFromLogits(ys[i], logits) : loss.perExample(ys[i], output);
      const mean = ops.mean(perExample);
      total = total ? ops.add(total, mean) : mean;
    });
    for (const layer of this.topology.layers) {
      for (const penalty of [...layer.regularizationLosses(), ...layer.activityLosses()]) total = ops.add(total!, penalty);
    }
    return { loss: total!, outputs };
  }

  /** The input of an output's final softmax / sigmoid when its loss fuses with it, else null. */
  private logitsFor(loss: Loss, output: Tensor): Tensor | null {
    const p = producerOf(output);
    if (!p || !loss.fusesWith) return null;
    if (loss.fusesWith === 'softmax' && p.op === 'softmax') return p.inputs[0];
    if (loss.fusesWith === 'sigmoid' && p.op === 'unary' && (p.attrs as { fn: string }).fn === 'sigmoid') return p.inputs[0];
    return null;
  }

  /** One eager optimiser step (the 'eager' engine): loss and the batch's outputs. */
  private eagerStep(xs: Tensor[], ys: Tensor[], rng: Rng): StepResult {
    const { optimizer } = this.requireCompiled('fit');
    const vars = this.trainableWeights;
    let outputs!: Tensor[];
    const { value, grads } = gradientsOf(() => {
      const r = this.forwardAndLoss(xs, ys, { training: true, rng });
      outputs = r.outputs;
      return r.loss;
    }, vars);
    const lossValue = value.values[0];
    if (Number.isFinite(lossValue)) optimizer.applyGradients(vars, grads);
    return { loss: lossValue, outputs: () => outputs };
  }

  /** Runs a training plan whose inputs are filled: the loss, then the optimiser's update from its gradients. */
  private runTrainStep(step: TrainStep, ys: Tensor[], rng: Rng): StepResult {
    ys.forEach((y, i) => step.plan.inputs[targetName(i)].set(y.values));
    step.plan.run({ rng });
    const lossValue = step.plan.outputs.loss[0];
    if (Number.isFinite(lossValue)) this.optimizer!.applyGradients(step.vars, step.grads);
    return { loss: lossValue, outputs: () => step.outputShapes.map((s, i) => new Tensor(step.plan.outputs[outputName(i)], [...s])) };
  }

  private xDtypes(xs: Tensor[]): DType[] {
    return xs.map((x) => x.dtype);
  }

  /**
   * fit's step for batch b: through the plan for its row count (gathering inputs straight into the plan's
   * inputs), or eagerly. Returns the batch's targets for the metrics.
   */
  private stepper(gather: BatchGatherer, engine: 'plan' | 'eager', xDtypes: DType[]) {
    const steps = new Map<number, TrainStep>();
    return (order: Int32Array | null, b: number, rng: Rng) => {
      if (engine === 'eager') {
        const [xb, yb] = gather.batch(order, b);
        return { ...this.eagerStep(xb, yb, rng), ys: yb };
      }
      const idx = gather.rowsOf(order, b);
      const yb = gather.targets(idx);
      let step = steps.get(idx.length);
      if (!step || step.plan.isDisposed) {
        step = trainStepPlan(this, idx.length, xDtypes, this.targetSpecs(yb));
        steps.set(idx.length, step);
      }
      gather.gatherXInto(idx, xDtypes.map((_, i) => step!.plan.inputs[inputName(i)]));
      return { ...this.runTrainStep(step, yb, rng), ys: yb };
    };
  }

  /** Targets as the plans take them: class indices as int32, anything else as float32. */
  private targetSpecs(ys: Tensor[]): TargetSpec[] {
    return ys.map((y, i) => ({ shape: [...y.shape], dtype: this.targetKind(this.losses[i]) === 'classIndex' ? 'int32' : 'float32' }));
  }

  private targetKinds(): TargetKind[] {
    return this.losses.map((l) => this.targetKind(l));
  }

  private targetKind(loss: Loss): TargetKind {
    return loss.name === 'sparseCategoricalCrossentropy' ? 'classIndex' : 'dense';
  }

  private modelData(x: unknown, y: unknown, where: string): [Tensor[], Tensor[]] {
    const xs = dataList(x, this.inputNames, 'x', where);
    const ys = dataList(y, this.outputNames, 'y', where);
    validateModelData(xs, ys, this.inputShapes, this.outputShapes, this.targetKinds(), where);
    return [xs, ys];
  }

  async fit(x: ModelData, y: ModelData, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    if (args === null || typeof args !== 'object') throw new Error(`fit: the third argument must be an options object like {epochs: 5}, got ${describe(args)}`);
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 32;
    const initialEpoch = args.initialEpoch ?? 0;
    checkFitArgs(args, epochs, batchSize, initialEpoch);
    let [trainX, trainY] = this.modelData(x, y, 'fit');
    let validation: [Tensor[], Tensor[]] | null = args.validationData ? this.modelData(args.validationData[0], args.validationData[1], 'fit (validation data)') : null;
    if (args.validationSplit) {
      const n = trainX[0].shape[0];
      const split = Math.floor(n * (1 - args.validationSplit));
      if (split <= 0 || split >= n) throw new Error(`fit: validationSplit ${args.validationSplit} leaves no training or no validation rows of ${n}`);
      const head = (t: Tensor) => ops.slice(t, [0], [split]);
      const tail = (t: Tensor) => ops.slice(t, [split], [n - split]);
      validation = [trainX.map(tail), trainY.map(tail)];
      [trainX, trainY] = [trainX.map(head), trainY.map(head)];
    }
    const n = trainX[0].shape[0];
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const initialBatch = args.initialBatch ?? 0;
    if (!Number.isInteger(initialBatch) || initialBatch < 0 || initialBatch >= stepsPerEpoch) {
      throw new Error(`fit: initialBatch must be an integer in [0, ${stepsPerEpoch}) (the batches of an epoch), got ${initialBatch}`);
    }
    const shuffleSeed = args.shuffleSeed ?? getRng().nextUint32();
    const history = new History();
    const userCallbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const list = new CallbackList([history, ...((args.verbose ?? 1) > 0 ? [new ProgressLogger()] : []), ...userCallbacks]);
    const params: TrainingParams = { epochs, initialEpoch, samples: n, batchSize, stepsPerEpoch, metrics: this.metrics.map((m) => m.name) };
    list.setModel(this, params);
    this.stopTraining = false;
    const gather = new BatchGatherer(trainX, trainY, batchSize);
    const step = this.stepper(gather, args.engine ?? 'plan', this.xDtypes(trainX));

    await list.trainBegin();
    let lastYield = performance.now();
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await list.epochBegin(epoch);
      this.metrics.forEach((m) => m.reset());
      const order = args.shuffle === false ? null : new Rng(mixSeed(shuffleSeed, epoch)).permutation(n);
      const firstBatch = epoch === initialEpoch ? initialBatch : 0;
      let lossSum = 0;
      let seen = 0;
      let lastDone = firstBatch - 1;
      for (let b = firstBatch; b < stepsPerEpoch && !this.stopTraining; b++) {
        const rows = Math.min(batchSize, n - b * batchSize);
        if (list.hasBatchHooks) await list.batchBegin(b, { batch: b, size: rows });
        const rng = new Rng(mixSeed(shuffleSeed, epoch, b, 1));
        const result = step(order, b, rng);
        if (!Number.isFinite(result.loss)) {
          throw new Error(
            `fit: the loss became ${result.loss} at epoch ${epoch + 1}, batch ${b + 1}; ` +
              'lower the learning rate (--lr), scale inputs to [0, 1], or clip gradients (clipNorm on the optimizer, --clip-norm on the command line)',
          );
        }
        lossSum += result.loss * rows;
        seen += rows;
        if (this.metrics.length > 0) this.updateMetrics(this.metrics, result.ys, result.outputs());
        this.trainingState = { shuffleSeed, epoch, batch: b };
        lastDone = b;
        if (list.hasBatchHooks) await list.batchEnd(b, { batch: b, size: rows, loss: lossSum / seen, ...this.metricLogs() });
        // Let signals (Ctrl-C) and timers run during long epochs.
        if (performance.now() - lastYield > 200) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      // An epoch cut short (Ctrl-C, a callback) has no end-of-epoch logs: they would describe part of an epoch.
      if (lastDone !== stepsPerEpoch - 1) break;
      const logs: Logs = { loss: lossSum / Math.max(seen, 1), ...this.metricLogs() };
      if (validation) {
        const v = this.evaluateLists(validation[0], validation[1], batchSize);
        for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
      }
      await list.epochEnd(epoch, logs);
    }
    await list.trainEnd();
    return history;
  }

  private updateMetrics(metrics: Metric[], ys: Tensor[], outputs: Tensor[]): void {
    metrics.forEach((m, i) => m.update(ys[this.metricOutputs[i]], outputs[this.metricOutputs[i]]));
  }

  private metricLogs(): Logs {
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }

  /** Loss and metrics over a dataset, as plain numbers keyed by name (each batch through the evaluation plan). */
  evaluateLogs(x: ModelData, y: ModelData, batchSize = 256): Logs {
    this.requireCompiled('evaluate');
    const [xs, ys] = this.modelData(x, y, 'evaluate');
    return this.evaluateLists(xs, ys, batchSize);
  }

  private evaluateLists(xs: Tensor[], ys: Tensor[], batchSize: number): Logs {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
    const metrics = this.freshMetrics();
    const gather = new BatchGatherer(xs, ys, batchSize);
    const n = xs[0].shape[0];
    let lossSum = 0;
    for (let b = 0; b < Math.ceil(n / batchSize); b++) {
      const [xb, yb] = gather.batch(null, b);
      const rows = xb[0].shape[0];
      const plan = evaluateStepPlan(this, rows, this.xDtypes(xb), this.targetSpecs(yb));
      xb.forEach((t, i) => plan.inputs[inputName(i)].set(t.values));
      yb.forEach((t, i) => plan.inputs[targetName(i)].set(t.values));
      plan.run();
      lossSum += plan.outputs.loss[0] * rows;
      if (metrics.length > 0) this.updateMetrics(metrics, yb, yb.map((_, i) => new Tensor(plan.outputs[outputName(i)], plan.outputShape(outputName(i)))));
    }
    return { loss: lossSum / n, ...Object.fromEntries(metrics.map((m) => [m.name, m.result()])) };
  }

  /** TensorFlow.js shape: the loss as a scalar, or [loss, ...metrics] when metrics were compiled. */
  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs = {}): Tensor | Tensor[] {
    if (args === null || typeof args !== 'object') throw new Error(`evaluate: the third argument must be an options object like {batchSize: 32}, got ${describe(args)}`);
    const logs = Object.values(this.evaluateLogs(x, y, args.batchSize));
    const scalars = logs.map((v) => ops.scalar(v));
    return scalars.length === 1 ? scalars[0] : scalars;
  }

  /** One optimiser step; returns the loss, or [loss, ...metrics] for this batch. */
  trainOnBatch(x: ModelData, y: ModelData): number | number[] {
    const [, ys, result] = this.planStepOn(x, y, getRng(), 'trainOnBatch');
    if (!Number.isFinite(result.loss)) throw new Error(`trainOnBatch: the loss became ${result.loss}; lower the learning rate or scale inputs`);
    if (this.metrics.length === 0) return result.loss;
    const metrics = this.freshMetrics();
    this.updateMetrics(metrics, ys, result.outputs());
    return [result.loss, ...metrics.map((m) => m.result())];
  }

  /** Checks a batch, then runs the training plan for its row count on it. */
  private planStepOn(x: ModelData, y: ModelData, rng: Rng, where: string): [Tensor[], Tensor[], StepResult] {
    this.requireCompiled(where);
    const [xs, ys] = this.modelData(x, y, where);
    const step = trainStepPlan(this, xs[0].shape[0], this.xDtypes(xs), this.targetSpecs(ys));
    xs.forEach((t, i) => step.plan.inputs[inputName(i)].set(t.values));
    return [xs, ys, this.runTrainStep(step, ys, rng)];
  }

  /** One optimiser step on a batch that also moves the epoch's metrics (fitDataset's step). */
  trainBatch(x: ModelData, y: ModelData, rng: Rng, where: string): { loss: number; rows: number } {
    const [xs, ys, result] = this.planStepOn(x, y, rng, where);
    if (this.metrics.length > 0) this.updateMetrics(this.metrics, ys, result.outputs());
    return { loss: result.loss, rows: xs[0].shape[0] };
  }

  /** Trains on the batches a dataset yields (TensorFlow.js' fitDataset); see fit-dataset.ts. */
  async fitDataset(dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
    this.requireCompiled('fitDataset');
    return fitDataset(this, dataset, args);
  }

  /** Loss and metrics over a dataset's batches: a scalar, or [loss, ...metrics] (TensorFlow.js' evaluateDataset). */
  async evaluateDataset(dataset: Dataset<unknown>, args: { batches?: number } = {}): Promise<Tensor | Tensor[]> {
    this.requireCompiled('evaluateDataset');
    const scalars = Object.values(await evaluateDataset(this, dataset, args)).map((v) => ops.scalar(v));
    return scalars.length === 1 ? scalars[0] : scalars;
  }

  /** Saves model.json + weights.safetensors into a folder (see io/); `file://` and `localstorage://` forms as in TensorFlow.js. */
  async save(destination: string): Promise<unknown> {
    if (!LayersModel.saver) throw new Error('save: import glassbox (or glassbox/io) so a model saver is registered');
    return LayersModel.saver(this as LayersModel<Tensor | Tensor[]>, destination);
  }
}

/** One loss per output from a spec for all, a list in output order, or a record by output name. */
function lossesFor(spec: CompileArgs['loss'], outputs: string[]): Loss[] {
  if (Array.isArray(spec)) {
    if (spec.length !== outputs.length) throw new Error(`compile: ${spec.length} losses for ${outputs.length} outputs (${outputs.join(', ')})`);
    return spec.map((s) => getLoss(s));
  }
  if (spec !== null && typeof spec === 'object' && !('name' in spec) && typeof spec !== 'function') {
    const record = spec as Record<string, unknown>;
    for (const k of Object.keys(record)) if (!outputs.includes(k)) throw new Error(`compile: loss for '${k}', which is not an output (${outputs.join(', ')})`);
    return outputs.map((o) => {
      if (record[o] === undefined) throw new Error(`compile: no loss for output '${o}'`);
      return getLoss(record[o] as never);
    });
  }
  const loss = getLoss(spec as never);
  return outputs.map((_, i) => (i === 0 ? loss : getLoss(spec as never)));
}
