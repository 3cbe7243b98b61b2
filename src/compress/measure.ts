// What a model costs and what it scores, for trade-off tables: parameters (all and non-zero), the bytes its
// saved folder takes, forward FLOPs, inference rows per second (models timed in turns in one process, so a
// busy machine slows them alike) and a held-out score.

import type { Tensor } from '../tensor/tensor.js';
import type { Sequential } from '../train/sequential.js';
import { toArtifacts } from '../io/artifacts.js';

/** One model's row of a trade-off table. */
export interface ModelFacts {
  label: string;
  /** The held-out score (accuracy for classifiers; mae in the target's units for regression). */
  score: number;
  params: number;
  nonzeroParams: number;
  /** Bytes of model.json plus weights.safetensors as saved. */
  bytes: number;
  /** Forward FLOPs per row (a multiply-add counts 2; int8 multiply-adds too). */
  flops: number;
  /** Median rows per second of batched inference. */
  rowsPerSecond: number;
  /** Rows per second of the fastest timed round. */
  bestRowsPerSecond?: number;
  /** Rows per CPU-second of the median round. */
  cpuRowsPerSecond?: number;
}

export interface ScoreSpec {
  /** 'accuracy' (higher is better) or an error such as 'mae' (lower is better). */
  metric: string;
  higherIsBetter: boolean;
  score: (model: Sequential) => number;
}

/** Accuracy of a classifier's predictions against class indices. */
export function accuracyOf(model: Sequential, x: Tensor, y: Tensor, batchSize = 1024): number {
  const p = model.predict(x, { batchSize }).values;
  const n = y.shape[0];
  const k = p.length / Math.max(n, 1);
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    if (best === y.values[i]) right++;
  }
  return n === 0 ? 0 : right / n;
}

export function nonzeroParams(model: Sequential): number {
  let n = 0;
  for (const w of model.weights) for (const v of w.values) if (v !== 0) n++;
  return n;
}

export function forwardFlops(model: Sequential): number {
  return model.summaryRows().reduce((s, r) => s + r.flops, 0);
}

/** Bytes the model's folder takes: its model.json text (UTF-8) and weights.safetensors, exactly as saveModel writes them. */
export function folderBytes(model: Sequential): number {
  const a = toArtifacts(model);
  return new TextEncoder().encode(a.modelJson).length + a.weights.length;
}

export interface ThroughputOptions {
  /** Timed rounds per model (default 7); each round runs every model once, in turn. */
  rounds?: number;
  /** Rows per predict call (default 1024). */
  batchSize?: number;
}

/** Rows per second of one model over the timed rounds. */
export interface Throughput {
  /** Wall-clock rows per second of the median round. */
  median: number;
  /** Wall-clock rows per second of the fastest round (the least disturbed by other work). */
  best: number;
  /** Rows per CPU-second of this process in the median round: unlike wall time, not lengthened while it waits for a core. */
  cpuMedian: number;
  /** Per-round wall and CPU milliseconds, in round order (pairs with the other models' rounds). */
  wallMs: number[];
  cpuMs: number[];
}

const medianOf = (v: readonly number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * Rows per second of `predict` over x for each model, timed in turns (model A, model B, A, B, ...) after one
 * untimed warm-up call each, so load on a shared machine falls on all of them alike. Both wall-clock time and
 * this process's CPU time are recorded.
 */
export function measureThroughput(models: readonly Sequential[], x: Tensor, options: ThroughputOptions = {}): Throughput[] {
  const rounds = options.rounds ?? 7;
  const batchSize = options.batchSize ?? 1024;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`measureThroughput: rounds must be a positive integer, got ${rounds}`);
  const cpuNow = () => (typeof process !== 'undefined' && process.cpuUsage ? (({ user, system }) => (user + system) / 1000)(process.cpuUsage()) : NaN);
  for (const m of models) m.predict(x, { batchSize });
  const wall = models.map(() => [] as number[]);
  const cpu = models.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    models.forEach((m, i) => {
      const c = cpuNow();
      const t = performance.now();
      m.predict(x, { batchSize });
      wall[i].push(performance.now() - t);
      cpu[i].push(cpuNow() - c);
    });
  }
  const perSecond = (ms: number) => (x.shape[0] / ms) * 1000;
  return wall.map((w, i) => ({
    median: perSecond(medianOf(w)), best: perSecond(Math.min(...w)), cpuMedian: perSecond(medianOf(cpu[i])), wallMs: w, cpuMs: cpu[i],
  }));
}

/** How many times faster `after` ran than `before`: the median over rounds of the ratio of adjacent timings. */
export function pairedSpeedup(before: Throughput, after: Throughput, clock: 'wall' | 'cpu' = 'wall'): number {
  const a = clock === 'wall' ? before.wallMs : before.cpuMs;
  const b = clock === 'wall' ? after.wallMs : after.cpuMs;
  return medianOf(a.map((t, r) => t / b[r]));
}

/** A model's facts without a folder on disk (bytes as saveModel would write them), given its measured speed. */
export function modelFacts(model: Sequential, label: string, score: ScoreSpec, speed: Throughput): ModelFacts {
  return {
    label, score: score.score(model), params: model.countParams(), nonzeroParams: nonzeroParams(model),
    bytes: folderBytes(model), flops: forwardFlops(model), rowsPerSecond: speed.median, bestRowsPerSecond: speed.best, cpuRowsPerSecond: speed.cpuMedian,
  };
}
