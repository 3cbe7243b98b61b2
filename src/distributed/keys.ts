// Names in Redis: the BullMQ queue, glassbox's own keys beside it, job ids, and the retry policy every job gets.

import { randomBytes } from 'node:crypto';

export const DEFAULT_QUEUE = 'glassbox';
/** Tries per job before its run fails with the worker's error (a stalled job is also retried, see worker.ts). */
export const JOB_ATTEMPTS = 3;

/** glassbox's own keys for a queue (BullMQ's live under bull:<queue>:...). */
export function keyPrefix(queue: string): string {
  return `glassbox:${queue}`;
}

export function runKey(queue: string, runId: string): string {
  return `${keyPrefix(queue)}:run:${runId}`;
}

/** A key only this run uses (a shard's rows, a trial's model), deleted with the run. */
export function runPartKey(queue: string, runId: string, part: string): string {
  return `${runKey(queue, runId)}:${part}`;
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export function jobId(runId: string, index: number): string {
  return `${runId}-${index}`;
}

export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`--queue ${name}: use 1-64 letters, digits, '-' or '_'`);
  return name;
}
