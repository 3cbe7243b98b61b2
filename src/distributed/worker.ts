// A BullMQ worker for glassbox jobs: dispatches by job kind, computes on its own threads (so locks are renewed however long
// a step runs), reports progress, stops a job whose run was cancelled, and on stop() hands its jobs back to the queue.

import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { availableParallelism } from 'node:os';
import { ComputePool } from './compute-pool.js';
import { BlobStore } from './blobs.js';
import { connectRedis, redactUrl } from './redis.js';
import { DEFAULT_QUEUE, checkQueueName, keyPrefix, runKey } from './keys.js';
import { PayloadError } from './validate.js';
import { MAX_JOB_BYTES } from './explain-spec.js';

/** What a job handler gets besides the job. */
export interface JobContext {
  redis: Redis;
  blobs: BlobStore;
  queue: string;
  /** Fires when the job must stop: its run was cancelled, or the worker is stopping. */
  signal: AbortSignal;
  /** Reports units done (sent at most twice a second). */
  progress(done: number): void;
  /** Runs `module`'s compute(payload, progress) on a compute thread; ended at once when the job must stop. */
  compute(module: URL, payload: unknown): Promise<unknown>;
  /** Stops the job (unrecoverably) as soon as this run's spec is gone from Redis: the submitter cancelled or failed it. */
  watchRun(runId: string): Promise<void>;
}

export type JobHandler = (data: unknown, ctx: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  /** redis:// or rediss:// URL (with the password if Redis has one). */
  redis: string;
  queue?: string;
  /** Jobs at once (default 1), each on its own compute thread. */
  concurrency?: number;
  /** Kernel threads per job (default: the cores shared among the jobs, at most 4). */
  threads?: number;
  /** A job whose worker stops renewing its lock (killed) goes back to the queue after about this long (default 10 s: compute threads keep the main thread free to renew it). */
  lockSeconds?: number;
  /** Handlers by job kind; explain shards are handled unless replaced. */
  handlers?: Record<string, JobHandler>;
  /** One line per event (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Hands jobs in progress back to the queue (no attempt is used up) and closes the connections. */
  stop(): Promise<void>;
}

/** Starts a worker; it takes jobs until stop(). */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const queue = checkQueueName(o.queue ?? DEFAULT_QUEUE);
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const lockMs = Math.round((o.lockSeconds ?? 10) * 1000);
  if (!(lockMs >= 1000)) throw new Error(`--lock-seconds must be at least 1, got ${o.lockSeconds}`);
  const { Worker, UnrecoverableError, WaitingError } = await import('bullmq');
  const handlers: Record<string, JobHandler> = { ...(await defaultHandlers()), ...o.handlers };
  const redis = await connectRedis(o.redis, { blocking: true });
  const blobs = new BlobStore(redis, keyPrefix(queue));
  const concurrency = o.concurrency ?? 1;
  const pool = new ComputePool(o.threads ?? Math.max(1, Math.min(4, Math.floor(availableParallelism() / concurrency))));
  let stopping = false;

  const processor = async (job: Job, token?: string, bullSignal?: AbortSignal): Promise<unknown> => {
    const handler = Object.prototype.hasOwnProperty.call(handlers, job.name) ? handlers[job.name] : undefined;
    if (!handler) throw new UnrecoverableError(`unknown job kind '${job.name.slice(0, 40)}'; this worker runs: ${Object.keys(handlers).join(', ')}`);
    if (JSON.stringify(job.data ?? null).length > MAX_JOB_BYTES) throw new UnrecoverableError(`job payload over ${MAX_JOB_BYTES} bytes; refused`);
    const abort = new AbortController();
    bullSignal?.addEventListener('abort', () => abort.abort());
    let runGone = false;
    let watcher: NodeJS.Timeout | null = null;
    let lastProgress = 0;
    const started = performance.now();
    log(`${job.name} ${job.id}: started (attempt ${job.attemptsStarted ?? 1})`);
    const ctx: JobContext = {
      redis, blobs, queue, signal: abort.signal,
      progress(done) {
        const now = performance.now();
        if (now - lastProgress < 500) return;
        lastProgress = now;
        job.updateProgress({ done }).catch(() => {});
      },
      compute: (module, payload) => pool.run({ module, payload }, abort.signal, (done) => ctx.progress(done)),
      async watchRun(runId) {
        const key = runKey(queue, runId);
        const check = async () => {
          if ((await redis.exists(key).catch(() => 1)) === 0) {
            runGone = true;
            abort.abort();
          }
        };
        await check();
        watcher ??= setInterval(check, 1000);
      },
    };
    try {
      const result = await handler(job.data, ctx);
      log(`${job.name} ${job.id}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (e) {
      if (stopping && !runGone) {
        await job.moveToWait(token);
        log(`${job.name} ${job.id}: returned to the queue`);
        throw new WaitingError();
      }
      const message = runGone ? `run cancelled or gone from Redis; ${job.name} ${job.id} stopped` : (e as Error).message;
      log(`${job.name} ${job.id}: ${message}`);
      if (runGone || e instanceof PayloadError) throw new UnrecoverableError(message);
      throw e;
    } finally {
      if (watcher) clearInterval(watcher);
    }
  };

  const worker = new Worker(queue, processor, {
    connection: redis, concurrency, lockDuration: lockMs, stalledInterval: Math.max(500, lockMs / 2), maxStalledCount: 2,
  });
  worker.on('error', (e) => log(`worker: ${e.message}`));
  worker.on('stalled', (id) => log(`job ${id} stalled (its worker stopped renewing the lock); back in the queue`));
  await worker.waitUntilReady();
  log(`glassbox worker on ${redactUrl(o.redis)}, queue '${queue}', ${concurrency} job(s) at a time: waiting for jobs`);
  return {
    async stop() {
      stopping = true;
      worker.cancelAllJobs('worker stopping');
      await worker.close();
      await pool.close();
      redis.disconnect();
    },
  };
}

/** The built-in handlers, loaded when a worker starts (so the library can be imported without them). */
async function defaultHandlers(): Promise<Record<string, JobHandler>> {
  const { explainShardHandler } = await import('./explain-shard.js');
  return { 'explain-shard': explainShardHandler() };
}
