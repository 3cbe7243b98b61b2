// Feature scalers (min-max, standard) that fit on training data, apply to any data, and save as JSON.

import { Tensor } from '../tensor/tensor.js';
import { assertFeatureCount, assertFinite, rowCount, rowSize } from './check.js';

export interface MinMaxScalerJSON {
  type: 'MinMaxScaler';
  featureRange: [number, number];
  clip: boolean;
  dataMin: number[];
  dataMax: number[];
}

export interface StandardScalerJSON {
  type: 'StandardScaler';
  withMean: boolean;
  withStd: boolean;
  mean: number[];
  std: number[];
}

export type ScalerJSON = MinMaxScalerJSON | StandardScalerJSON;

/** What every scaler does. Features are the values of one row (all dimensions after the first). */
export interface Scaler {
  readonly fitted: boolean;
  /** Number of features seen by `fit` (0 before). */
  readonly numFeatures: number;
  fit(x: Tensor): this;
  transform(x: Tensor): Tensor;
  fitTransform(x: Tensor): Tensor;
  inverseTransform(x: Tensor): Tensor;
  toJSON(): ScalerJSON;
}

/** Shared plumbing: validation and a per-feature affine map y = (x - shift) * scale + offset. */
abstract class AffineScaler implements Scaler {
  protected shift: Float64Array = new Float64Array(0);
  protected scale: Float64Array = new Float64Array(0);
  protected offset = 0;
  fitted = false;

  get numFeatures(): number {
    return this.shift.length;
  }

  abstract fit(x: Tensor): this;
  abstract toJSON(): ScalerJSON;

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  transform(x: Tensor): Tensor {
    this.checkInput(x, 'transform');
    const f = this.numFeatures;
    const v = x.values;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i += f) {
      for (let j = 0; j < f; j++) out[i + j] = (v[i + j] - this.shift[j]) * this.scale[j] + this.offset;
    }
    this.clipInPlace(out);
    return new Tensor(out, x.shape);
  }

  inverseTransform(x: Tensor): Tensor {
    this.checkInput(x, 'inverseTransform');
    const f = this.numFeatures;
    const v = x.values;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i += f) {
      for (let j = 0; j < f; j++) out[i + j] = (v[i + j] - this.offset) / this.scale[j] + this.shift[j];
    }
    return new Tensor(out, x.shape);
  }

  protected clipInPlace(_out: Float32Array): void {}

  /** Validates a fit input and returns [rows, features]. */
  protected checkFitInput(x: Tensor): [number, number] {
    const name = `${this.constructor.name}.fit`;
    const n = rowCount(x, name);
    if (x.rank < 2) throw new Error(`${name}: expected a 2-D tensor [rows, features], got shape [${x.shape.join(',')}]`);
    if (n === 0) throw new Error(`${name}: cannot fit on 0 rows; pass the training data`);
    assertFinite(x, name);
    return [n, rowSize(x)];
  }

  private checkInput(x: Tensor, method: string): void {
    const name = `${this.constructor.name}.${method}`;
    if (!this.fitted) throw new Error(`${name}: the scaler is not fitted; call fit() on the training data first`);
    assertFeatureCount(x, this.numFeatures, name);
    assertFinite(x, name);
  }
}

/** Per-feature statistics in float64: min, max, mean and population standard deviation. */
function columnStats(x: Tensor, n: number, f: number) {
  const v = x.values;
  const min = new Float64Array(f).fill(Infinity);
  const max = new Float64Array(f).fill(-Infinity);
  const mean = new Float64Array(f);
  const m2 = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) {
      const a = v[row + j];
      if (a < min[j]) min[j] = a;
      if (a > max[j]) max[j] = a;
      const d = a - mean[j]; // Welford: stable for large offsets
      mean[j] += d / (i + 1);
      m2[j] += d * (a - mean[j]);
    }
  }
  const std = m2.map((s) => Math.sqrt(s / n));
  return { min, max, mean, std };
}

export interface MinMaxScalerOptions {
  /** Target range of each feature (default [0, 1]). */
  featureRange?: [number, number];
  /** Clip transformed values into the range (for data outside the training range; default false). */
  clip?: boolean;
}

