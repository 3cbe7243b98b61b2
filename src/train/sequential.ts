// Sequential: a layer stack that compiles, fits, evaluates and predicts (the Keras / TensorFlow.js API).

import { Tensor, type DType } from '../tensor/tensor.js';
import { gradientsOf } from '../autograd/grad.js';
import * as ops from '../ops/index.js';
import { Layer, type CallOptions } from '../nn/layer.js';
import { LayerStack, type StackConfig } from '../nn/stack.js';
import { producerOf } from '../ops/run.js';
import { Rng, getRng } from '../util/random.js';
import { getLoss, type Loss, type LossSpec } from './losses.js';
import { getOptimizer, type Optimizer, type OptimizerConfig, type OptimizerSpec } from './optimizers.js';
import { getMetric, type Metric, type MetricSpec } from './metrics.js';
import { CallbackList, History, type CallbackHooks, type Logs, type TrainingParams } from './callbacks.js';
import { ProgressLogger } from './progress.js';
import { validateTrainingData, type TargetKind } from './validate.js';
import { BatchGatherer } from './batches.js';
import { evaluateStepPlan, trainStepPlan, type TargetSpec, type TrainStep } from './step-plans.js';
import { yieldToEventLoop } from '../util/yield.js';

export interface CompileArgs {
  optimizer: OptimizerSpec;
  loss: LossSpec;
  metrics?: MetricSpec[];
}

export interface CompileConfig {
  optimizer: OptimizerConfig;
  loss: ReturnType<Loss['getConfig']>;
  metrics: string[];
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the examples (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  callbacks?: CallbackHooks | CallbackHooks[];
  /** 0 silent, 1 progress bar (TTY) or a line per epoch. */
  verbose?: 0 | 1;
  initialEpoch?: number;
  /** Skip the first batches of initialEpoch (resuming mid-epoch from a checkpoint). */
  initialBatch?: number;
  /** Seed of the per-epoch shuffles and dropout masks; drawn from the global generator when omitted. */
  shuffleSeed?: number;
  /**
   * 'plan' (default): each step runs a compiled plan of the forward and backward pass. 'eager' runs
   * op by op through autograd instead: slower, the reference the plans are tested against.
   */
  engine?: 'plan' | 'eager';
}

export interface TrainingState {
  shuffleSeed: number;
  epoch: number;
  /** Last completed batch of `epoch` (-1 before the first). */
  batch: number;
}

/** JSON-safe facts about the data a model was trained on, saved with it. */
export interface ModelMetadata {
  featureNames?: string[];
  classNames?: string[];
  groups?: { name: string; indices: number[] }[];
  task?: 'classification' | 'regression';
  imageShape?: number[];
  [key: string]: unknown;
}

export interface EvaluateArgs {
  batchSize?: number;
}

/** Mixes integers into a 32-bit seed (for per-epoch and per-batch generators). */
function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h;
}

export class Sequential extends LayerStack {
  /** Set by io/ on import, so model.save works without train/ depending on io/. */
  static saver: ((model: Sequential, destination: string) => Promise<unknown>) | null = null;

  optimizer: Optimizer | null = null;
  loss: Loss | null = null;
  metrics: Metric[] = [];
  stopTraining = false;
  trainingState: TrainingState | null = null;
  metadata: ModelMetadata = {};
  private metricSpecs: MetricSpec[] = [];

  compile(args: CompileArgs): void {
    if (!args || args.optimizer === undefined || args.loss === undefined) {
      throw new Error("compile: pass {optimizer, loss}, e.g. {optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']}");
    }
    this.optimizer = getOptimizer(args.optimizer);
    this.loss = getLoss(args.loss);
    this.metricSpecs = [...(args.metrics ?? [])];
    this.metrics = (args.metrics ?? []).map((m) => getMetric(m, this.loss!.name));
    // Training and evaluation plans bake in the loss.
    this.plans.clear('train:');
    this.plans.clear('eval:');
  }

  get compileConfig(): CompileConfig | null {
    if (!this.optimizer || !this.loss) return null;
    const metrics = this.metricSpecs.map((m) => (typeof m === 'string' ? m : m.name));
    return { optimizer: this.optimizer.getConfig(), loss: this.loss.getConfig(), metrics };
  }

  /** Metrics with empty state for one evaluation: new ones from names, user metric objects reset. */
  private freshMetrics(lossName: string): Metric[] {
    return this.metricSpecs.map((m) => {
      if (typeof m === 'string') return getMetric(m, lossName);
      m.reset();
      return m;
    });
  }

