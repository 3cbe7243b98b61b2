// One sweep trial: train with the trial's settings and score the kept weights on the validation rows. Runs in a local
// pool process (`glassbox sweep-trial`, hidden) or on a Redis worker (the 'sweep-trial' job), with the same numbers.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../backend/backend.js';
import { toArtifacts, type ModelArtifacts } from '../io/artifacts.js';
import { siblingModule } from '../distributed/compute-pool.js';
import { saveModel } from '../io/save-load.js';
import type { LayersModel } from '../train/layers-model.js';
import { runPartKey } from '../distributed/keys.js';
import type { JobHandler } from '../distributed/worker.js';
import { PayloadError, bool, hash, int, list, num, oneOf, record, str } from '../distributed/validate.js';
import { runTrain, type TrainOptions } from './train.js';
import type { TrialParams } from './sweep-grid.js';

export interface TrialResult {
  index: number;
  params: TrialParams;
  /** val_* metrics of the weights the trial kept; empty when it failed. */
  validation: Record<string, number>;
  /** The epoch those weights come from (0-based). */
  keptEpoch: number;
  epochs: number;
  seconds: number;
  /** Held-out test scores (test_*), reported for the chosen model only. */
  test: Record<string, number>;
  /** Set when the trial failed (a diverging loss, bad settings): the sweep goes on without it. */
  error?: string;
}

/** Trains one trial; never throws for the trial's own failures (they become `error`). */
export async function runTrial(index: number, params: TrialParams, options: TrainOptions): Promise<{ result: TrialResult; model: LayersModel | null }> {
  const base: TrialResult = { index, params, validation: {}, keptEpoch: -1, epochs: 0, seconds: 0, test: {} };
  try {
    const { model, summary } = await runTrain({ ...options, verbose: false, json: false });
    const training = model.metadata.training as { history: Record<string, number[]>; settings: { patience?: number } };
    const kept = keptEpoch(training.history.val_loss ?? [], training.settings.patience);
    const validation: Record<string, number> = {};
    for (const [k, v] of Object.entries(training.history)) if (k.startsWith('val_') && kept >= 0) validation[k] = v[kept];
    const test = Object.fromEntries(Object.entries(summary).filter(([k, v]) => k.startsWith('test_') && k !== 'test_rows' && typeof v === 'number')) as Record<string, number>;
    return { result: { ...base, validation, keptEpoch: kept, epochs: Number(summary.epochs), seconds: Number(summary.train_seconds), test }, model };
  } catch (e) {
    return { result: { ...base, error: (e as Error).message }, model: null };
  }
}

/**
 * The epoch whose weights training kept: the last, or with early stopping (restoreBestWeights, minDelta 0, as runTrain sets
 * it up) the lowest val_loss when the stopper fired, which it does once `patience` epochs in a row fail to improve.
 */
export function keptEpoch(valLoss: number[], patience: number | undefined): number {
  if (valLoss.length === 0) return -1;
  if (patience === undefined) return valLoss.length - 1;
  let best = 0;
  let wait = 0;
  for (let e = 1; e < valLoss.length; e++) {
    if (valLoss[e] < valLoss[best]) [best, wait] = [e, 0];
    else wait++;
  }
  return wait >= patience ? best : valLoss.length - 1;
}

/** `glassbox sweep-trial` (hidden): a local pool process. Reads {index, params, options, threads, modelDir} on stdin. */
export async function sweepTrialChild(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const spec = JSON.parse(text) as { index: number; params: TrialParams; options: TrainOptions; threads: number; modelDir: string };
  (getBackend() as { setThreads?: (n: number) => void }).setThreads?.(spec.threads);
  const { result, model } = await runTrial(spec.index, spec.params, spec.options);
  if (model) await saveModel(model, spec.modelDir);
  process.stdout.write(JSON.stringify(result) + '\n');
}

interface TrialOutput {
  result: TrialResult;
  artifacts: ModelArtifacts | null;
}

/** On a worker's compute thread: the trial, and its model as artifacts (the main thread stores them in Redis). */
export async function compute(p: { index: number; params: TrialParams; options: TrainOptions }): Promise<TrialOutput> {
  const { result, model } = await runTrial(p.index, p.params, p.options);
  return { result, artifacts: model ? toArtifacts(model) : null };
}

const COMPUTE = siblingModule('sweep-trial', import.meta.url);

/** What a 'sweep-trial' job carries: the trial and its data files by content hash (no shared file system). */
export interface TrialJobData {
  runId: string;
  index: number;
  params: TrialParams;
  options: Record<string, unknown>;
  /** The CSV file and the --config layer list, when the sweep uses them. */
  files: { data: string | null; config: string | null };
}