/** Maps each feature linearly so the training minimum becomes `lo` and the maximum `hi`; constant features map to `lo`. */
export class MinMaxScaler extends AffineScaler {
  readonly featureRange: [number, number];
  readonly clip: boolean;
  dataMin: Float64Array = new Float64Array(0);
  dataMax: Float64Array = new Float64Array(0);

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    const range = options.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1])) {
      throw new Error(`MinMaxScaler: featureRange must be [lo, hi] with finite lo < hi, got ${JSON.stringify(range)}`);
    }
    this.featureRange = [range[0], range[1]];
    this.clip = options.clip ?? false;
    this.offset = range[0];
  }

  fit(x: Tensor): this {
    const [n, f] = this.checkFitInput(x);
    const { min, max } = columnStats(x, n, f);
    this.setStats(min, max);
    return this;
  }

  private setStats(min: Float64Array, max: Float64Array): void {
    const [lo, hi] = this.featureRange;
    this.dataMin = min;
    this.dataMax = max;
    this.shift = min;
    this.scale = min.map((m, j) => (max[j] > m ? (hi - lo) / (max[j] - m) : 1));
    this.fitted = true;
  }

  protected override clipInPlace(out: Float32Array): void {
    if (!this.clip) return;
    const [lo, hi] = this.featureRange;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(hi, Math.max(lo, out[i]));
  }

  toJSON(): MinMaxScalerJSON {
    requireFitted(this.fitted, 'MinMaxScaler');
    return {
      type: 'MinMaxScaler',
      featureRange: [...this.featureRange],
      clip: this.clip,
      dataMin: Array.from(this.dataMin),
      dataMax: Array.from(this.dataMax),
    };
  }

  static fromJSON(obj: MinMaxScalerJSON): MinMaxScaler {
    expectType(obj, 'MinMaxScaler');
    const s = new MinMaxScaler({ featureRange: obj.featureRange, clip: obj.clip === true });
    const min = numberArray(obj.dataMin, 'MinMaxScaler.dataMin');
    const max = numberArray(obj.dataMax, 'MinMaxScaler.dataMax');
    if (min.length !== max.length || min.some((m, j) => m > max[j])) {
      throw new Error('MinMaxScaler.fromJSON: dataMin and dataMax must have the same length with dataMin <= dataMax');
    }
    s.setStats(min, max);
    return s;
  }
}

export interface StandardScalerOptions {
  /** Subtract the mean (default true). */
  withMean?: boolean;
  /** Divide by the standard deviation (default true); features with std 0 are divided by 1. */
  withStd?: boolean;
}

/** Standardises each feature to mean 0 and (population) standard deviation 1. */
export class StandardScaler extends AffineScaler {
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: Float64Array = new Float64Array(0);
  std: Float64Array = new Float64Array(0);

  constructor(options: StandardScalerOptions = {}) {
    super();
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  fit(x: Tensor): this {
    const [n, f] = this.checkFitInput(x);
    const { mean, std } = columnStats(x, n, f);
    this.setStats(mean, std);
    return this;
  }

  private setStats(mean: Float64Array, std: Float64Array): void {
    this.mean = mean;
    this.std = std;
    this.shift = this.withMean ? mean : new Float64Array(mean.length);
    this.scale = std.map((s) => (this.withStd && s > 0 ? 1 / s : 1));
    this.fitted = true;
  }

  toJSON(): StandardScalerJSON {
    requireFitted(this.fitted, 'StandardScaler');
    return {
      type: 'StandardScaler',
      withMean: this.withMean,
      withStd: this.withStd,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
    };
  }

  static fromJSON(obj: StandardScalerJSON): StandardScaler {
    expectType(obj, 'StandardScaler');
    const s = new StandardScaler({ withMean: obj.withMean !== false, withStd: obj.withStd !== false });
    const mean = numberArray(obj.mean, 'StandardScaler.mean');
    const std = numberArray(obj.std, 'StandardScaler.std');
    if (mean.length !== std.length || std.some((d) => d < 0)) {
      throw new Error('StandardScaler.fromJSON: mean and std must have the same length with std >= 0');
    }
    s.setStats(mean, std);
    return s;
  }
}

const REGISTRY: Record<ScalerJSON['type'], (obj: never) => Scaler> = {
  MinMaxScaler: (obj: MinMaxScalerJSON) => MinMaxScaler.fromJSON(obj),
  StandardScaler: (obj: StandardScalerJSON) => StandardScaler.fromJSON(obj),
};

/** Rebuilds a scaler saved with `toJSON()`, choosing the class from its `type` field. */
export function scalerFromJSON(obj: unknown): Scaler {
  const type = typeof obj === 'object' && obj !== null ? (obj as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(REGISTRY, type)) {
    throw new Error(`scalerFromJSON: unknown scaler type ${JSON.stringify(type)}; known types: ${Object.keys(REGISTRY).join(', ')}`);
  }
  return REGISTRY[type as ScalerJSON['type']](obj as never);
}

function requireFitted(fitted: boolean, name: string): void {
  if (!fitted) throw new Error(`${name}.toJSON: the scaler is not fitted; call fit() first`);
}

function expectType(obj: unknown, type: string): void {
  if (typeof obj !== 'object' || obj === null || (obj as { type?: unknown }).type !== type) {
    throw new Error(`${type}.fromJSON: expected an object with type "${type}"`);
  }
}

function numberArray(a: unknown, name: string): Float64Array {
  if (!Array.isArray(a) || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`${name}: expected an array of finite numbers`);
  }
  return Float64Array.from(a as number[]);
}
