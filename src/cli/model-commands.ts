// `glassbox evaluate | explain | export`: commands that work on a saved model folder.

import { Command, Option } from 'commander';
import { loadModel, exportOnnx } from '../io/index.js';
import { integer } from './arguments.js';
import { setBackend } from '../backend/backend.js';
import { METHODS } from '../explain/run.js';
import { writeReport } from '../report/index.js';
import type { Sequential } from '../train/sequential.js';
import { loadDataForModel, parseRows } from './datasets.js';
import { explainRows } from './explain-run.js';
import { UserError } from './errors.js';

async function openModel(dir: string): Promise<Sequential> {
  const model = await loadModel(dir);
  if (!model.compileConfig) throw new UserError(`${dir}: the saved model has no compile config (loss), so it cannot be evaluated`);
  return model;
}

export function registerModelCommands(program: Command): void {
  program
    .command('evaluate')
    .description('report test loss and metrics of a saved model')
    .requiredOption('--model <dir>', 'saved model folder')
    .option('--data <mnist|file.csv>', 'data to evaluate on (MNIST: the 10k test set)', 'mnist')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      if (o.backend) setBackend(o.backend);
      const model = await openModel(o.model);
      const { x, y } = await loadDataForModel(o.data, model.metadata);
      const logs = model.evaluateLogs(x, y);
      if (o.json) process.stdout.write(JSON.stringify({ rows: x.shape[0], ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [`test_${k}`, v])) }) + '\n');
      else for (const [k, v] of Object.entries(logs)) process.stdout.write(`${k}: ${v.toFixed(6)}\n`);
    });

  program
    .command('explain')
    .description('explain a saved model\'s predictions and write an HTML report')
    .requiredOption('--model <dir>', 'saved model folder')
    .option('--data <mnist|file.csv>', 'rows to explain come from this data (MNIST: the test set)', 'mnist')
    .addOption(new Option('--method <name>', 'explanation method').choices(METHODS).default('kernel-shap'))
    .option('--rows <spec>', 'rows to explain: START:END, an index, or a comma list', '0:5')
    .option('--out <file.html>', 'HTML report to write (default: <model>/explain-<method>.html)')
    .option('--background <n>', 'background rows for Shapley/LIME methods', integer('--background', 1), 100)
    .option('--patch <n>', 'pixel patch side for image models (0: single pixels)', integer('--patch', 0), 4)
    .option('--samples <n>', 'samples / permutations / repeats, where the method samples', integer('--samples', 1))
    .option('--steps <n>', 'integration steps (integrated-gradients)', integer('--steps', 1))
    .option('--seed <n>', 'seed for sampling', integer('--seed', 0), 0)
    .addOption(new Option('--format <kind>', 'what to print').choices(['text', 'none']).default('text'))
    .option('--json', 'print one JSON object with values and diagnostics')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .action(async (o) => {
      if (o.backend) setBackend(o.backend);
      const model = await loadModel(o.model);
      const { x, y } = await loadDataForModel(o.data, model.metadata);
      const rows = parseRows(o.rows, x.shape[0]);
      const explanation = await explainRows({
        method: o.method, model, x, y, rows, seed: o.seed, backgroundSize: o.background, patch: o.patch, samples: o.samples, steps: o.steps,
      });
      const out = o.out ?? `${o.model}/explain-${o.method}.html`;
      const imageShape = model.metadata.imageShape as [number, number] | undefined;
      await writeReport(out, { explanations: [explanation], title: `${o.method} — ${o.model}`, imageShape, notes: [`data: ${o.data}, rows ${o.rows}`] });
      if (o.json) process.stdout.write(JSON.stringify({ ...explanation.toJSON(), report: out }) + '\n');
      else {
        if (o.format === 'text') process.stdout.write(explanation.toString() + '\n');
        process.stderr.write(`Report written to ${out}\n`);
      }
    });

  program
    .command('export')
    .description('export a saved model to ONNX')
    .requiredOption('--model <dir>', 'saved model folder')
    .requiredOption('--onnx <file>', 'ONNX file to write')
    .action(async (o) => {
      const model = await loadModel(o.model);
      await exportOnnx(model, o.onnx);
      process.stderr.write(`ONNX model written to ${o.onnx}\n`);
    });
}
