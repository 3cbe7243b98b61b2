// `glassbox sweep --grid "lr=1e-3,3e-3;hidden=32,64" [--redis URL]`: one trial per grid point, ranked by validation score,
// the best model saved with every result.

import { Command } from 'commander';
import { integer } from './arguments.js';
import { trainFlags, trainOptionsFrom } from './train-flags.js';

import type { SweepCommandFlags } from './sweep-report.js';

export function registerSweepCommand(program: Command): void {
  trainFlags(
    program
      .command('sweep')
      .description('train one model per grid point (locally in parallel processes, or on Redis workers), rank them by validation score and save the best'),
  )
    .requiredOption('--grid <axes>', 'settings to vary: KEY=V1,V2;KEY=... with KEY one of lr, hidden (64 or 64x32), batch-size, epochs, l2, dropout, clip-norm, optimizer, activation, arch, seed')
    .option('--metric <name>', 'validation metric that ranks trials (val_loss, val_accuracy, val_mae, ...)', 'val_loss')
    .option('--processes <n>', 'without --redis: trials at once (default: one per core, at most the trials)', integer('--processes', 1))
    .option('--redis <url>', 'run the trials as jobs on `glassbox worker`s through this Redis (redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS)')
    .option('--queue <name>', 'with --redis: the workers\' queue', 'glassbox')
    .option('--json', 'print one JSON object with every trial as the last line')
    .action(async (o: SweepCommandFlags & Record<string, unknown>) => {
      const { sweepCommand } = await import('./sweep-report.js');
      await sweepCommand(trainOptionsFrom(o, 'runs/sweep'), o);
    });

  program
    .command('sweep-trial', { hidden: true })
    .description('one trial of a local sweep (internal: reads its settings on stdin)')
    .action(async () => {
      const { sweepTrialChild } = await import('./sweep-trial.js');
      await sweepTrialChild();
    });
}
