// Weight initialisers (Glorot, He, LeCun, constants, random), seeded through the global generator.

import { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { getRng, Rng } from '../util/random.js';

export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunNormal' | 'lecunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'varianceScaling' | 'constant' | 'truncatedNormal' | 'identity' | 'orthogonal';

export interface InitializerConfig {
  className: InitializerName;
  config?: {
    mean?: number; stddev?: number; minval?: number; maxval?: number; seed?: number;
    /** varianceScaling: std or limit from scale / fan (TensorFlow.js defaults: 1, 'fanIn', 'normal'). */
    scale?: number; mode?: 'fanIn' | 'fanOut' | 'fanAvg'; distribution?: 'normal' | 'truncatedNormal' | 'uniform';
    /** constant: the value; identity and orthogonal: the factor (gain, default 1). */
    value?: number; gain?: number;
  };
}

export type InitializerSpec = InitializerName | InitializerConfig;

/** fanIn / fanOut of a kernel: the last two axes are [in, out]; leading axes are a receptive field. */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

type Draw = (rng: Rng, fanIn: number, fanOut: number, cfg: NonNullable<InitializerConfig['config']>) => () => number;

const uniform = (limit: number, rng: Rng) => () => rng.uniform(-limit, limit);
// Keras' *Normal variance-scaling initialisers draw from a normal truncated at 2 std, rescaled by 0.8796.
const truncated = (std: number, rng: Rng) => () => rng.truncatedNormal(0, std / 0.87962566103423978);

const DRAWS: Record<InitializerName, Draw> = {
  glorotUniform: (r, i, o) => uniform(Math.sqrt(6 / (i + o)), r),
  glorotNormal: (r, i, o) => truncated(Math.sqrt(2 / (i + o)), r),
  heUniform: (r, i) => uniform(Math.sqrt(6 / i), r),
  heNormal: (r, i) => truncated(Math.sqrt(2 / i), r),
  lecunUniform: (r, i) => uniform(Math.sqrt(3 / i), r),
  lecunNormal: (r, i) => truncated(Math.sqrt(1 / i), r),
  zeros: () => () => 0,
  ones: () => () => 1,
  randomNormal: (r, _i, _o, c) => () => r.normal(c.mean ?? 0, c.stddev ?? 0.05),
  randomUniform: (r, _i, _o, c) => () => r.uniform(c.minval ?? -0.05, c.maxval ?? 0.05),
  constant: (_r, _i, _o, c) => () => c.value ?? 0,
  // A normal with values beyond 2 std redrawn (TensorFlow.js: mean 0, stddev 0.05).
  truncatedNormal: (r, _i, _o, c) => () => (c.mean ?? 0) + r.truncatedNormal(0, c.stddev ?? 0.05),
  // gain on the diagonal of a [rows, cols] matrix (values are drawn in row-major order).
  identity: (_r, _i, cols, c) => {
    let k = 0;
    return () => {
      const v = Math.floor(k / cols) === k % cols ? c.gain ?? 1 : 0;
      k++;
      return v;
    };
  },
  // Filled by orthogonalMatrix in initialize (it needs the whole matrix at once).
  orthogonal: () => () => 0,
  // TensorFlow.js' VarianceScaling: n = fanIn, fanOut or their mean; a normal truncated at 2 std with
  // std sqrt(scale / n), or uniform within sqrt(3 scale / n).
  varianceScaling: (r, i, o, c) => {
    const mode = c.mode ?? 'fanIn';
    const n = Math.max(1, mode === 'fanIn' ? i : mode === 'fanOut' ? o : (i + o) / 2);
    const scale = c.scale ?? 1;
    if (c.distribution === 'uniform') return uniform(Math.sqrt((3 * scale) / n), r);
    return () => r.truncatedNormal(0, Math.sqrt(scale / n));
  },
};

const SNAKE: Record<string, InitializerName> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_uniform: 'heUniform', he_normal: 'heNormal',
  lecun_normal: 'lecunNormal', lecun_uniform: 'lecunUniform', random_normal: 'randomNormal', random_uniform: 'randomUniform',
  GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeUniform: 'heUniform', HeNormal: 'heNormal',
  LecunNormal: 'lecunNormal', LecunUniform: 'lecunUniform', Zeros: 'zeros', Ones: 'ones',
  RandomNormal: 'randomNormal', RandomUniform: 'randomUniform', variance_scaling: 'varianceScaling', VarianceScaling: 'varianceScaling',
  Constant: 'constant', TruncatedNormal: 'truncatedNormal', truncated_normal: 'truncatedNormal', Identity: 'identity', Orthogonal: 'orthogonal',
};