  private requireCompiled(what: string): { optimizer: Optimizer; loss: Loss } {
    if (!this.optimizer || !this.loss) throw new Error(`${what}: call model.compile({optimizer, loss}) first`);
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /**
   * The forward pass and the scalar training loss: the mean per-example loss plus every penalty.
   * When the model ends in the activation the loss fuses with (softmax / sigmoid + cross-entropy),
   * the loss is computed from that activation's input, so training never takes log of a rounded-off
   * probability. Traced into fit's and evaluate's plans; run eagerly by the 'eager' engine.
   */
  forwardAndLoss(x: Tensor, y: Tensor, options: CallOptions): { loss: Tensor; output: Tensor } {
    const loss = this.requireCompiled('fit').loss;
    const output = this.apply(x, options);
    const logits = this.logitsFor(loss, output);
    const perExample = logits && loss.perExampleFromLogits ? loss.perExampleFromLogits(y, logits) : loss.perExample(y, output);
    let total = ops.mean(perExample);
    for (const layer of this.layers) {
      for (const penalty of [...layer.regularizationLosses(), ...layer.activityLosses()]) total = ops.add(total, penalty);
    }
    return { loss: total, output };
  }

  /** The input of the model's final softmax / sigmoid when the loss fuses with it, else null. */
  private logitsFor(loss: Loss, output: Tensor): Tensor | null {
    const p = producerOf(output);
    if (!p || !loss.fusesWith) return null;
    if (loss.fusesWith === 'softmax' && p.op === 'softmax') return p.inputs[0];
    if (loss.fusesWith === 'sigmoid' && p.op === 'unary' && (p.attrs as { fn: string }).fn === 'sigmoid') return p.inputs[0];
    return null;
  }

  /** One eager optimiser step (the 'eager' engine): loss and the batch's outputs. */
  private eagerStep(x: Tensor, y: Tensor, rng: Rng): { loss: number; output: () => Tensor } {
    const { optimizer } = this.requireCompiled('fit');
    const vars = this.trainableWeights;
    let output!: Tensor;
    const { value, grads } = gradientsOf(() => {
      const r = this.forwardAndLoss(x, y, { training: true, rng });
      output = r.output;
      return r.loss;
    }, vars);
    const lossValue = value.values[0];
    if (Number.isFinite(lossValue)) optimizer.applyGradients(vars, grads);
    return { loss: lossValue, output: () => output };
  }

  /** One optimiser step through the training plan for this batch shape. */
  private planStep(x: Tensor, y: Tensor, rng: Rng): { loss: number; output: () => Tensor } {
    const step = trainStepPlan(this, x.shape[0], x.dtype, this.targetSpec(y));
    step.plan.inputs.x.set(x.values);
    return this.runTrainStep(step, y, rng);
  }

  /** Runs a training plan whose x input is filled: the loss, then the optimiser's update from its gradients. */
  private runTrainStep(step: TrainStep, y: Tensor, rng: Rng): { loss: number; output: () => Tensor } {
    step.plan.inputs.y.set(y.values);
    step.plan.run({ rng });
    const lossValue = step.plan.outputs.loss[0];
    if (Number.isFinite(lossValue)) this.optimizer!.applyGradients(step.vars, step.grads);
    return { loss: lossValue, output: () => new Tensor(step.plan.outputs.output, step.outputShape) };
  }

  /**
   * fit's step for batch b: through the plan for its row count (gathering x straight into the plan's
   * input), or eagerly. Returns the batch's targets for the metrics.
   */
  private stepper(gather: BatchGatherer, engine: 'plan' | 'eager', xDtype: DType) {
    const steps = new Map<number, TrainStep>();
    return (order: Int32Array | null, b: number, rng: Rng) => {
      if (engine === 'eager') {
        const [xb, yb] = gather.batch(order, b);
        return { ...this.eagerStep(xb, yb, rng), y: yb };
      }
      const idx = gather.rowsOf(order, b);
      const yb = gather.targets(idx);
      let step = steps.get(idx.length);
      if (!step || step.plan.isDisposed) {
        step = trainStepPlan(this, idx.length, xDtype, this.targetSpec(yb));
        steps.set(idx.length, step);
      }
      gather.gatherXInto(idx, step.plan.inputs.x);
      return { ...this.runTrainStep(step, yb, rng), y: yb };
    };
  }

  /** Targets as the plans take them: class indices as int32, anything else as float32. */
  private targetSpec(y: Tensor): TargetSpec {
    return { shape: [...y.shape], dtype: this.targetKind(this.loss!) === 'classIndex' ? 'int32' : 'float32' };
  }

  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    const { loss } = this.requireCompiled('fit');
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 32;
    const initialEpoch = args.initialEpoch ?? 0;
    checkFitArgs(args, epochs, batchSize, initialEpoch);
    const target = this.targetKind(loss);
    validateTrainingData(x, y, this.inputShape, this.outputShape, target, 'fit');

    let [trainX, trainY] = [x, y];
    let validation = args.validationData ?? null;
    if (args.validationSplit) {
      const n = x.shape[0];
      const split = Math.floor(n * (1 - args.validationSplit));
      if (split <= 0 || split >= n) throw new Error(`fit: validationSplit ${args.validationSplit} leaves no training or no validation rows of ${n}`);
      trainX = ops.slice(x, [0], [split]);
      trainY = ops.slice(y, [0], [split]);
      validation = [ops.slice(x, [split], [n - split]), ops.slice(y, [split], [n - split])];
    }
    if (validation) validateTrainingData(validation[0], validation[1], this.inputShape, this.outputShape, target, 'fit (validation data)');

    const n = trainX.shape[0];
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
    const step = this.stepper(gather, args.engine ?? 'plan', trainX.dtype);

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
        const yb = result.y;
        if (!Number.isFinite(result.loss)) {
          throw new Error(
            `fit: the loss became ${result.loss} at epoch ${epoch + 1}, batch ${b + 1}; ` +
              'lower the learning rate (--lr), scale inputs to [0, 1], or clip gradients (clipNorm on the optimizer, --clip-norm on the command line)',
          );
        }
        lossSum += result.loss * rows;
        seen += rows;
        if (this.metrics.length > 0) {
          const out = result.output();
          this.metrics.forEach((m) => m.update(yb, out));
        }
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
        const v = this.evaluateLogs(validation[0], validation[1], batchSize);
        for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
      }
      await list.epochEnd(epoch, logs);
    }
    await list.trainEnd();
    return history;
  }

  private metricLogs(): Logs {
    return Object.fromEntries(this.metrics.map((m) => [m.name, m.result()]));
  }

  private targetKind(loss: Loss): TargetKind {
    if (loss.name === 'sparseCategoricalCrossentropy') return 'classIndex';
    return 'dense';
  }

  /** Loss and metrics over a dataset, as plain numbers keyed by name (each batch through the evaluation plan). */
  evaluateLogs(x: Tensor, y: Tensor, batchSize = 256): Logs {
    const { loss } = this.requireCompiled('evaluate');
    validateTrainingData(x, y, this.inputShape, this.outputShape, this.targetKind(loss), 'evaluate');
    const metrics = this.freshMetrics(loss.name);
    const gather = new BatchGatherer(x, y, batchSize);
    const n = x.shape[0];
    let lossSum = 0;
    for (let b = 0; b < Math.ceil(n / batchSize); b++) {
      const [xb, yb] = gather.batch(null, b);
      const plan = evaluateStepPlan(this, xb.shape[0], xb.dtype, this.targetSpec(yb));
      plan.inputs.x.set(xb.values);
      plan.inputs.y.set(yb.values);
      plan.run();
      lossSum += plan.outputs.loss[0] * xb.shape[0];
      if (metrics.length > 0) {
        const out = new Tensor(plan.outputs.output, plan.outputShape('output'));
        metrics.forEach((m) => m.update(yb, out));
      }
    }
    return { loss: lossSum / n, ...Object.fromEntries(metrics.map((m) => [m.name, m.result()])) };
  }

  /** TensorFlow.js shape: the loss as a scalar, or [loss, ...metrics] when metrics were compiled. */
  evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Tensor | Tensor[] {
    const logs = Object.values(this.evaluateLogs(x, y, args.batchSize));
    const scalars = logs.map((v) => ops.scalar(v));
    return scalars.length === 1 ? scalars[0] : scalars;
  }

  /** One optimiser step; returns the loss, or [loss, ...metrics] for this batch. */
  trainOnBatch(x: Tensor, y: Tensor): number | number[] {
    const { loss } = this.requireCompiled('trainOnBatch');
    validateTrainingData(x, y, this.inputShape, this.outputShape, this.targetKind(loss), 'trainOnBatch');
    const step = this.planStep(x, y, getRng());
    if (!Number.isFinite(step.loss)) throw new Error(`trainOnBatch: the loss became ${step.loss}; lower the learning rate or scale inputs`);
    if (this.metrics.length === 0) return step.loss;
    const out = step.output();
    return [step.loss, ...this.freshMetrics(loss.name).map((metric) => {
      metric.update(y, out);
      return metric.result();
    })];
  }

  /** Saves model.json + weights.safetensors into a folder (see io/). */
  async save(destination: string): Promise<unknown> {
    if (!Sequential.saver) throw new Error('save: import glassbox (or glassbox/io) so a model saver is registered');
    return Sequential.saver(this, destination);
  }

  static fromConfig(config: StackConfig): Sequential {
    return new Sequential({ name: config.name, layers: LayerStack.layersFromConfig(config) });
  }
}

function checkFitArgs(args: FitArgs, epochs: number, batchSize: number, initialEpoch: number): void {
  const known = new Set(['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'initialBatch', 'shuffleSeed', 'engine']);
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw new Error(`fit: unknown option '${key}'; known options: ${[...known].join(', ')}`);
  }
  if (args.engine !== undefined && args.engine !== 'plan' && args.engine !== 'eager') {
    throw new Error(`fit: engine must be 'plan' or 'eager', got '${String(args.engine)}'`);
  }
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
    throw new Error(`fit: initialEpoch must be an integer in [0, epochs), got ${initialEpoch}`);
  }
  if (args.validationSplit !== undefined && !(args.validationSplit > 0 && args.validationSplit < 1)) {
    throw new Error(`fit: validationSplit must be in (0, 1), got ${args.validationSplit}`);
  }
}

/** Keras-style factory: `sequential({layers: [...]})`. */
export function sequential(args: { layers?: Layer[]; name?: string } = {}): Sequential {
  return new Sequential(args);
}

