// The flags `train` and `sweep` share (data, columns, architecture, optimiser, epochs) and the TrainOptions they make.

import { Option, type Command } from 'commander';
import type { TrainOptions } from './train.js';
import { UserError } from './errors.js';
import { columns, fraction, integer, number, units } from './arguments.js';

/** Adds the training flags to a command. */
export function trainFlags(cmd: Command): Command {
  return cmd
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
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']));
}

/** TrainOptions from parsed flags, with the checks commander cannot express. */
export function trainOptionsFrom(opts: Record<string, any>, defaultOut: string): TrainOptions {
  const options: TrainOptions = {
    data: opts.data, target: opts.target, epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed,
    features: opts.features, ignore: opts.ignore, categorical: opts.categorical, task: opts.task, missing: opts.missing,
    maxCategories: opts.maxCategories, testFraction: opts.testFraction,
    out: opts.out ?? defaultOut, json: Boolean(opts.json), hidden: opts.hidden,
    activation: opts.activation, optimizer: opts.optimizer, lr: opts.lr, l2: opts.l2, dropout: opts.dropout, arch: opts.arch, config: opts.config, clipNorm: opts.clipNorm,
    validationSplit: opts.validationSplit, patience: opts.patience, trainLimit: opts.trainLimit, testLimit: opts.testLimit,
    backend: opts.backend, verbose: true,
  };
  if (options.dropout >= 1) throw new UserError('--dropout must be below 1');
  if (opts.data === 'mnist') {
    const csvOnly = ['target', 'features', 'ignore', 'categorical', 'task', 'maxCategories'].filter((k) => opts[k] !== undefined);
    if (csvOnly.length > 0) throw new UserError(`--${csvOnly[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to CSV files; MNIST has fixed columns`);
  }
  return options;
}
