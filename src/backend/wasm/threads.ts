// A pool of worker threads sharing the kernels' WebAssembly.Memory, used to split large GEMMs and
// convolutions: any exported kernel whose arguments are int32s can run as a task.
// Node: worker_threads; browsers: Web Workers when cross-origin isolated; otherwise no pool.
// Workers spin briefly on a shared control word before sleeping in Atomics.wait, because
// waking a sleeping thread costs ~30 us, as much as a whole batch-32 GEMM.

import type { WasmRuntime } from './runtime.js';

/** Int32 slots per worker in the control block (128 bytes, so workers never share a cache line). */
const SLOT = 32;
const SEQ = 0;
const DONE = 1;
const READY = 2;
/** Which export runs: its index among the module's function exports sorted by name; -1 stops. */
const TASK = 3;
const ARGS = 4;
/** Number of int32 arguments of the gemm export. */
export const GEMM_ARGS = 15;
/** Most int32 arguments a task may take. */
export const MAX_TASK_ARGS = 16;

/** The module's exported function names in the order workers index them. */
export function taskNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name).sort();
}

/** Atomics.load iterations a worker spins (~50-100 us) after a task before it sleeps. */
const WORKER_SPIN = 20000;

/**
 * The body each worker runs, as source so it needs no separate file or bundler support.
 * `data` = { module, memory, ctrl, index, spin, tasks }.
 */
const WORKER_BODY = `
function glassboxWorker(data) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const tasks = data.tasks.map((name) => instance.exports[name]);
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
    const task = c[base + ${TASK}];
    if (task < 0) return;
    tasks[task](c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7], c[a + 8], c[a + 9],
      c[a + 10], c[a + 11], c[a + 12], c[a + 13], c[a + 14], c[a + 15]);
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
  private readonly taskIndex: Map<string, number>;
  /** The last sequence number handed to each worker: it is idle once its DONE slot shows it. */
  private readonly given: Int32Array;

  /** Starts `workers` helper threads (the calling thread is the extra one). */
  constructor(runtime: WasmRuntime, workers: number) {
    this.workers = workers;
    this.ctrl = new Int32Array(new SharedArrayBuffer(SLOT * 4 * Math.max(workers, 1)));
    const tasks = taskNames(runtime.module);
    this.taskIndex = new Map(tasks.map((name, i) => [name, i]));
    this.given = new Int32Array(Math.max(workers, 1));
    const wt = nodeWorkerThreads();
    for (let index = 0; index < workers; index++) {
      const data = { module: runtime.module, memory: runtime.memory, ctrl: this.ctrl.buffer, index, spin: WORKER_SPIN, tasks };
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
    this.run('gemm', parts, gemm);
  }

  /**
   * Runs the export `task` (this thread's own instance of it is `local`) with the int32 arguments
   * `parts[0]` here and parts[1..] on ready workers (parts.length - 1 must not exceed ready());
   * returns when all parts are done.
   */
  run(task: string, parts: readonly number[][], local: (...args: number[]) => void): void {
    const index = this.taskIndex.get(task);
    if (index === undefined) throw new Error(`ThreadPool: the kernels export no function '${task}'`);
    const c = this.ctrl;
    const seq = ++this.seq;
    let w = 0;
    const used: number[] = [];
    for (let p = 1; p < parts.length; p++) {
      while (Atomics.load(c, w * SLOT + READY) !== 1) w++;
      // A worker still finishing an earlier shared task must not see its arguments change under it.
      while (!this.idle(w));
      this.assign(w, index, parts[p], seq, task);
      used.push(w * SLOT);
      w++;
    }
    local(...parts[0]);
    for (const base of used) {
      let spins = 0;
      while (Atomics.load(c, base + DONE) !== seq) {
        if (++spins > 1_000_000 && canBlock()) Atomics.wait(c, base + DONE, Atomics.load(c, base + DONE), 1);
      }
    }
  }

  /**
   * Runs the export `task` with the same arguments on this thread and on every worker that is ready
   * and idle now; the task shares its work out itself (e.g. chunks taken from a counter), and the call
   * returns as soon as `finished()` says all of it is done — not waiting for workers that never started.
   */
  runShared(task: string, args: readonly number[], local: (...args: number[]) => void, finished: () => boolean): void {
    const index = this.taskIndex.get(task);
    if (index === undefined) throw new Error(`ThreadPool: the kernels export no function '${task}'`);
    const seq = ++this.seq;
    for (let w = 0; w < this.workers; w++) {
      if (Atomics.load(this.ctrl, w * SLOT + READY) === 1 && this.idle(w)) this.assign(w, index, args, seq, task);
    }
    local(...args);
    while (!finished());
  }

  private idle(w: number): boolean {
    return Atomics.load(this.ctrl, w * SLOT + DONE) === this.given[w];
  }

  private assign(w: number, index: number, args: readonly number[], seq: number, task: string): void {
    if (args.length > MAX_TASK_ARGS) throw new Error(`ThreadPool: ${task} takes at most ${MAX_TASK_ARGS} arguments`);
    const c = this.ctrl;
    const base = w * SLOT;
    c[base + TASK] = index;
    for (let i = 0; i < MAX_TASK_ARGS; i++) c[base + ARGS + i] = args[i] ?? 0;
    this.given[w] = seq;
    Atomics.store(c, base + SEQ, seq);
    Atomics.notify(c, base + SEQ);
  }

  /** Stops every worker. */
  terminate(): void {
    const c = this.ctrl;
    const seq = ++this.seq;
    for (let w = 0; w < this.workers; w++) {
      c[w * SLOT + TASK] = -1;
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
