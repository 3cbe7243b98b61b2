// Inference in chunks: full chunks compute no padding rows; short calls share a few bucket-sized plans.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { Rng } from '../util/random.js';
import { bucketRows, inferenceChunk } from './model-plans.js';

function convNet(): gb.Sequential {
  gb.setSeed(3);
  // 26x26x16 floats a row after the conv (43 KB): a chunk holds far fewer rows than a batch of 1000.
  return gb.sequential({
    layers: [
      gb.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      gb.layers.flatten(),
      gb.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

const planRows = (model: gb.Sequential) => model.plans.keys().filter((k) => k.startsWith('infer:')).map((k) => Number(k.split(':').pop())).sort((a, b) => a - b);

describe('chunked inference', () => {
  it('runs full chunks in plans of exactly the chunk, the remainder in its bucket, and predicts each row as alone', () => {
    const model = convNet();
    const chunk = inferenceChunk(model, 1000);
    expect(chunk).toBeGreaterThan(1);
    expect(chunk).toBeLessThan(1000);
    const n = 2 * chunk + Math.ceil(chunk / 3);
    const rng = new Rng(5);
    const x = new gb.Tensor(Float32Array.from({ length: n * 784 }, () => rng.uniform()), [n, 28, 28, 1]);
    const all = model.predict(x, { batchSize: 1000 });
    expect(planRows(model)).toEqual([bucketRows(n - 2 * chunk, chunk), chunk].sort((a, b) => a - b));
    for (const r of [0, chunk - 1, chunk, n - 1]) {
      const alone = model.predict(x.slice([r], [1]), { batchSize: 1 }).values;
      const row = all.values.subarray(r * 3, r * 3 + 3);
      for (let j = 0; j < 3; j++) expect(row[j]).toBeCloseTo(alone[j], 6);
    }
  });

  it('counts an int8 value as one byte when sizing chunks', () => {
    gb.setSeed(4);
    const mlp = gb.sequential({ layers: [gb.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), gb.layers.dense({ units: 10, activation: 'softmax' })] });
    const q = gb.compress.quantizeModel(mlp, gb.randomUniform([64, 784], 0, 1, { seed: 2 })).model;
    // Its largest value is the int8 copy of the input, 784 bytes a row, in a 2 MiB budget.
    expect(inferenceChunk(q, 100_000)).toBe(Math.floor((2 << 20) / 784));
  });
});
