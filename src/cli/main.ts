#!/usr/bin/env node
// The glassbox command: train | evaluate | predict | explain | export | compress. User errors print one line and exit 1.

import { Command, Option } from 'commander';
import '../index.js';
import type { TrainOptions } from './train.js';
import { isUserFacing, UserError } from './errors.js';
import { registerModelCommands } from './model-commands.js';
import { registerCompressCommand } from './compress.js';
import { columns, fraction, integer, number, units } from './arguments.js';
import { setFlagsFromString } from 'node:v8';

// Relaxed SIMD (fused multiply-add GEMM, ~1.2-1.4x faster) ships in Node 22 and current browsers;
// Node 20 has it behind this flag. The kernels are compiled lazily, after this line.
if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

const program = new Command();
program.name('glassbox').description('Deep learning in TypeScript that is fast to train and explains itself.').showHelpAfterError();

program
  .command('train')
  .description('train a model (an MLP, the CNN preset or a layer list) on MNIST or a CSV file, report test metrics beside a trivial baseline and save it')
  .option('--data <mnist|file.csv>', 'dataset: mnist, or a CSV file', 'mnist')
  .option('--target <column>', 'CSV column to predict (classification or regression is chosen from it)')
  .option('--features <columns>', 'CSV: feature columns to use, comma-separated (default: all but the target)', columns('--features'))
  .option('--ignore <columns>', 'CSV: columns to leave out (identifiers, leaks), comma-separated', columns('--ignore'))
  .option('--categorical <columns>', 'CSV: columns to one-hot encode even though they hold numbers', columns('--categorical'))
  .addOption(new Option('--task <kind>', 'CSV: what to predict (default: chosen from the target column)').choices(['classification', 'regression']))
  .addOption(new Option('--missing <policy>', 'CSV: missing cells (empty, NA, ?): error, drop the row, or impute (training median / most frequent)').choices(['error', 'drop', 'impute']).default('error'))
  .option('--max-categories <n>', 'CSV: most categories a column may have (default 100)', integer('--max-categories', 1))
  .option('--test-fraction <f>', 'CSV: fraction of rows held out for testing', fraction('--test-fraction'), 0.2)
  .option('--epochs <n>', 'epochs (default: 10 for MNIST; for CSV, early stopping on a validation split, at most 1000)', integer('--epochs', 1))
  .option('--batch-size <n>', 'mini-batch size', integer('--batch-size', 1), 32)
  .option('--seed <n>', 'seed for every random draw', integer('--seed'), 1)
  .option('--out <dir>', 'folder to save the model (and checkpoints) into')
  .addOption(new Option('--arch <name>', 'mlp: dense layers of --hidden; cnn: the documented conv-net preset (square grey images)').choices(['mlp', 'cnn']).default('mlp'))
  .option('--config <file>', 'hidden layers from a JSON layer list (glassbox model.json or TensorFlow.js model.toJSON()), instead of --arch')
  .option('--hidden <units>', 'hidden layer sizes, comma-separated', units, [64])
  .addOption(new Option('--activation <name>', 'hidden activation').default('relu'))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad']).default('adam'))
  .option('--lr <rate>', 'learning rate', number('--lr'), 1e-3)
  .option('--clip-norm <n>', 'rescale gradients so their global L2 norm is at most n (tames exploding losses)', number('--clip-norm'))
  .option('--l2 <lambda>', 'L2 penalty on kernels', number('--l2'), 0)
  .option('--dropout <rate>', 'dropout after each hidden layer', number('--dropout'), 0)
  .option('--validation-split <f>', 'fraction of training rows held out for validation', fraction('--validation-split'))
  .option('--patience <n>', 'early stopping patience (epochs) on val_loss', integer('--patience'))
  .option('--train-limit <n>', 'use only the first n training rows (MNIST)', integer('--train-limit', 1))
  .option('--test-limit <n>', 'use only the first n test rows (MNIST)', integer('--test-limit', 1))
  .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
  .option('--resume', 'continue from the last checkpoint in --out')
  .option('--explain', 'after training, explain a few test rows and write an HTML report into --out')
  .option('--json', 'print one JSON object with the results as the last line')
  .action(async (opts) => {
    const options: TrainOptions = {
      data: opts.data, target: opts.target, epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed,
      features: opts.features, ignore: opts.ignore, categorical: opts.categorical, task: opts.task, missing: opts.missing,
      maxCategories: opts.maxCategories, testFraction: opts.testFraction,
      out: opts.out ?? `runs/${opts.data === 'mnist' ? 'mnist' : 'model'}`, json: Boolean(opts.json), hidden: opts.hidden,
      activation: opts.activation, optimizer: opts.optimizer, lr: opts.lr, l2: opts.l2, dropout: opts.dropout, arch: opts.arch, config: opts.config, clipNorm: opts.clipNorm,
      validationSplit: opts.validationSplit, patience: opts.patience, trainLimit: opts.trainLimit, testLimit: opts.testLimit,
      backend: opts.backend, verbose: true,
    };
    if (options.dropout >= 1) throw new UserError('--dropout must be below 1');
    if (opts.data === 'mnist') {
      const csvOnly = ['target', 'features', 'ignore', 'categorical', 'task', 'maxCategories'].filter((k) => opts[k] !== undefined);
      if (csvOnly.length > 0) throw new UserError(`--${csvOnly[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to CSV files; MNIST has fixed columns`);
    }
    const { trainCommand } = await import('./train-command.js');
    await trainCommand(options, { resume: Boolean(opts.resume), explain: Boolean(opts.explain) });
  });

registerModelCommands(program);
registerCompressCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (isUserFacing(e)) {
    process.stderr.write(`glassbox: ${e.message}\n`);
  } else {
    process.stderr.write(`glassbox: internal error (please report): ${e instanceof Error ? e.stack : String(e)}\n`);
  }
  process.exit(1);
});
