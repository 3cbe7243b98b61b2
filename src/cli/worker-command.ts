// `glassbox worker --redis URL [--concurrency N]`: takes explanation shards and sweep trials from the queue until Ctrl-C/SIGTERM.

import { Command } from 'commander';
import { startWorker } from '../distributed/worker.js';
import { integer, number } from './arguments.js';

interface WorkerFlags {
  redis: string;
  queue: string;
  concurrency: number;
  threads?: number;
  lockSeconds: number;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('take explanation shards and sweep trials from a BullMQ queue on Redis until Ctrl-C or SIGTERM (which hand the current job back)')
    .requiredOption('--redis <url>', 'Redis to take jobs from: redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS')
    .option('--queue <name>', 'queue name (the same as the submitting command\'s)', 'glassbox')
    .option('--concurrency <n>', 'jobs at once, each on its own compute thread', integer('--concurrency', 1), 1)
    .option('--threads <n>', 'kernel threads per job (default: the cores shared among the jobs, at most 4)', integer('--threads', 1))
    .option('--lock-seconds <s>', 'a job whose worker dies returns to the queue after about this long', number('--lock-seconds', 1), 10)
    .action(runWorker);
}

async function runWorker(o: WorkerFlags): Promise<void> {
  const { sweepTrialHandler } = await import('./sweep-trial.js');
  const worker = await startWorker({
    redis: o.redis, queue: o.queue, concurrency: o.concurrency, threads: o.threads, lockSeconds: o.lockSeconds, handlers: { 'sweep-trial': sweepTrialHandler() },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stderr.write('Stopping: handing the current jobs back to the queue\n');
  await worker.stop();
  process.exit(0);
}
