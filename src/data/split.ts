// Seeded shuffling and train/test splits (optionally stratified by class) of paired x, y tensors.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { assertSameRows, rowCount } from './check.js';
import { takeRows } from './batches.js';

/** A seed or an existing generator (which is advanced). */
export type SeedOrRng = number | Rng;

export function toRng(seed: SeedOrRng): Rng {
  if (seed instanceof Rng) return seed;
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number or an Rng, got ${seed}`);
  return new Rng(seed);
}

/** x and y with their rows permuted by the same seeded permutation. */
export function shuffle(x: Tensor, y: Tensor, seed: SeedOrRng): { x: Tensor; y: Tensor } {
  const n = assertSameRows(x, y);
  const perm = toRng(seed).permutation(n);
  return { x: takeRows(x, perm), y: takeRows(y, perm) };
}

export interface SplitOptions {
  /** Fraction of rows for the test set, in (0, 1). */
  testFraction: number;
  /** Seed or generator for the shuffle (default 0). */
  seed?: SeedOrRng;
  /** Keep each class's share the same in both parts; y must hold class indices. */
  stratify?: boolean;
}

export interface Split {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/** Shuffles and splits x, y into train and test parts; both parts are non-empty. */
export function trainTestSplit(x: Tensor, y: Tensor, options: SplitOptions): Split {
  const n = assertSameRows(x, y);
  const { train, test } = splitIndices(n, options, options.stratify ? y : undefined);
  return { xTrain: takeRows(x, train), yTrain: takeRows(y, train), xTest: takeRows(x, test), yTest: takeRows(y, test) };
}

/** Index form of `trainTestSplit`: shuffled train and test row indices. */
export function splitIndices(n: number, options: SplitOptions, classes?: Tensor): { train: Int32Array; test: Int32Array } {
  const f = options?.testFraction;
  if (typeof f !== 'number' || !(f > 0 && f < 1)) {
    throw new Error(`trainTestSplit: testFraction must be a number strictly between 0 and 1, got ${f}`);
  }
  const nTest = Math.round(n * f);
  if (nTest < 1 || nTest > n - 1) {
    throw new Error(`trainTestSplit: ${n} rows with testFraction ${f} leaves an empty train or test set; use more rows or another fraction`);
  }
  const rng = toRng(options.seed ?? 0);
  const testSet = classes ? stratifiedTest(classes, n, nTest, rng) : rng.permutation(n).subarray(0, nTest);
  const isTest = new Uint8Array(n);
  for (const i of testSet) isTest[i] = 1;
  const train = new Int32Array(n - nTest);
  const test = new Int32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train: rng.shuffle(train), test: rng.shuffle(test) };
}

/** Picks nTest rows so each class gets its share (largest-remainder rounding); returns their indices. */
function stratifiedTest(y: Tensor, n: number, nTest: number, rng: Rng): Int32Array {
  if (rowCount(y, 'y') !== n || y.size !== n) {
    throw new Error(`trainTestSplit: stratify needs y as one class index per row (shape [${n}]), got shape [${y.shape.join(',')}]`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = y.values[i];
    if (!Number.isInteger(c)) throw new Error(`trainTestSplit: stratify needs integer class labels; y at row ${i} is ${c}`);
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const groups = [...byClass.entries()].sort((p, q) => p[0] - q[0]).map(([, rows]) => rows);
  const exact = groups.map((g) => (g.length * nTest) / n);
  const take = exact.map(Math.floor);
  let left = nTest - take.reduce((s, k) => s + k, 0);
  const order = exact.map((_, i) => i).sort((i, j) => exact[j] - take[j] - (exact[i] - take[i]) || i - j);
  for (const i of order) {
    if (left === 0) break;
    take[i]++;
    left--;
  }
  const out = new Int32Array(nTest);
  let k = 0;
  groups.forEach((g, i) => {
    rng.shuffle(g);
    for (let j = 0; j < take[i]; j++) out[k++] = g[j];
  });
  return out;
}
