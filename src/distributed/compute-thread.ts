// A worker's compute thread: runs one task at a time (an explanation shard, a sweep trial) and reports its progress.

import { parentPort, workerData } from 'node:worker_threads';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { getBackend } from '../backend/backend.js';
import { PayloadError } from './validate.js';

type Compute = (payload: unknown, progress: (done: number) => void) => Promise<unknown>;

const port = parentPort!;
const { threads } = workerData as { threads: number };
(getBackend() as { setThreads?: (n: number) => void }).setThreads?.(threads);

port.on('message', async ({ module, payload }: { module: string; payload: unknown }) => {
  let last = 0;
  const progress = (done: number) => {
    const now = performance.now();
    if (now - last < 250) return;
    last = now;
    port.postMessage({ type: 'progress', done });
  };
  try {
    const { compute } = (await import(module)) as { compute: Compute };
    port.postMessage({ type: 'done', result: await compute(payload, progress) });
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message, payload: e instanceof PayloadError });
  }
});
