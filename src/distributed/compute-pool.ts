// Threads that do a worker's computing, so its main thread stays free to renew job locks, report progress and notice a
// cancelled run however long an explainer or a training step runs without yielding. A cancelled task's thread is ended.

import { Worker } from 'node:worker_threads';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { PayloadError } from './validate.js';

/** A computation a thread can run: `module` exports `compute(payload, progress)`; paths are this package's own. */
export interface ComputeTask {
  module: URL;
  payload: unknown;
  transfer?: ArrayBuffer[];
}

type Reply = { type: 'progress'; done: number } | { type: 'done'; result: unknown } | { type: 'error'; message: string; payload: boolean };

/** The file beside this one with the same extension (.ts from source, .js from dist). */
export function siblingModule(name: string, from: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(from))}`, from);
}

const THREAD = siblingModule('compute-thread', import.meta.url);

/** tsx's ESM API (a dev dependency: only runs from source use it). */
function tsxApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
}

export class ComputePool {
  private readonly idle: Worker[] = [];

  /** `threads`: compute threads each task's kernels may use (wasm GEMM threads). */
  constructor(private readonly threads: number) {}

  /** Runs a task on a thread; rejects with an AbortError (and ends that thread) when `signal` fires. */
  run(task: ComputeTask, signal: AbortSignal, onProgress: (done: number) => void): Promise<unknown> {
    const thread = this.idle.pop() ?? this.spawn();
    return new Promise((resolve, reject) => {
      const finish = (keep: boolean) => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
        if (keep) this.idle.push(thread);
        else void thread.terminate();
      };
      const onMessage = (m: Reply) => {
        if (m.type === 'progress') return onProgress(m.done);
        finish(true);
        if (m.type === 'done') resolve(m.result);
        else reject(m.payload ? new PayloadError(m.message) : new Error(m.message));
      };
      const onError = (e: Error) => {
        finish(false);
        reject(new Error(`compute thread failed: ${e.message}`));
      };
      const onExit = (code: number) => {
        finish(false);
        reject(new Error(`compute thread exited with code ${code}`));
      };
      const onAbort = () => {
        finish(false);
        const e = new Error('stopped');
        e.name = 'AbortError';
        reject(e);
      };
      if (signal.aborted) return onAbort();
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      signal.addEventListener('abort', onAbort);
      thread.postMessage({ module: task.module.href, payload: task.payload }, task.transfer ?? []);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((t) => t.terminate()));
  }

  private spawn(): Worker {
    const workerData = { threads: this.threads };
    // From source (tests, `node --import tsx`) the thread is TypeScript: it registers tsx's loader before importing it.
    const w = THREAD.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(tsxApi())})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD.href)}); })`, { eval: true, workerData })
      : new Worker(THREAD, { workerData });
    w.unref();
    return w;
  }
}
