// Runs `glassbox train` end to end: train (or resume) with checkpoints and Ctrl-C saving, save into --out, explain, print.

import { join } from 'node:path';
import { runTrain, type FitRunner, type TrainOptions } from './train.js';
import { modelCheckpoint, installInterruptCheckpoint, resumeTraining } from '../io/index.js';
import { UserError } from './errors.js';
import { existsSync } from 'node:fs';
import { resultLines, scoresWithPrefix } from './result-lines.js';

export interface TrainCommandFlags {
  resume: boolean;
  explain: boolean;
}

/** Checkpoints are written this often within an epoch, so a killed run loses little. */
const CHECKPOINT_EVERY_BATCHES = 500;

export async function trainCommand(o: TrainOptions, flags: TrainCommandFlags): Promise<void> {
  const checkpointDir = join(o.out, 'checkpoint');
  if (flags.resume && !existsSync(join(checkpointDir, 'model.json'))) {
    throw new UserError(`--resume: no checkpoint in ${checkpointDir}; train without --resume first (with the same --out)`);
  }
  const checkpoint = modelCheckpoint({
    dir: checkpointDir, everyBatches: CHECKPOINT_EVERY_BATCHES,
    ...(o.validationSplit ? { monitor: 'val_loss', bestDir: join(o.out, 'best') } : {}),
  });
  const interrupt = installInterruptCheckpoint(checkpoint);
  const runner: FitRunner | undefined = flags.resume
    ? async (_model, x, y, args) => {
        process.stderr.write(`Resuming from ${checkpointDir}\n`);
        const r = await resumeTraining(checkpointDir, x, y, args);
        return { model: r.model, history: r.history };
      }
    : undefined;
  let result;
  try {
    result = await runTrain(o, [checkpoint], runner);
  } finally {
    interrupt.uninstall();
  }
  if (interrupt.interrupted) {
    process.stderr.write(`Interrupted: checkpoint saved in ${checkpointDir}; continue with the same command plus --resume\n`);
    process.exit(130);
  }
  const { model, summary } = result;
  await model.save(o.out);
  const output: Record<string, unknown> = { ...summary, model_dir: o.out, ...(result.warning ? { warning: result.warning } : {}) };
  const lines = [
    ...resultLines(scoresWithPrefix(summary, 'test_'), summary, `Test scores on ${summary.test_rows} held-out rows`),
    `Training time: ${summary.train_seconds} s (${summary.epochs} epochs, ${summary.seconds_per_epoch} s/epoch, ${summary.backend} backend)`,
    ...(result.warning ? [result.warning] : []),
    `Model saved to ${o.out}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
  if (flags.explain) {
    const { explainAfterTraining } = await import('./explain-after-training.js');
    output.report = await explainAfterTraining(result, o.out);
  }
  if (o.json) process.stdout.write(JSON.stringify(output) + '\n');
}
