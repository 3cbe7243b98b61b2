// Sequential: a layer stack that compiles, fits, evaluates and predicts (the Keras / TensorFlow.js API).

import { Tensor } from '../tensor/tensor.js';
import { gradientsOf } from '../autograd/grad.js';
import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { Layer, type CallOptions } from '../nn/layer.js';
import { LayerStack, type StackConfig } from '../nn/stack.js';
import { Dense } from '../nn/dense.js';
import { Activation } from '../nn/simple-layers.js';
import { getActivation } from '../nn/activations.js';
import { Rng, getRng } from '../util/random.js';
import { getLoss, type Loss, type LossSpec } from './losses.js';
import { getOptimizer, type Optimizer, type OptimizerConfig, type OptimizerSpec } from './optimizers.js';
import { getMetric, type Metric, type MetricSpec } from './metrics.js';
import { CallbackList, History, type CallbackHooks, type Logs, type TrainingParams } from './callbacks.js';
import { ProgressLogger } from './progress.js';
import { validateTrainingData, type TargetKind } from './validate.js';
import { BatchGatherer } from './batches.js';
import { DenseStep } from './dense-step.js';
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
   * Train Dense/Dropout stacks with the fused step (default true): same results as the autograd
   * path, without building a graph. false forces the general path.
   */
  fastPath?: boolean;
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
   * Forward pass returning logits too when the loss can fuse with the final activation
   * (softmax / sigmoid + cross-entropy), so training never takes log of a rounded-off probability.
   */
  forwardForLoss(x: Tensor, options: CallOptions): { output: () => Tensor; logits: Tensor | null; raw: Tensor | null } {
    const fuse = this.loss?.fusesWith;
    const last = this.layers[this.layers.length - 1];
    const lastActivation = last instanceof Dense || last instanceof Activation ? last.activation : null;
    // An activity regulariser needs the activated output, which the fused path never computes.
    const needsOutput = last instanceof Dense && last.activityRegularizer !== null;
    if (!fuse || lastActivation !== fuse || needsOutput) {
      const y = this.apply(x, options);
      return { output: () => y, logits: null, raw: y };
    }
    this.checkInput(x);
    let h = x;
    for (const layer of this.layers.slice(0, -1)) h = layer.apply(h, options);
    const logits = last instanceof Dense ? last.preActivation(h) : h;
    const activate = getActivation(fuse);
    return { output: () => noGrad(() => activate(logits)), logits, raw: null };
  }

  /** Mean loss of a batch plus regularisation penalties, as a scalar tensor (differentiable). */
  private batchLoss(loss: Loss, yTrue: Tensor, forward: ReturnType<Sequential['forwardForLoss']>): Tensor {
    const perExample = forward.logits && loss.perExampleFromLogits
      ? loss.perExampleFromLogits(yTrue, forward.logits)
      : loss.perExample(yTrue, forward.raw ?? forward.output());
    let total = ops.mean(perExample);
    for (const layer of this.layers) {
      for (const penalty of [...layer.regularizationLosses(), ...layer.activityLosses()]) total = ops.add(total, penalty);
    }
    return total;
  }

  /** One optimiser step on one batch; returns the loss and the batch's predictions. */
  private trainStep(x: Tensor, y: Tensor, rng: Rng): { loss: number; output: () => Tensor } {
    const { optimizer, loss } = this.requireCompiled('fit');
    const vars = this.trainableWeights;
    let forward!: ReturnType<Sequential['forwardForLoss']>;
    const { value, grads } = gradientsOf(() => {
      forward = this.forwardForLoss(x, { training: true, rng });
      return this.batchLoss(loss, y, forward);
    }, vars);
    const lossValue = value.values[0];
    if (!Number.isFinite(lossValue)) return { loss: lossValue, output: forward.output };
    optimizer.applyGradients(vars, grads);
    return { loss: lossValue, output: forward.output };
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
    const fast = args.fastPath === false ? null : DenseStep.plan(this.layers, loss, this.optimizer!, this.inputShape.reduce((a, b) => a * b, 1), batchSize);

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
        const [xb, yb] = gather.batch(order, b);
        if (list.hasBatchHooks) await list.batchBegin(b, { batch: b, size: xb.shape[0] });
        const rng = new Rng(mixSeed(shuffleSeed, epoch, b, 1));
        const step = fast
          ? { loss: fast.step(xb.values as Float32Array, yb.values, xb.shape[0], rng), output: () => fast.lastOutput(xb.shape[0]) }
          : this.trainStep(xb, yb, rng);
        if (!Number.isFinite(step.loss)) {
          throw new Error(
            `fit: the loss became ${step.loss} at epoch ${epoch + 1}, batch ${b + 1}; ` +
              'lower the learning rate, scale inputs to [0, 1], or set clipNorm on the optimizer',
          );
        }
        const rows = xb.shape[0];
        lossSum += step.loss * rows;
        seen += rows;
        if (this.metrics.length > 0) {
          const out = step.output();
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

  /** Loss and metrics over a dataset, as plain numbers keyed by name. */
  evaluateLogs(x: Tensor, y: Tensor, batchSize = 256): Logs {
    const { loss } = this.requireCompiled('evaluate');
    validateTrainingData(x, y, this.inputShape, this.outputShape, this.targetKind(loss), 'evaluate');
    const metrics = this.freshMetrics(loss.name);
    const gather = new BatchGatherer(x, y, batchSize);
    const n = x.shape[0];
    let lossSum = 0;
    noGrad(() => {
      for (let b = 0; b < Math.ceil(n / batchSize); b++) {
        const [xb, yb] = gather.batch(null, b);
        const forward = this.forwardForLoss(xb, { training: false });
        lossSum += this.batchLoss(loss, yb, forward).values[0] * xb.shape[0];
        if (metrics.length > 0) {
          const out = forward.output();
          metrics.forEach((m) => m.update(yb, out));
        }
      }
    });
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
    const step = this.trainStep(x, y, getRng());
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
  const known = new Set(['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'initialBatch', 'shuffleSeed', 'fastPath']);
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw new Error(`fit: unknown option '${key}'; known options: ${[...known].join(', ')}`);
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

