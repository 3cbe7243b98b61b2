// A sweep from flags to files: trials from the grid, run locally or on workers, a table ranked by validation score, the
// best model and sweep.json (every trial) in --out.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../io/save-load.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from './errors.js';
import { interruptible } from './progress-bar.js';
import { applyParams, expandGrid, formatParams, parseGrid } from './sweep-grid.js';
import { runLocalPool, runOnWorkers, type Trial } from './sweep-run.js';
import type { TrialResult } from './sweep-trial.js';
import type { TrainOptions } from './train.js';

const MAX_TRIALS = 1000;

export interface SweepCommandFlags {
  grid: string;
  redis?: string;
  queue: string;
  processes?: number;
  metric: string;
  json?: boolean;
}

/** Lower is better for losses and errors, higher for accuracy-like scores and R². */
export function lowerIsBetter(metric: string): boolean {
  return !/acc|auc|precision|recall|r2/.test(metric);
}

/** Successful trials that report `metric`, best first (ties: the earlier trial). */
export function rank(results: TrialResult[], metric: string): TrialResult[] {
  const sign = lowerIsBetter(metric) ? 1 : -1;
  return results.filter((r) => !r.error && Number.isFinite(r.validation[metric]))
    .sort((a, b) => sign * (a.validation[metric] - b.validation[metric]) || a.index - b.index);
}

export async function sweepCommand(base: TrainOptions, o: SweepCommandFlags): Promise<void> {
  const grid = expandGrid(parseGrid(o.grid));
  if (grid.length > MAX_TRIALS) throw new UserError(`--grid makes ${grid.length} trials, more than ${MAX_TRIALS}; sweep fewer values`);
  if (!o.metric.startsWith('val_')) throw new UserError(`--metric ${o.metric}: trials are ranked on validation rows; use a val_ metric such as val_loss`);
  const options = { ...base };
  if (options.validationSplit === undefined && (options.data === 'mnist' || options.epochs !== undefined)) {
    options.validationSplit = 0.1;
    process.stderr.write('Validation: the last 10% of the training rows (--validation-split 0.1) score each trial\n');
  }
  const trials: Trial[] = grid.map((params, index) => ({ index, params, options: applyParams(options, params) }));
  for (const t of trials) if (t.options.dropout >= 1) throw new UserError(`--grid dropout: ${t.options.dropout} must be below 1`);
  const pick = (results: TrialResult[]) => rank(results, o.metric)[0] ?? null;
  const workDir = await mkdtemp(join(tmpdir(), 'glassbox-sweep-'));
  const outcome = await interruptible('sweep trials', (signal, onProgress) => {
    const run = { onProgress, signal, pick };
    if (o.redis) {
      process.stderr.write(`Sweep: ${trials.length} trials as jobs on the workers of queue '${o.queue}'\n`);
      return runOnWorkers(trials, o.redis, o.queue, run);
    }
    const processes = Math.min(trials.length, o.processes ?? availableParallelism());
    const threads = Math.max(1, Math.floor(availableParallelism() / processes));
    process.stderr.write(`Sweep: ${trials.length} trials, ${processes} at a time in local processes (${threads} thread${threads > 1 ? 's' : ''} each)\n`);
    return runLocalPool(trials, processes, threads, workDir, run);
  }).finally(() => rm(workDir, { recursive: true, force: true }));
  await report(outcome.results, outcome.best, base.out, o);
}

async function report(results: TrialResult[], best: Awaited<ReturnType<typeof runOnWorkers>>['best'], out: string, o: SweepCommandFlags): Promise<void> {
  const ranked = rank(results, o.metric);
  const failed = results.filter((r) => r.error);
  const chosen = ranked[0];
  const summary = {
    metric: o.metric, trials: results.length, failed: failed.length, best: chosen ? { index: chosen.index, params: chosen.params, ...chosen.validation, ...chosen.test } : null,
    model_dir: chosen ? out : null, results: results.map((r) => ({ ...r, rank: ranked.indexOf(r) + 1 || null })),
  };
  await writeFileAtomic(join(out, 'sweep.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!chosen || !best) {
    const why = failed[0]?.error ?? `no trial reported ${o.metric}`;
    throw new UserError(`sweep: no trial could be ranked by ${o.metric} (${why}); results in ${join(out, 'sweep.json')}`);
  }
  await saveModel(best, out);
  const metrics = [...new Set(ranked.flatMap((r) => Object.keys(r.validation)))].sort((a, b) => (a === o.metric ? -1 : b === o.metric ? 1 : a.localeCompare(b)));
  const rows = [['rank', 'trial', 'settings', ...metrics, 'epochs', 'seconds']];
  ranked.forEach((r, k) => rows.push([String(k + 1), String(r.index), formatParams(r.params), ...metrics.map((m) => fmt(r.validation[m])), String(r.epochs), String(r.seconds)]));
  for (const r of failed) rows.push(['-', String(r.index), formatParams(r.params), `failed: ${r.error}`]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const table = rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
  if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(`Trials ranked by ${o.metric} (${lowerIsBetter(o.metric) ? 'lower' : 'higher'} is better):\n${table}\n`);
  const test = Object.entries(chosen.test).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  process.stderr.write(`Best: trial ${chosen.index} (${formatParams(chosen.params)}); its held-out test scores: ${test}\nModel saved to ${out}; every trial in ${join(out, 'sweep.json')}\n`);
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : Number(v.toPrecision(4)).toString();
}
