// The submitting side of a run: enqueue its jobs, follow progress from every worker, collect results in job order, and on
// failure, Ctrl-C or a lost Redis remove what is left and throw: a run returns all of its results or none.

import type { Redis } from 'ioredis';
import { connectRedis, redactUrl } from './redis.js';
import { JOB_ATTEMPTS, jobId } from './keys.js';

export interface RunJob {
  /** Job kind, as the worker's handlers name it ('explain-shard', 'sweep-trial'). */
  name: string;
  data: object;
  /** Progress units the job covers (rows of a shard, 1 for a trial). */
  units: number;
  /** How messages name it: 'shard 3 (rows 30-39)'. */
  label: string;
}

export interface TrackOptions {
  url: string;
  queue: string;
  runId: string;
  /** The run's spec key: workers stop a run's jobs once it is gone. */
  runKey: string;
  /** Other keys only this run uses, deleted when it ends. */
  partKeys: string[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Fail after Redis has been unreachable this long (default 30 s). */
  redisTimeoutMs?: number;
}

const POLL_MS = 500;
/** How often every pending job's state is read (a lost job, a missed event); longer for runs of thousands of jobs. */
const FULL_CHECK_MS = 2000;

/** Runs `jobs` on the queue's workers; resolves with their results in order, or rejects with the first failure. */
export async function runJobs(redis: Redis, jobs: RunJob[], o: TrackOptions): Promise<unknown[]> {
  const { Queue, QueueEvents, Job } = await import('bullmq');
  const queue = new Queue(o.queue, { connection: redis });
  const eventsClient = await connectRedis(o.url, { blocking: true });
  const events = new QueueEvents(o.queue, { connection: eventsClient });
  const ids = jobs.map((_, i) => jobId(o.runId, i));
  const index = new Map(ids.map((id, i) => [id, i]));
  const progress = new Float64Array(jobs.length);
  const total = jobs.reduce((s, j) => s + j.units, 0);
  const report = () => o.onProgress?.(Math.round(progress.reduce((a, b) => a + b, 0)), total);
  let wake: (() => void) | null = null;
  events.on('progress', ({ jobId: id, data }) => {
    const i = index.get(id);
    const done = (data as { done?: unknown })?.done;
    if (i !== undefined && typeof done === 'number' && Number.isFinite(done)) progress[i] = Math.min(jobs[i].units, Math.max(0, done));
    report();
  });
  // Jobs an event says finished are looked at at once; all pending jobs (lost ones, missed events) every few seconds.
  const finishedIds = new Set<number>();
  const finished = ({ jobId: id }: { jobId: string }) => {
    const i = index.get(id);
    if (i === undefined) return;
    finishedIds.add(i);
    wake?.();
  };
  events.on('completed', finished);
  events.on('failed', finished);
  events.on('error', () => {});
  const pending = new Set(jobs.map((_, i) => i));
  const results: unknown[] = new Array(jobs.length);
  try {
    await events.waitUntilReady();
    await queue.addBulk(jobs.map((j, i) => ({
      name: j.name, data: j.data,
      opts: { jobId: ids[i], attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } },
    })));
    report();
    let lastContact = Date.now();
    let lastFull = 0;
    while (pending.size > 0) {
      checkCancelled(o.signal);
      try {
        const full = Date.now() - lastFull >= Math.max(FULL_CHECK_MS, 2 * pending.size);
        if (full && !(await redis.exists(o.runKey))) {
          throw new RunEnded(`Redis no longer holds this run (restarted without persistence, or its keys were deleted); nothing partial is returned: run the command again`);
        }
        const order = full ? [...pending] : [...finishedIds].filter((i) => pending.has(i));
        finishedIds.clear();
        if (full) lastFull = Date.now();
        const states = await Promise.all(order.map((i) => queue.getJobState(ids[i])));
        for (const [k, state] of states.entries()) {
          const i = order[k];
          if (state === 'completed') {
            const job = await Job.fromId(queue, ids[i]);
            if (!job) throw new RunEnded(`Redis lost the result of ${jobs[i].label} (restarted without persistence?); run the command again`);
            results[i] = job.returnvalue;
            pending.delete(i);
            progress[i] = jobs[i].units;
            await job.remove().catch(() => {});
          } else if (state === 'failed') {
            const job = await Job.fromId(queue, ids[i]);
            const tries = job ? `after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}` : '';
            throw new RunEnded(`${jobs[i].label} failed on a worker ${tries}: ${job?.failedReason ?? 'no reason recorded'}`);
          } else if (state === 'unknown') {
            throw new RunEnded(`Redis lost ${jobs[i].label} (restarted without persistence?); nothing partial is returned: run the command again`);
          }
        }
        lastContact = Date.now();
      } catch (e) {
        if (e instanceof RunEnded) throw new Error(e.message);
        const limit = o.redisTimeoutMs ?? 30_000;
        if (Date.now() - lastContact > limit) {
          throw new Error(`lost the connection to Redis at ${redactUrl(o.url)} for ${Math.round(limit / 1000)} s (${(e as Error).message}); nothing partial is returned: run the command again`);
        }
      }
      report();
      if (pending.size > 0) await sleep(POLL_MS, o.signal, (w) => (wake = w));
    }
    return results;
  } finally {
    await cleanUp(redis, queue, [...pending].map((i) => ids[i]), [o.runKey, ...o.partKeys]);
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
    eventsClient.disconnect();
  }
}

/** A run that cannot finish; thrown past the retry-on-connection-error logic. */
class RunEnded extends Error {}

/** Removes jobs not yet taken and the run's keys; a job being worked on stops when its worker sees the run key gone. */
async function cleanUp(redis: Redis, queue: { remove(id: string): Promise<number> }, ids: string[], keys: string[]): Promise<void> {
  const work = Promise.allSettled([...ids.map((id) => queue.remove(id)), redis.del(...keys)]);
  await Promise.race([work, new Promise((r) => setTimeout(r, 5000).unref())]);
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const err = new Error('cancelled; the run\'s queued jobs were removed');
    err.name = 'AbortError';
    throw err;
  }
}

/** Waits `ms`, or less when woken (a job of this run finished) or cancelled. */
function sleep(ms: number, signal: AbortSignal | undefined, setWake: (w: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    setWake(done);
  });
}
