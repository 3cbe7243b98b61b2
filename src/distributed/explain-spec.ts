// The run spec of a distributed explanation: which method, which options, where the model and background are; one checker
// serves the submitter (before anything is sent) and the worker (before anything is used).

import { getBackend } from '../backend/backend.js';
import { PayloadError, bool, hash, int, list, num, oneOf, record, str, type Obj } from './validate.js';

/** Methods whose rows are explained independently with per-row random streams, so shards merge into the local result. */
export const DISTRIBUTED_METHODS = ['kernel-shap', 'sampling-shap', 'exact-shapley'] as const;
export type DistributedMethod = (typeof DISTRIBUTED_METHODS)[number];

/** Largest spec a worker parses (names and groups of a wide model fit easily). */
export const MAX_SPEC_BYTES = 16 * 1024 * 1024;
const MAX_NAMES = 1 << 20;

export interface ExplainRunSpec {
  v: 1;
  method: DistributedMethod;
  backend: 'wasm' | 'js';
  /** The arithmetic the submitter's kernels do (see arithmetic()); workers refuse a shard they would compute differently. */
  arithmetic: string;
  /** Content hashes of the model's model.json text and weights.safetensors bytes. */
  model: { json: string; weights: string };
  rowShape: number[];
  /** Rows of the whole set, and outputs per row (of the shared predictions). */
  rows: number;
  outputs: number;
  /** Background rows (float32, [n, ...rowShape]) and optional weights, by content hash. */
  background: { data: string; rows: number; weights: string | null };
  /** The explainer's options that travel as JSON (see OPTION_CHECKS). */
  options: Obj;
}

type Check = (v: unknown, what: string) => unknown;
const positive: Check = (v, w) => int(v, w, 1);
const names: Check = (v, w) => list(v, w, MAX_NAMES, (x, ww) => str(x, ww, 500));
const group: Check = (v, w) => {
  const g = record(v, w, ['name', 'indices'], ['name', 'indices']);
  return { name: str(g.name, `${w}.name`, 500), indices: list(g.indices, `${w}.indices`, MAX_NAMES, (x, ww) => int(x, ww, 0, MAX_NAMES)) };
};

/** Options that may travel, and how each is checked; anything else (functions, signals, tensors) stays home. */
const COMMON_CHECKS: Record<string, Check> = {
  seed: (v, w) => int(v, w, -(2 ** 53) + 1),
  featureNames: names,
  outputNames: names,
  groups: (v, w) => list(v, w, MAX_NAMES, group),
  maxRowsPerCall: positive,
  batchSize: positive,
  summarize: (v, w) => oneOf(v, ['kmeans', 'sample', 'none'], w),
  maxBackground: positive,
  fastPath: (v, w) => (v === 'always' ? v : bool(v, w)),
};
const METHOD_CHECKS: Record<DistributedMethod, Record<string, Check>> = {
  'kernel-shap': { nSamples: positive, tolerance: (v, w) => num(v, w, 0), l1Features: positive, folds: (v, w) => int(v, w, 2, 1000) },
  'sampling-shap': { nPermutations: positive, tolerance: (v, w) => num(v, w, 0), roundSize: positive },
  'exact-shapley': { maxFeatures: (v, w) => int(v, w, 1, 30) },
};

/** Options handled by the submitting process itself, never sent. */
export const LOCAL_OPTIONS = ['onProgress', 'signal', 'background'] as const;

export function isDistributedMethod(m: string): m is DistributedMethod {
  return (DISTRIBUTED_METHODS as readonly string[]).includes(m);
}

/** Checks the options of `method` that travel; throws naming an option that cannot. */
export function checkOptions(method: DistributedMethod, options: Obj, what: string): Obj {
  const checks = { ...COMMON_CHECKS, ...METHOD_CHECKS[method] };
  const out: Obj = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const check = checks[k];
    if (!check) {
      throw new PayloadError(`${what}: option '${k.slice(0, 40)}' cannot be sent to workers; options that travel for ${method}: ${Object.keys(checks).join(', ')}`);
    }
    out[k] = check(v, `${what}.${k}`);
  }
  return out;
}

