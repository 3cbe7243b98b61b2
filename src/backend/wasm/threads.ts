// A pool of worker threads sharing the kernels' WebAssembly.Memory, used to split large GEMMs.
// Node: worker_threads; browsers: Web Workers when cross-origin isolated; otherwise no pool.
// Workers spin briefly on a shared control word before sleeping in Atomics.wait, because
// waking a sleeping thread costs ~30 us, as much as a whole batch-32 GEMM.

import type { WasmRuntime } from './runtime.js';

/** Int32 slots per worker in the control block (128 bytes, so workers never share a cache line). */
const SLOT = 32;
const SEQ = 0;
const DONE = 1;
const READY = 2;
const ARGS = 3;
/** Number of int32 arguments of the gemm export. */
export const GEMM_ARGS = 15;

/** Atomics.load iterations a worker spins (~50-100 us) after a task before it sleeps. */
const WORKER_SPIN = 20000;

/**
 * The body each worker runs, as source so it needs no separate file or bundler support.
 * `data` = { module, memory, ctrl, index, spin }.
 */
const WORKER_BODY = `
function glassboxWorker(data) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const gemm = instance.exports.gemm;
  const c = new Int32Array(data.ctrl);
  const base = data.index * ${SLOT};
  const a = base + ${ARGS};
  Atomics.store(c, base + ${READY}, 1);
  let seq = 0;
  for (;;) {
    let s = Atomics.load(c, base + ${SEQ});
    for (let i = 0; s === seq && i < data.spin; i++) s = Atomics.load(c, base + ${SEQ});
    while (s === seq) {
      Atomics.wait(c, base + ${SEQ}, seq);
      s = Atomics.load(c, base + ${SEQ});
    }
    seq = s;
    if (c[a] < 0) return;
    gemm(c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7], c[a + 8], c[a + 9],
      c[a + 10], c[a + 11], c[a + 12], c[a + 13], c[a + 14]);
    Atomics.store(c, base + ${DONE}, seq);
    Atomics.notify(c, base + ${DONE});
  }
}
`;

interface WorkerHandle {
  terminate(): unknown;
}

type WorkerThreadsModule = typeof import('node:worker_threads');

function nodeWorkerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return null;
  return proc.getBuiltinModule('node:worker_threads') as WorkerThreadsModule;
}

/** Whether this host can start worker threads that share memory with this one. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (nodeWorkerThreads()) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

/** Hardware threads available to this process (1 when unknown). */
export function hardwareThreads(): number {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc?.versions?.node && typeof proc.getBuiltinModule === 'function') {
    const os = proc.getBuiltinModule('node:os') as typeof import('node:os');
    return Math.max(1, os.availableParallelism());
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

export class ThreadPool {
  readonly workers: number;
  private readonly ctrl: Int32Array;
  private readonly handles: WorkerHandle[] = [];
  private seq = 0;

  /** Starts `workers` helper threads (the calling thread is the extra one). */
  constructor(runtime: WasmRuntime, workers: number) {
    this.workers = workers;
    this.ctrl = new Int32Array(new SharedArrayBuffer(SLOT * 4 * Math.max(workers, 1)));
    const wt = nodeWorkerThreads();
    for (let index = 0; index < workers; index++) {
      const data = { module: runtime.module, memory: runtime.memory, ctrl: this.ctrl.buffer, index, spin: WORKER_SPIN };
      if (wt) {
        const code = `${WORKER_BODY}\nglassboxWorker(require('node:worker_threads').workerData);`;
        const w = new wt.Worker(code, { eval: true, workerData: data });
        // Never keep the process alive just for the pool.
        w.unref();
        this.handles.push(w);
      } else {
        const code = `${WORKER_BODY}\nonmessage = (e) => glassboxWorker(e.data);`;
        const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
        const w = new Worker(url);
        w.postMessage(data);
        this.handles.push(w);
      }
    }
  }

  /** Workers that have instantiated the module and can take work now. */
  ready(): number {
    let n = 0;
    for (let w = 0; w < this.workers; w++) if (Atomics.load(this.ctrl, w * SLOT + READY) === 1) n++;
    return n;
  }

  /**
   * Runs gemm with `parts[0]` on this thread and parts[1..] on ready workers (parts.length - 1
   * must not exceed ready()); returns when all parts are done.
   */
  runGemm(parts: readonly number[][], gemm: (...args: number[]) => void): void {
    const c = this.ctrl;
    const seq = ++this.seq;
    let w = 0;
    const used: number[] = [];
    for (let p = 1; p < parts.length; p++) {
      while (Atomics.load(c, w * SLOT + READY) !== 1) w++;
      const base = w * SLOT;
      const args = parts[p];
      for (let i = 0; i < GEMM_ARGS; i++) c[base + ARGS + i] = args[i];
      Atomics.store(c, base + SEQ, seq);
      Atomics.notify(c, base + SEQ);
      used.push(base);
      w++;
    }
    gemm(...parts[0]);
    for (const base of used) {
      let spins = 0;
      while (Atomics.load(c, base + DONE) !== seq) {
        if (++spins > 1_000_000 && canBlock()) Atomics.wait(c, base + DONE, Atomics.load(c, base + DONE), 1);
      }
    }
  }

  /** Stops every worker. */
  terminate(): void {
    const c = this.ctrl;
    const seq = ++this.seq;
    for (let w = 0; w < this.workers; w++) {
      c[w * SLOT + ARGS] = -1;
      Atomics.store(c, w * SLOT + SEQ, seq);
      Atomics.notify(c, w * SLOT + SEQ);
    }
    for (const h of this.handles) void h.terminate();
  }
}

/** Atomics.wait may block here (Node's main thread and workers yes; a browser's main thread no). */
function canBlock(): boolean {
  return typeof (globalThis as { window?: unknown }).window === 'undefined';
}
