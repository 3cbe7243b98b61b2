#!/usr/bin/env node
// The glassbox command: train | evaluate | predict | explain | export | compress | worker | sweep. User errors print one line and exit 1.

import { Command } from 'commander';
import '../index.js';
import { isUserFacing } from './errors.js';
import { registerModelCommands } from './model-commands.js';
import { trainFlags, trainOptionsFrom } from './train-flags.js';
import { registerWorkerCommand } from './worker-command.js';
import { registerSweepCommand } from './sweep-command.js';
import { registerCompressCommand } from './compress.js';
import { setFlagsFromString } from 'node:v8';

// Relaxed SIMD (fused multiply-add GEMM, ~1.2-1.4x faster) ships in Node 22 and current browsers;
// Node 20 has it behind this flag. The kernels are compiled lazily, after this line.
if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

const program = new Command();
program.name('glassbox').description('Deep learning in TypeScript that is fast to train and explains itself.').showHelpAfterError();

trainFlags(
  program
    .command('train')
    .description('train a model (an MLP, the CNN preset or a layer list) on MNIST or a CSV file, report test metrics beside a trivial baseline and save it'),
)
  .option('--resume', 'continue from the last checkpoint in --out')
  .option('--explain', 'after training, explain a few test rows and write an HTML report into --out')
  .option('--json', 'print one JSON object with the results as the last line')
  .action(async (opts) => {
    const options = trainOptionsFrom(opts, `runs/${opts.data === 'mnist' ? 'mnist' : 'model'}`);
    const { trainCommand } = await import('./train-command.js');
    await trainCommand(options, { resume: Boolean(opts.resume), explain: Boolean(opts.explain) });
  });

registerModelCommands(program);
registerWorkerCommand(program);
registerSweepCommand(program);
registerCompressCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (isUserFacing(e)) {
    process.stderr.write(`glassbox: ${e.message}\n`);
  } else {
    process.stderr.write(`glassbox: internal error (please report): ${e instanceof Error ? e.stack : String(e)}\n`);
  }
  process.exit(1);
});