/** The Redis worker's handler: files to a temporary folder, train, the model's artifacts back into Redis under the run. */
export function sweepTrialHandler(): JobHandler {
  return async (raw, ctx) => {
    const job = checkTrialJob(raw);
    await ctx.watchRun(job.runId);
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-trial-'));
    try {
      const options = { ...job.options } as unknown as TrainOptions;
      if (job.files.data) {
        options.data = join(dir, 'data.csv');
        await writeFile(options.data, await ctx.blobs.get(job.files.data, 'sweep data file'));
      }
      if (job.files.config) {
        options.config = join(dir, 'layers.json');
        await writeFile(options.config, await ctx.blobs.get(job.files.config, 'sweep --config file'));
      }
      const { result, artifacts } = (await ctx.compute(COMPUTE, { index: job.index, params: job.params, options })) as TrialOutput;
      if (!artifacts) return { result, model: null };
      const key = (part: string) => runPartKey(ctx.queue, job.runId, `model:${job.index}:${part}`);
      const json = await ctx.blobs.put(new TextEncoder().encode(artifacts.modelJson), 'trial model.json', key('json'));
      const weights = await ctx.blobs.put(artifacts.weights, 'trial weights', key('weights'));
      return { result, model: { json, weights } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

const optional = <T>(v: unknown, check: (x: unknown) => T): T | undefined => (v === undefined || v === null ? undefined : check(v));
const names = (v: unknown, w: string) => list(v, w, 10_000, (x, ww) => str(x, ww, 500));

/** Checks a trial job from Redis: every training option by type and range; paths are never taken from the payload. */
export function checkTrialJob(raw: unknown): TrialJobData {
  const d = record(raw, 'trial job', ['runId', 'index', 'params', 'options', 'files'], ['runId', 'index', 'params', 'options', 'files']);
  const f = record(d.files, 'trial job.files', ['data', 'config'], ['data', 'config']);
  const o = record(d.options, 'trial job.options', TRIAL_OPTION_KEYS);
  const w = (k: string) => `trial job.options.${k}`;
  if (o.data !== 'mnist' && f.data === null) throw new PayloadError('trial job: options.data must be mnist, or the CSV file must travel in files.data');
  const options: Record<string, unknown> = {
    data: 'mnist', target: optional(o.target, (v) => str(v, w('target'), 500)), features: optional(o.features, (v) => names(v, w('features'))),
    ignore: optional(o.ignore, (v) => names(v, w('ignore'))), categorical: optional(o.categorical, (v) => names(v, w('categorical'))),
    task: optional(o.task, (v) => oneOf(v, ['classification', 'regression'], w('task'))), missing: oneOf(o.missing, ['error', 'drop', 'impute'], w('missing')),
    maxCategories: optional(o.maxCategories, (v) => int(v, w('maxCategories'), 1)), testFraction: num(o.testFraction, w('testFraction'), 0),
    epochs: optional(o.epochs, (v) => int(v, w('epochs'), 1, 100_000)), batchSize: int(o.batchSize, w('batchSize'), 1, 1 << 20), seed: int(o.seed, w('seed')),
    out: '', json: false, hidden: list(o.hidden, w('hidden'), 64, (v, ww) => int(v, ww, 1, 1 << 16)), activation: str(o.activation, w('activation'), 40),
    optimizer: oneOf(o.optimizer, ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'], w('optimizer')), lr: num(o.lr, w('lr'), 0),
    clipNorm: optional(o.clipNorm, (v) => num(v, w('clipNorm'), 0)), l2: num(o.l2, w('l2'), 0), dropout: num(o.dropout, w('dropout'), 0),
    arch: oneOf(o.arch, ['mlp', 'cnn'], w('arch')), validationSplit: optional(o.validationSplit, (v) => num(v, w('validationSplit'), 0)),
    patience: optional(o.patience, (v) => int(v, w('patience'))), trainLimit: optional(o.trainLimit, (v) => int(v, w('trainLimit'), 1)),
    testLimit: optional(o.testLimit, (v) => int(v, w('testLimit'), 1)), backend: optional(o.backend, (v) => oneOf(v, ['wasm', 'js'], w('backend'))),
    verbose: optional(o.verbose, (v) => bool(v, w('verbose'))) ?? false,
  };
  return {
    runId: str(d.runId, 'trial job.runId', 64, /^[a-z0-9-]{8,64}$/), index: int(d.index, 'trial job.index'),
    params: record(d.params, 'trial job.params', Object.keys(d.params ?? {})) as TrialParams, options,
    files: { data: f.data === null ? null : hash(f.data, 'trial job.files.data'), config: f.config === null ? null : hash(f.config, 'trial job.files.config') },
  };
}

const TRIAL_OPTION_KEYS = [
  'data', 'target', 'features', 'ignore', 'categorical', 'task', 'missing', 'maxCategories', 'testFraction', 'epochs', 'batchSize', 'seed', 'out', 'json',
  'hidden', 'activation', 'optimizer', 'lr', 'clipNorm', 'l2', 'dropout', 'arch', 'config', 'validationSplit', 'patience', 'trainLimit', 'testLimit', 'backend', 'verbose',
];
