// Runs a sweep's trials: a pool of local processes, or jobs on Redis workers; collects each trial's result and best model.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../io/save-load.js';
import type { LayersModel } from '../train/layers-model.js';
import { BLOB_TTL_SECONDS, BlobStore } from '../distributed/blobs.js';
import { keyPrefix, newRunId, runKey, runPartKey } from '../distributed/keys.js';
import { connectRedis } from '../distributed/redis.js';
import { runJobs, type RunJob } from '../distributed/run-tracker.js';
import { hash, record } from '../distributed/validate.js';
import type { TrainOptions } from './train.js';
import type { TrialParams } from './sweep-grid.js';
import type { TrialJobData, TrialResult } from './sweep-trial.js';

export interface Trial {
  index: number;
  params: TrialParams;
  options: TrainOptions;
}

export interface SweepRunOptions {
  onProgress: (done: number, total: number) => void;
  signal: AbortSignal;
  /** Returns the model of the trial to keep, once results are ranked. */
  pick: (results: TrialResult[]) => TrialResult | null;
}

/** Local pool: `processes` trials at once, each in a `glassbox sweep-trial` process with its share of the cores' threads. */
export async function runLocalPool(trials: Trial[], processes: number, threads: number, workDir: string, o: SweepRunOptions): Promise<{ results: TrialResult[]; best: LayersModel | null }> {
  const results: TrialResult[] = new Array(trials.length);
  const running = new Set<ChildProcess>();
  const kill = () => running.forEach((c) => c.kill('SIGTERM'));
  o.signal.addEventListener('abort', kill);
  let next = 0;
  let done = 0;
  const runOne = async (): Promise<void> => {
    while (next < trials.length && !o.signal.aborted) {
      const t = trials[next++];
      results[t.index] = await childTrial(t, threads, join(workDir, `trial-${t.index}`), running);
      o.onProgress(++done, trials.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(processes, trials.length) }, runOne));
  } finally {
    o.signal.removeEventListener('abort', kill);
  }
  if (o.signal.aborted) throw abortError();
  const best = o.pick(results);
  return { results, best: best ? await loadModel(join(workDir, `trial-${best.index}`)) : null };
}

function childTrial(t: Trial, threads: number, modelDir: string, running: Set<ChildProcess>): Promise<TrialResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'sweep-trial'], { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin!.end(JSON.stringify({ index: t.index, params: t.params, options: t.options, threads, modelDir }));
    child.on('exit', (code, signal) => {
      running.delete(child);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as TrialResult);
      const reason = err.trim().split('\n').pop() || `exited with ${code ?? signal}`;
      resolve({ index: t.index, params: t.params, validation: {}, keptEpoch: -1, epochs: 0, seconds: 0, test: {}, error: `trial process: ${reason}` });
    });
  });
}

/** Redis: one job a trial; the data file and --config travel by content hash; the best trial's model comes back from Redis. */
export async function runOnWorkers(trials: Trial[], url: string, queue: string, o: SweepRunOptions): Promise<{ results: TrialResult[]; best: LayersModel | null }> {
  const redis = await connectRedis(url);
  try {
    const blobs = new BlobStore(redis, keyPrefix(queue));
    const base = trials[0].options;
    const files = {
      data: base.data === 'mnist' ? null : await blobs.put(await readFile(base.data), `data file ${base.data}`),
      config: base.config ? await blobs.put(await readFile(base.config), `--config ${base.config}`) : null,
    };
    const runId = newRunId();
    const specKey = runKey(queue, runId);
    await redis.set(specKey, JSON.stringify({ kind: 'sweep', trials: trials.length }), 'EX', BLOB_TTL_SECONDS);
    const partKeys = trials.flatMap((t) => ['json', 'weights'].map((p) => runPartKey(queue, runId, `model:${t.index}:${p}`)));
    const jobs: RunJob[] = trials.map((t) => {
      const { out: _out, config: _config, ...options } = t.options;
      const data: TrialJobData = { runId, index: t.index, params: t.params, options: { ...options, data: base.data === 'mnist' ? 'mnist' : 'file' }, files };
      return { name: 'sweep-trial', data, units: 1, label: `trial ${t.index} (${JSON.stringify(t.params)})` };
    });
    // The trial models stay in Redis until the chosen one is read back; then the run's keys go.
    try {
      const raw = await runJobs(redis, jobs, { url, queue, runId, runKey: specKey, partKeys: [], signal: o.signal, onProgress: o.onProgress });
      const replies = raw.map((r, i) => record(r, `result of ${jobs[i].label}`, ['result', 'model'], ['result', 'model']));
      const results = replies.map((r) => r.result as TrialResult);
      const chosen = o.pick(results);
      if (!chosen) return { results, best: null };
      const m = record(replies[chosen.index].model, 'trial model', ['json', 'weights'], ['json', 'weights']);
      const key = (part: string) => runPartKey(queue, runId, `model:${chosen.index}:${part}`);
      const json = await blobs.get(hash(m.json, 'trial model.json'), 'trial model.json', undefined, key('json'));
      const weights = await blobs.get(hash(m.weights, 'trial weights'), 'trial weights', undefined, key('weights'));
      return { results, best: await loadModel({ modelJson: new TextDecoder().decode(json), weights }) };
    } finally {
      await redis.del(...partKeys).catch(() => {});
    }
  } finally {
    redis.disconnect();
  }
}

function abortError(): Error {
  const e = new Error('sweep: cancelled; running trials were stopped');
  e.name = 'AbortError';
  return e;
}
