// Worker threads for the exact fast path: a coalition batch is split between this thread and up to
// three workers; a row's data goes to each worker once. Any failure to start a worker falls back to
// this thread, so results never depend on it (each coalition's value is computed the same way).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DenseNet } from './dense-net.js';
import type { FastData } from './fast-eval.js';

export interface FastEvaluator {
  data: FastData;
  net: DenseNet;
  evaluate(masks: Uint8Array, count: number): Float64Array;
}

interface Pending {
  resolve(out: Float64Array): void;
  reject(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  /** Resolves once the worker has loaded (or failed). */
  ready: Promise<void>;
  rowId: number;
  pending: Map<number, Pending>;
}

let pool: PoolWorker[] | null = null;
let broken = false;
let nextJob = 0;
let nextRow = 1;
const rowIds = new WeakMap<FastEvaluator, number>();

const READY_TIMEOUT_MS = 10_000;
const IDLE_MS = 1000;

/** Below this many model rows per batch, splitting costs more than it saves. */
const MIN_ROWS = 40_000;

function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./fast-worker${ext}`, import.meta.url);
}

function getPool(threads: number): PoolWorker[] {
  if (broken || threads <= 1) return [];
  if (pool) return pool.slice(0, threads - 1);
  pool = [];
  try {
    const n = Math.min(3, Math.max(0, availableParallelism() - 1));
    for (let i = 0; i < n; i++) {
      const url = workerUrl();
      // Running from TypeScript sources (tests, tsx), the worker registers tsx before loading its entry.
      const worker = url.pathname.endsWith('.ts')
        ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
        : new Worker(url);
      worker.unref();
      let markReady: () => void = () => {};
      const pw: PoolWorker = { worker, rowId: 0, pending: new Map(), ready: new Promise<void>((r) => (markReady = r)) };
      worker.on('message', (m: { job: number; out: Float64Array } | 'ready') => {
        if (m === 'ready') return markReady();
        const p = pw.pending.get(m.job);
        pw.pending.delete(m.job);
        p?.resolve(m.out);
      });
      const fail = (e: unknown) => {
        broken = true;
        markReady();
        for (const p of pw.pending.values()) p.reject(e instanceof Error ? e : new Error(String(e)));
        pw.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => { if (pw.pending.size) fail(new Error(`fast-path worker exited with code ${code}`)); });
      pool.push(pw);
    }
  } catch {
    broken = true;
    pool = [];
  }
  return pool.slice(0, threads - 1);
}

/** Evaluates masks with the fast path, split across worker threads when the batch is large. */
export async function evaluateParallel(fast: FastEvaluator, masks: Uint8Array, count: number, threads = defaultThreads()): Promise<Float64Array> {
  const workers = count * fast.data.N >= MIN_ROWS ? getPool(threads) : [];
  if (workers.length === 0) return fast.evaluate(masks, count);
  // A worker that has not loaded within a few seconds is given up on (never wait on a stuck loader).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      broken = true;
      resolve();
    }, READY_TIMEOUT_MS);
  });
  await Promise.race([Promise.all(workers.map((w) => w.ready)), timeout]);
  clearTimeout(timer);
  if (broken) {
    scheduleIdleShutdown();
    return fast.evaluate(masks, count);
  }
  let rowId = rowIds.get(fast);
  if (rowId === undefined) {
    rowId = nextRow++;
    rowIds.set(fast, rowId);
  }
  const G = fast.data.G;
  const K = fast.data.outputs;
  const parts = workers.length + 1;
  const per = Math.ceil(count / parts);
  const jobs: Promise<Float64Array>[] = [];
  workers.forEach((pw, i) => {
    const s0 = (i + 1) * per;
    const s1 = Math.min(count, s0 + per);
    if (s1 <= s0) return;
    const job = nextJob++;
    jobs.push(new Promise<Float64Array>((resolve, reject) => {
      pw.pending.set(job, { resolve, reject });
      const send = pw.rowId !== rowId;
      pw.rowId = rowId!;
      pw.worker.postMessage({ job, rowId, data: send ? fast.data : null, net: send ? fast.net : null, masks: masks.slice(s0 * G, s1 * G), count: s1 - s0 });
    }));
  });
  const out = new Float64Array(count * K);
  out.set(fast.evaluate(masks.subarray(0, Math.min(count, per) * G), Math.min(count, per)));
  try {
    const results = await Promise.all(jobs);
    results.forEach((r, i) => out.set(r, (i + 1) * per * K));
  } catch {
    // A worker failed: compute its share here.
    broken = true;
    for (let s0 = per; s0 < count; s0 += per) {
      const s1 = Math.min(count, s0 + per);
      out.set(fast.evaluate(masks.subarray(s0 * G, s1 * G), s1 - s0), s0 * K);
    }
  }
  scheduleIdleShutdown();
  return out;
}

let idleTimer: ReturnType<typeof setTimeout> | null = null;

/** Workers stop after a second without work, so a finished program can exit (whatever the loader). */
function scheduleIdleShutdown(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    const workers = pool ?? [];
    pool = null;
    for (const pw of workers) if (pw.pending.size === 0) void pw.worker.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

function defaultThreads(): number {
  const env = typeof process !== 'undefined' ? process.env.GLASSBOX_EXPLAIN_THREADS : undefined;
  if (env !== undefined && env !== '') return Math.max(1, Number(env) || 1);
  return availableParallelism();
}

/** Workers running, and whether starting one failed (for diagnostics). */
export function poolStatus(): { workers: number; broken: boolean } {
  return { workers: pool?.length ?? 0, broken };
}
