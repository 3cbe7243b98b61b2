// Worker thread entry for the fast path: holds one explained row's data and evaluates batches of coalitions.

import { parentPort } from 'node:worker_threads';
import type { DenseNet } from './dense-net.js';
import { type FastData, type FastState, evaluateMasks, fastState, rowTail } from './fast-eval.js';

interface Job {
  job: number;
  rowId: number;
  data: FastData | null;
  net: DenseNet | null;
  masks: Uint8Array;
  count: number;
}

let current: { rowId: number; state: FastState } | null = null;

parentPort?.on('message', (m: Job) => {
  if (m.data && m.net) current = { rowId: m.rowId, state: fastState(m.data, rowTail(m.net, m.data.units)) };
  if (!current || current.rowId !== m.rowId) throw new Error('fast-path worker: no data for this row');
  const out = evaluateMasks(m.masks, m.count, current.state);
  parentPort!.postMessage({ job: m.job, out }, [out.buffer as ArrayBuffer]);
});
parentPort?.postMessage('ready');
