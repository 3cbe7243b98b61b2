// Tests for loading MNIST: the real files, options, and corrupt copies in a temp folder.

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_FILES, loadMnist, loadMnistSync, mnistDataDir } from './mnist.js';
import { encodeIdx } from './idx.js';
import type { MnistData } from './mnist.js';

describe('loadMnist (real files)', () => {
  let data: MnistData;
  beforeAll(async () => {
    data = await loadMnist();
  });

  it('has 60000 train and 10000 test examples of 784 pixels', () => {
    expect(data.trainImages.shape).toEqual([60000, 784]);
    expect(data.trainLabels.shape).toEqual([60000]);
    expect(data.testImages.shape).toEqual([10000, 784]);
    expect(data.testLabels.shape).toEqual([10000]);
    expect(data.trainImages.dtype).toBe('float32');
    expect(data.trainLabels.dtype).toBe('int32');
  });

  it('has labels 0..9, every class present, and pixels in [0, 1]', () => {
    for (const labels of [data.trainLabels, data.testLabels]) {
      const counts = new Array(10).fill(0);
      for (const v of labels.values) counts[v]++;
      expect(counts.every((c) => c > 0)).toBe(true);
      expect(counts.reduce((a, b) => a + b)).toBe(labels.size);
    }
    let min = Infinity;
    let max = -Infinity;
    const px = data.trainImages.values;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < min) min = px[i];
      if (px[i] > max) max = px[i];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(Array.from(data.trainLabels.values.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // the well-known first labels
  });
});

describe('loadMnist options', () => {
  it('limits, keeps 0..255 and reshapes to [n, 28, 28, 1]', async () => {
    const d = await loadMnist({ trainLimit: 100, testLimit: 10, normalize: false, flatten: false });
    expect(d.trainImages.shape).toEqual([100, 28, 28, 1]);
    expect(d.testImages.shape).toEqual([10, 28, 28, 1]);
    expect(d.trainLabels.shape).toEqual([100]);
    expect(Math.max(...d.trainImages.values)).toBe(255);
    expect(d.trainImages.values.every(Number.isInteger)).toBe(true);
  });

  it('caps limits at the number of examples, and matches the sync loader', async () => {
    const a = await loadMnist({ trainLimit: 0, testLimit: 3 });
    const b = loadMnistSync({ trainLimit: 1e9, testLimit: 3 });
    expect(a.trainImages.shape).toEqual([0, 784]);
    expect(b.trainImages.shape).toEqual([60000, 784]);
    expect(a.testImages.values).toEqual(b.testImages.values);
    expect(a.testLabels.values).toEqual(b.testLabels.values);
  });

  it('rejects bad options', async () => {
    await expect(loadMnist({ trainLimit: -1 })).rejects.toThrow(/trainLimit must be a non-negative integer, got -1/);
    await expect(loadMnist({ testLimit: 1.5 })).rejects.toThrow(/testLimit/);
    await expect(loadMnist({ batch: 3 } as never)).rejects.toThrow(/unknown option "batch"/);
  });
});

describe('loadMnist (corrupt files)', () => {
  let dir: string;
  const src = mnistDataDir();
  const copyAll = () => {
    for (const f of Object.values(MNIST_FILES)) copyFileSync(join(src, f), join(dir, f));
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glassbox-mnist-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a truncated image file by name with its expected size', async () => {
    copyAll();
    const path = join(dir, MNIST_FILES.testImages);
    writeFileSync(path, readFileSync(path).subarray(0, 16 + 784 * 100 + 5));
    await expect(loadMnist({ dir })).rejects.toThrow(/t10k-images-idx3-ubyte: truncated: .*10000x28x28.*7840016 bytes/);
    expect(() => loadMnistSync({ dir })).toThrow(/t10k-images-idx3-ubyte: truncated/);
  });

  it('reports a wrong magic number (labels file given as images)', async () => {
    copyAll();
    copyFileSync(join(src, MNIST_FILES.testLabels), join(dir, MNIST_FILES.testImages));
    await expect(loadMnist({ dir })).rejects.toThrow(/t10k-images-idx3-ubyte: wrong magic number 0x00000801 \(expected 0x00000803/);
  });

  it('reports image and label counts that do not match', async () => {
    copyAll();
    writeFileSync(join(dir, MNIST_FILES.testImages), encodeIdx([3, 28, 28], new Uint8Array(3 * 784)));
    writeFileSync(join(dir, MNIST_FILES.testLabels), encodeIdx([2], [1, 2]));
    await expect(loadMnist({ dir })).rejects.toThrow(/t10k-labels-idx1-ubyte: has 2 labels but .*t10k-images-idx3-ubyte has 3 images/);
  });

  it('reports images of the wrong size and labels out of range', async () => {
    copyAll();
    writeFileSync(join(dir, MNIST_FILES.testImages), encodeIdx([2, 27, 28], new Uint8Array(2 * 27 * 28)));
    writeFileSync(join(dir, MNIST_FILES.testLabels), encodeIdx([2], [1, 2]));
    await expect(loadMnist({ dir })).rejects.toThrow(/images are 27x28, but MNIST images are 28x28/);
    writeFileSync(join(dir, MNIST_FILES.testImages), encodeIdx([2, 28, 28], new Uint8Array(2 * 784)));
    writeFileSync(join(dir, MNIST_FILES.testLabels), encodeIdx([2], [1, 12]));
    await expect(loadMnist({ dir })).rejects.toThrow(/t10k-labels-idx1-ubyte: label 1 \(counting from 0\) is 12; MNIST labels are 0\.\.9/);
  });

  it('reports a missing file', async () => {
    rmSync(join(dir, MNIST_FILES.trainLabels));
    await expect(loadMnist({ dir })).rejects.toThrow(/train-labels-idx1-ubyte: cannot read IDX file \(ENOENT/);
  });
});