const shape = (v: unknown, w: string) => list(v, w, 8, (x, ww) => int(x, ww, 1, 1 << 24));

/** Parses and checks a spec read from Redis. */
export function checkRunSpec(raw: unknown): ExplainRunSpec {
  const fields = ['v', 'method', 'backend', 'arithmetic', 'model', 'rowShape', 'rows', 'outputs', 'background', 'options'];
  const s = record(raw, 'run spec', fields, fields);
  if (s.v !== 1) throw new PayloadError(`run spec: version ${String(s.v).slice(0, 20)} is not one this worker reads (1); run the same glassbox version on workers and submitters`);
  const method = oneOf(s.method, DISTRIBUTED_METHODS, 'run spec.method');
  const m = record(s.model, 'run spec.model', ['json', 'weights'], ['json', 'weights']);
  const b = record(s.background, 'run spec.background', ['data', 'rows', 'weights'], ['data', 'rows', 'weights']);
  return {
    v: 1,
    method,
    backend: oneOf(s.backend, ['wasm', 'js'], 'run spec.backend'),
    arithmetic: str(s.arithmetic, 'run spec.arithmetic', 40, /^[a-z]+(\/[A-Za-z]+)?$/),
    model: { json: hash(m.json, 'run spec.model.json'), weights: hash(m.weights, 'run spec.model.weights') },
    rowShape: shape(s.rowShape, 'run spec.rowShape'),
    rows: int(s.rows, 'run spec.rows', 1),
    outputs: int(s.outputs, 'run spec.outputs', 1, 1 << 20),
    background: {
      data: hash(b.data, 'run spec.background.data'),
      rows: int(b.rows, 'run spec.background.rows', 1, 1 << 24),
      weights: b.weights === null ? null : hash(b.weights, 'run spec.background.weights'),
    },
    options: checkOptions(method, record(s.options, 'run spec.options', Object.keys({ ...COMMON_CHECKS, ...METHOD_CHECKS[method] })), 'run spec.options'),
  };
}

/**
 * What decides a row's last bits: the backend, and for wasm whether its kernels fuse multiply-adds (relaxed SIMD). The
 * thread count does not (each row is computed by one thread); the Node version and CPU may, through this.
 */
export function arithmetic(): string {
  const b = getBackend() as { name: string; variant?: string };
  return b.variant ? `${b.name}/${b.variant.replace(/Shared$/, '')}` : b.name;
}

/** One shard's job payload: the run, the rows it covers, where they are, and f(x) for them. */
export interface ShardJobData {
  runId: string;
  shard: number;
  start: number;
  end: number;
  /** SHA-256 of the shard's rows (stored under the run's own key). */
  rows: string;
  /** f(x) of the shard's rows, float32 base64, [end - start, outputs]. */
  predictions: string;
}

export const RUN_ID = /^[a-z0-9-]{8,64}$/;
/** Largest job payload a worker accepts. */
export const MAX_JOB_BYTES = 4 * 1024 * 1024;

export function checkShardJob(raw: unknown): ShardJobData {
  const d = record(raw, 'shard job', ['runId', 'shard', 'start', 'end', 'rows', 'predictions'], ['runId', 'shard', 'start', 'end', 'rows', 'predictions']);
  const start = int(d.start, 'shard job.start');
  const end = int(d.end, 'shard job.end', start + 1);
  const predictions = str(d.predictions, 'shard job.predictions', MAX_JOB_BYTES);
  return { runId: str(d.runId, 'shard job.runId', 64, RUN_ID), shard: int(d.shard, 'shard job.shard'), start, end, rows: hash(d.rows, 'shard job.rows'), predictions };
}