const MODES: Record<string, 'fanIn' | 'fanOut' | 'fanAvg'> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg', fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg' };
const DISTRIBUTIONS: Record<string, 'normal' | 'truncatedNormal' | 'uniform'> = {
  normal: 'normal', truncated_normal: 'truncatedNormal', truncatedNormal: 'truncatedNormal', uniform: 'uniform', untruncated_normal: 'normal',
};

export function normalizeInitializer(spec: InitializerSpec): InitializerConfig {
  const cfg = typeof spec === 'string' ? { className: spec as InitializerName } : spec;
  const name = (cfg.className in DRAWS ? cfg.className : SNAKE[cfg.className]) as InitializerName | undefined;
  if (!name) throw new Error(`unknown initializer '${cfg.className}'; use one of: ${Object.keys(DRAWS).join(', ')}`);
  if (!cfg.config) return { className: name };
  const config = { ...cfg.config };
  // Keras / TensorFlow.js JSON spells these in snake_case.
  if (config.mode !== undefined) {
    const mode = MODES[config.mode];
    if (!mode) throw new Error(`initializer ${name}: unknown mode '${config.mode}'; use fanIn, fanOut or fanAvg`);
    config.mode = mode;
  }
  if (config.distribution !== undefined) {
    const d = DISTRIBUTIONS[config.distribution];
    if (!d) throw new Error(`initializer ${name}: unknown distribution '${config.distribution}'; use normal, truncatedNormal or uniform`);
    config.distribution = d;
  }
  for (const key of Object.keys(config) as (keyof typeof config)[]) if (config[key] === null) delete config[key];
  return { className: name, config };
}

/** Draws a tensor of `shape` from the initialiser, from its own seed if set, else the global generator. */
export function initialize(spec: InitializerSpec, shape: readonly number[]): Tensor {
  const cfg = normalizeInitializer(spec);
  const options = cfg.config ?? {};
  const rng = options.seed !== undefined ? new Rng(options.seed) : getRng();
  const [fanIn, fanOut] = fans(shape);
  if (cfg.className === 'identity' && shape.length !== 2) throw new Error(`initializer identity: needs a 2-D weight, got shape [${shape.join(', ')}]`);
  if (cfg.className === 'orthogonal') return new Tensor(orthogonalMatrix(shape, rng, options.gain ?? 1), shape);
  const next = DRAWS[cfg.className](rng, fanIn, fanOut, options);
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = next();
  return new Tensor(values, shape);
}

/**
 * gain * an orthogonal matrix of shape [prod(leading axes), last axis] (Keras): Gram-Schmidt on a normal
 * draw, over the rows when they are the fewer, else the columns.
 */
function orthogonalMatrix(shape: readonly number[], rng: Rng, gain: number): Float32Array {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const rows = sizeOf(shape) / Math.max(cols, 1);
  const [n, len] = rows < cols ? [rows, cols] : [cols, rows];
  const vecs = Array.from({ length: n }, () => Float64Array.from({ length: len }, () => rng.normal(0, 1)));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += vecs[i][k] * vecs[j][k];
      for (let k = 0; k < len; k++) vecs[i][k] -= dot * vecs[j][k];
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += vecs[i][k] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < len; k++) vecs[i][k] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows < cols ? vecs[r][c] : vecs[c][r]);
  return out;
}
