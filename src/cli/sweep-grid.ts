// `--grid "lr=1e-3,3e-3;hidden=32,64x32"`: the hyper-parameters a sweep varies, parsed like their flags, expanded to trials.

import { UserError } from './errors.js';
import type { TrainOptions } from './train.js';
import { resolveActivation } from '../nn/activations.js';

type Value = number | string | number[];
type Parse = (text: string) => Value;

const positiveInt = (flag: string): Parse => (t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--grid ${flag}: '${t}' is not a positive integer`);
  return n;
};
const nonNegative = (flag: string, below = Infinity): Parse => (t) => {
  const n = Number(t);
  if (t.trim() === '' || !Number.isFinite(n) || n < 0 || n >= below) throw new UserError(`--grid ${flag}: '${t}' must be a number >= 0${below < Infinity ? ` and below ${below}` : ''}`);
  return n;
};
const choice = (flag: string, options: string[]): Parse => (t) => {
  if (!options.includes(t)) throw new UserError(`--grid ${flag}: '${t}' is not one of ${options.join(', ')}`);
  return t;
};
/** Hidden layers: 64, or 64x32 for two layers, or none. */
const layers: Parse = (t) => {
  if (t === 'none') return [];
  const units = t.split('x').map(Number);
  if (units.some((u) => !Number.isInteger(u) || u < 1)) throw new UserError(`--grid hidden: '${t}' is not layer sizes (64, or 64x32 for two layers, or none)`);
  return units;
};

/** Grid keys (as the train flags spell them), the TrainOptions field each sets, and its parser. */
const KEYS: Record<string, { field: keyof TrainOptions; parse: Parse }> = {
  lr: { field: 'lr', parse: nonNegative('lr') },
  hidden: { field: 'hidden', parse: layers },
  'batch-size': { field: 'batchSize', parse: positiveInt('batch-size') },
  epochs: { field: 'epochs', parse: positiveInt('epochs') },
  l2: { field: 'l2', parse: nonNegative('l2') },
  dropout: { field: 'dropout', parse: nonNegative('dropout', 1) },
  'clip-norm': { field: 'clipNorm', parse: nonNegative('clip-norm') },
  optimizer: { field: 'optimizer', parse: choice('optimizer', ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad']) },
  activation: { field: 'activation', parse: (t) => {
    try {
      return resolveActivation(t);
    } catch (e) {
      throw new UserError(`--grid activation: ${(e as Error).message}`);
    }
  } },
  arch: { field: 'arch', parse: choice('arch', ['mlp', 'cnn']) },
  seed: { field: 'seed', parse: positiveInt('seed') },
};

/** One trial's settings: flag name -> value (e.g. { lr: 0.001, hidden: [32] }). */
export type TrialParams = Record<string, Value>;

/** Parses the grid into its axes, in the order written. */
export function parseGrid(grid: string): [string, Value[]][] {
  const axes: [string, Value[]][] = [];
  for (const part of grid.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    if (eq < 0 || !Object.prototype.hasOwnProperty.call(KEYS, key)) {
      throw new UserError(`--grid: '${part}' is not KEY=V1,V2 with KEY one of ${Object.keys(KEYS).join(', ')} (e.g. "lr=1e-3,3e-3;hidden=32,64x32")`);
    }
    if (axes.some(([k]) => k === key)) throw new UserError(`--grid: ${key} is given twice`);
    const values = part.slice(eq + 1).split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new UserError(`--grid ${key}: an empty value; separate values with commas, axes with ';'`);
    axes.push([key, values.map((v) => KEYS[key].parse(v))]);
  }
  if (axes.length === 0) throw new UserError('--grid: no axes; e.g. --grid "lr=1e-3,3e-3;hidden=32,64"');
  return axes;
}

/** Every combination, the last axis varying fastest. */
export function expandGrid(axes: [string, Value[]][]): TrialParams[] {
  let trials: TrialParams[] = [{}];
  for (const [key, values] of axes) trials = trials.flatMap((t) => values.map((v) => ({ ...t, [key]: v })));
  return trials;
}

/** The base options with one trial's settings applied. */
export function applyParams(base: TrainOptions, params: TrialParams): TrainOptions {
  const o = { ...base } as Record<string, unknown>;
  for (const [key, v] of Object.entries(params)) o[KEYS[key].field] = v;
  return o as unknown as TrainOptions;
}

/** A trial's settings as table text: lr=0.001 hidden=64x32. */
export function formatParams(params: TrialParams): string {
  return Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length ? v.join('x') : 'none') : v}`).join(' ');
}
