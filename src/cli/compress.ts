// `glassbox compress`: a smaller, cheaper copy of a saved model (distilled into a student, pruned, int8-quantised,
// in that order when combined), saved as a normal model folder, with the measured trade-off table and how far
// the explanations moved, printed and written as an HTML report beside the model.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadModel, saveModel } from '../io/index.js';
import { getBackend, setBackend } from '../backend/backend.js';
import { Rng, setSeed } from '../util/random.js';
import { takeRows } from '../data/batches.js';
import type { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../train/sequential.js';
import { patchGroups } from '../explain/groups.js';
import { writeReport } from '../report/index.js';
import { quantizeModel } from '../compress/quantize.js';
import { cloneModel, fineTune, kernelSparsity, pruneStructured, pruneUnstructured } from '../compress/prune.js';
import { distill } from '../compress/distill.js';
import { forwardFlops, measureThroughput, nonzeroParams, pairedSpeedup, type ModelFacts, type Throughput } from '../compress/measure.js';
import { explanationShift } from '../compress/shift.js';
import { formatTradeOff, tradeOffCells, tradeOffJson, type TradeOff } from '../compress/tradeoff.js';
import { buildModel } from './architectures.js';
import { compressData, type CompressData } from './compress-data.js';
import { fraction, integer, number, units } from './arguments.js';
import { UserError } from './errors.js';

interface CompressFlags {
  model: string; data: string; out: string; json?: boolean; seed: number;
  quantize?: 'int8'; prune?: number; structured?: boolean; schedule: 'gradual' | 'one-shot'; fineTuneEpochs: number;
  distill?: boolean; hidden?: number[]; config?: string; temperature: number; alpha: number; epochs: number; lr: number;
  calibrationRows: number; threads: number; timingRows?: number; rounds: number; explainRows: number; explain: boolean;
  trainLimit?: number; testLimit?: number; batchSize: number; backend?: 'wasm' | 'js';
}

/** Threads for timing (the wasm backend's setThreads), restored after. */
function withThreads<T>(n: number, fn: () => T): T {
  const be = getBackend() as { threads?: number; setThreads?: (n: number) => void };
  if (!be.setThreads || be.threads === undefined) return fn();
  const before = be.threads;
  be.setThreads(n);
  try {
    return fn();
  } finally {
    be.setThreads(before);
  }
}

/** Bytes of a saved folder's model.json and the weights file it names. */
async function savedBytes(dir: string): Promise<number> {
  const json = join(dir, 'model.json');
  const doc = JSON.parse(await readFile(json, 'utf8')) as { weights?: { file?: string } };
  return (await stat(json)).size + (await stat(join(dir, doc.weights?.file ?? 'weights.safetensors'))).size;
}

/** A seeded sample of `n` training rows (all when fewer). */
function sampleRows(x: Tensor, n: number, seed: number): Tensor {
  const rows = x.shape[0];
  if (n >= rows) return x;
  return takeRows(x, new Rng(seed).permutation(rows).subarray(0, n));
}

/** A student's shape in a few characters: input width, then each Dense layer's units and each conv's filters (c16). */
function studentName(model: Sequential): string {
  const parts = [String(model.inputShape.reduce((a, b) => a * b, 1))];
  for (const l of model.layers) {
    const c = l.getConfig();
    if (l.className === 'Dense') parts.push(String(c.units));
    else if (l.className.startsWith('Conv')) parts.push(`c${String(c.filters)}`);
  }
  return `${parts.join('-')} (${model.countParams().toLocaleString('en-US')} parameters)`;
}

interface Step {
  name: string;
  settings: Record<string, unknown>;
}

/** Applies the requested techniques in order (distill, prune, quantize); returns the result and what was done. */
async function compress(model: Sequential, d: CompressData, o: CompressFlags, log: (s: string) => void): Promise<{ model: Sequential; steps: Step[] }> {
  const steps: Step[] = [];
  let current = model;
  const tune = { x: d.xTrain, y: d.yTrain, batchSize: o.batchSize, seed: o.seed };
  if (o.distill) {
    if (d.task !== 'classification') throw new UserError('--distill needs a classifier (the student learns the teacher\'s class probabilities); this model is a regression model');
    const inputs = model.inputShape.reduce((a, b) => a * b, 1);
    const outputs = model.outputShape.reduce((a, b) => a * b, 1);
    const student = buildModel({ arch: 'mlp', config: o.config, hidden: o.hidden ?? [], activation: 'relu', l2: 0, dropout: 0, optimizer: 'adam', lr: o.lr }, inputs, outputs, 'classification');
    if (student.inputShape.join() !== model.inputShape.join()) {
      throw new UserError(`--distill: the student takes [${student.inputShape}] but the model takes [${model.inputShape}]; start the student's layer list with a matching inputShape`);
    }
    student.metadata = structuredClone(model.metadata ?? {});
    log(`Distilling into a student of ${student.countParams().toLocaleString('en-US')} parameters (teacher: ${model.countParams().toLocaleString('en-US')}), T = ${o.temperature}, alpha = ${o.alpha}, ${o.epochs} epochs`);
    await distill(model, student, d.xTrain, d.yTrain, {
      temperature: o.temperature, alpha: o.alpha, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed,
      onEpochEnd: (e, loss) => log(`  epoch ${e + 1}/${o.epochs}: distillation loss ${loss.toFixed(4)}`),
    });
    steps.push({ name: `distilled into ${studentName(student)}`, settings: { temperature: o.temperature, alpha: o.alpha, epochs: o.epochs, lr: o.lr, studentParams: student.countParams() } });
    current = student;
  }
  if (o.prune !== undefined) {
    if (o.structured) {
      const { model: small, layers } = pruneStructured(current, o.prune);
      log(`Structured pruning: ${layers.map((l) => `${l.name} ${l.before} -> ${l.after}`).join(', ') || 'no layer can lose units (each feeds the output or a layer that cannot be narrowed)'}; fine-tuning ${o.fineTuneEpochs} epochs`);
      await fineTune(small, { ...tune, epochs: o.fineTuneEpochs });
      current = small;
      steps.push({ name: `structured pruning of ${o.prune * 100}% of units`, settings: { fraction: o.prune, fineTuneEpochs: o.fineTuneEpochs, layers } });
    } else {
      log(`Unstructured pruning to ${o.prune * 100}% zero kernel weights, ${o.schedule}, fine-tuning ${o.fineTuneEpochs} epochs`);
      current = await pruneUnstructured(current, { sparsity: o.prune, schedule: o.schedule }, { ...tune, epochs: o.fineTuneEpochs });
      steps.push({ name: `unstructured pruning to ${o.prune * 100}% sparsity`, settings: { sparsity: o.prune, schedule: o.schedule, fineTuneEpochs: o.fineTuneEpochs, kernelSparsity: kernelSparsity(current) } });
    }
  }
  if (o.quantize) {
    const calibration = sampleRows(d.xTrain, o.calibrationRows, o.seed);
    const q = quantizeModel(current, calibration);
    log(`int8 quantisation: ${q.layers.map((l) => l.name).join(', ')} (inputs calibrated on ${calibration.shape[0]} training rows); kept in float32: ${q.kept.map((k) => k.name).join(', ') || 'none'}`);
    steps.push({ name: 'int8 post-training quantisation', settings: { calibrationRows: calibration.shape[0], layers: q.layers.map((l) => ({ name: l.name, inputScale: l.input.scale, inputZeroPoint: l.input.zeroPoint })) } });
    current = q.model;
  }
  if (current === model) current = cloneModel(model);
  return { model: current, steps };
}

async function compressCommand(o: CompressFlags): Promise<void> {
  if ((o.hidden || o.config) && !o.distill) throw new UserError('--hidden and --config describe the student of --distill; add --distill');
  if (!o.quantize && o.prune === undefined && !o.distill) throw new UserError('say what to do: --quantize int8, --prune F (with --structured for whole units), or --distill --hidden N (they combine)');
  if (o.distill && !o.hidden && !o.config) throw new UserError('--distill needs the student: --hidden N[,M...] (an MLP) or --config layers.json');
  if (o.out === o.model) throw new UserError('--out must be a new folder, not --model (the original is kept for comparison)');
  if (o.backend) setBackend(o.backend);
  setSeed(o.seed);
  const log = (s: string) => process.stderr.write(s + '\n');
  const loaded = await loadModel(o.model);
  if (!(loaded instanceof Sequential)) throw new UserError(`${o.model}: compress works on Sequential models (one stack of layers); this one is a functional model`);
  const original = loaded;
  if (!original.compileConfig) throw new UserError(`${o.model}: the saved model has no compile config (loss), so it cannot be fine-tuned or evaluated`);
  const d = await compressData(o.data, original.metadata, { trainLimit: o.trainLimit, testLimit: o.testLimit });
  const { model, steps } = await compress(original, d, o, log);
  const technique = steps.map((s) => s.name).join(', then ');
  const { training: _training, ...kept } = model.metadata ?? {};
  model.metadata = { ...kept, compression: { source: o.model, technique, steps: steps.map((s) => ({ step: s.name, ...s.settings })), seed: o.seed } };
  await saveModel(model, o.out);

  const timingX = o.timingRows ? d.xTest.slice([0], [Math.min(o.timingRows, d.xTest.shape[0])]) : d.xTest;
  const rounds = o.rounds;
  const [before, after] = withThreads(o.threads, () => measureThroughput([original, model], timingX, { rounds }));
  const facts = async (m: Sequential, label: string, dir: string, speed: Throughput): Promise<ModelFacts> => ({
    label, score: d.score.score(m), params: m.countParams(), nonzeroParams: nonzeroParams(m), bytes: await savedBytes(dir), flops: forwardFlops(m),
    rowsPerSecond: speed.median, bestRowsPerSecond: speed.best, cpuRowsPerSecond: speed.cpuMedian,
  });
  const shift = o.explain ? await shiftOf(original, model, d, o) : null;
  const t: TradeOff = {
    technique, metric: d.score.metric, higherIsBetter: d.score.higherIsBetter,
    before: await facts(original, 'before', o.model, before), after: await facts(model, 'after', o.out, after),
    notes: [
      `Held-out rows scored: ${d.xTest.shape[0].toLocaleString('en-US')}. Inference: predict on ${timingX.shape[0].toLocaleString('en-US')} rows, ` +
        `${o.threads} thread${o.threads === 1 ? '' : 's'}, ${getBackend().name} backend, median of ${rounds} rounds timed in turns in one process.`,
      `Speed-up: median of the ${rounds} per-round ratios (rows/s columns: median rounds); per CPU-second of this process ${pairedSpeedup(before, after, 'cpu').toFixed(2)}x ` +
        `(${Math.round(before.cpuMedian).toLocaleString('en-US')} and ${Math.round(after.cpuMedian).toLocaleString('en-US')} rows per CPU-second); fastest rounds ${(after.best / before.best).toFixed(2)}x.`,
      `Bytes on disk: model.json + weights as saved in ${o.model} and ${o.out}.`,
    ],
    shift, pairedSpeedup: pairedSpeedup(before, after),
  };
  const report = join(o.out, 'compress-report.html');
  await writeReport(report, { explanations: [], title: `glassbox compress — ${o.model} -> ${o.out}`, notes: [`data: ${o.data}`], compression: { technique, table: tradeOffCells(t), notes: t.notes, shift } });
  log(`Compressed model saved to ${o.out}; report: ${report}`);
  if (o.json) {
    const json = tradeOffJson(t);
    const s = json.explanationShift as Record<string, unknown> | null;
    process.stdout.write(JSON.stringify({ ...json, model: o.model, out: o.out, report, steps, explanationShift: s ? { ...s, names: undefined, before: undefined, after: undefined } : null }) + '\n');
  } else {
    process.stdout.write(formatTradeOff(t) + '\n');
  }
}

/** Permutation importance of both models on held-out rows (image rows in 4x4 patches). */
async function shiftOf(original: Sequential, model: Sequential, d: CompressData, o: CompressFlags) {
  const n = Math.min(o.explainRows, d.xTest.shape[0]);
  const x = d.xTest.slice([0], [n]);
  const y = d.yTest.slice([0], [n]);
  const groups = d.imageShape ? patchGroups(d.imageShape[0], d.imageShape[1], 4) : undefined;
  return explanationShift(original, model, x, y, { groups, seed: o.seed, repeats: 3 });
}

export function registerCompressCommand(program: Command): void {
  program
    .command('compress')
    .description('make a saved model smaller and cheaper (int8 quantisation, pruning, distillation), save it as a model folder and print the measured trade-off')
    .requiredOption('--model <dir>', 'saved model folder to compress (left unchanged)')
    .option('--data <mnist|file.csv>', 'its data: mnist, or the CSV file it was trained on (training rows calibrate / fine-tune / distill, held-out rows score)', 'mnist')
    .requiredOption('--out <dir>', 'folder for the compressed model (a normal model folder: evaluate, explain, export, predict take it)')
    .addOption(new Option('--quantize <type>', 'post-training quantisation: int8 weights per unit, int8 activations calibrated on training rows').choices(['int8']))
    .option('--prune <f>', 'magnitude pruning: the fraction of kernel weights set to zero (with --structured: of units / filters removed)', fraction('--prune'))
    .option('--structured', 'prune whole units and conv filters (the layers shrink) instead of single weights')
    .addOption(new Option('--schedule <kind>', 'unstructured pruning: raise sparsity over the fine-tuning epochs (gradual) or at once').choices(['gradual', 'one-shot']).default('gradual'))
    .option('--fine-tune-epochs <n>', 'epochs of training after pruning', integer('--fine-tune-epochs', 0), 3)
    .option('--distill', 'train a smaller student (--hidden or --config) on the model\'s softened outputs')
    .option('--hidden <units>', 'the student MLP\'s hidden layer sizes, comma-separated', units)
    .option('--config <file>', 'the student\'s hidden layers as a JSON layer list (as train --config)')
    .option('--temperature <t>', 'distillation temperature (softens the teacher\'s outputs)', number('--temperature', 1), 4)
    .option('--alpha <a>', 'distillation: weight of the true labels (the rest on the teacher\'s outputs)', number('--alpha', 0), 0.1)
    .option('--epochs <n>', 'distillation epochs', integer('--epochs', 1), 10)
    .option('--lr <rate>', 'the student\'s learning rate (Adam)', number('--lr'), 1e-3)
    .option('--batch-size <n>', 'mini-batch size for fine-tuning and distillation', integer('--batch-size', 2), 32)
    .option('--calibration-rows <n>', 'training rows sampled to calibrate int8 activation ranges', integer('--calibration-rows', 1), 1000)
    .option('--threads <n>', 'threads while timing inference (1: one core, as the targets are stated)', integer('--threads', 1), 1)
    .option('--timing-rows <n>', 'held-out rows timed (default: all)', integer('--timing-rows', 1))
    .option('--rounds <n>', 'timed rounds of each model, in turns (the table shows the median)', integer('--rounds', 1), 7)
    .option('--explain-rows <n>', 'held-out rows for the explanation shift (permutation importance of both models)', integer('--explain-rows', 1), 1000)
    .option('--no-explain', 'skip the explanation shift')
    .option('--seed <n>', 'seed for sampling, shuffles and dropout', integer('--seed'), 1)
    .option('--train-limit <n>', 'MNIST: use only the first n training rows', integer('--train-limit', 1))
    .option('--test-limit <n>', 'MNIST: use only the first n test rows', integer('--test-limit', 1))
    .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']))
    .option('--json', 'print the trade-off as one JSON object')
    .action(async (o) => compressCommand({ ...o, quantize: o.quantize as 'int8' | undefined, explain: o.explain !== false }));
}
