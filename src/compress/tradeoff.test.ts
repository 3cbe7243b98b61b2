// The trade-off arithmetic and the explanation shift: rank correlation with ties, top-k overlap, and the table.

import { describe, expect, it } from 'vitest';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { averageRanks, explanationShift, spearman } from './shift.js';
import { formatTradeOff, summarize, tradeOffJson, type TradeOff } from './tradeoff.js';
import { mlp, tabularProblem } from './test-problems.js';
import { cloneModel } from './prune.js';
import { pairedSpeedup, type Throughput } from './measure.js';

describe('rank correlation', () => {
  it('is 1 for the same order, -1 for the reverse, and shares ranks between ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(averageRanks([5, 1, 5, 3])).toEqual([3.5, 1, 3.5, 2]);
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(() => spearman([1], [1, 2])).toThrow(/1 and 2 values/);
  });

  it('finds no shift between a model and its copy, and some after the copy is damaged', async () => {
    const p = tabularProblem(600);
    const model = mlp(20, [16], 4);
    await model.fit(p.xTrain, p.yTrain, { epochs: 20, verbose: 0, shuffleSeed: 1 });
    const copy = cloneModel(model);
    const same = await explanationShift(model, copy, p.xTest, p.yTest, { seed: 3 });
    expect(same.spearman).toBeCloseTo(1, 12);
    expect(same.topOverlap).toBe(1);
    expect(same.names.length).toBe(20);
    // Zero the first hidden layer's weights from the six informative inputs: the copy stops using them.
    const [k, b] = copy.layers[0].getWeights();
    const kv = Float32Array.from(k.values);
    kv.fill(0, 0, 6 * 16);
    copy.layers[0].setWeights([new (k.constructor as typeof import('../tensor/tensor.js').Tensor)(kv, k.shape), b]);
    const moved = await explanationShift(model, copy, p.xTest, p.yTest, { seed: 3, k: 6 });
    expect(moved.spearman).toBeLessThan(0.5);
    expect(moved.topOverlap).toBeLessThan(0.5);
  });
});

describe('paired speed-up', () => {
  it('is the median of per-round ratios, so a round slowed for both models does not skew it', () => {
    const speed = (wallMs: number[], cpuMs: number[]): Throughput => ({ median: 0, best: 0, cpuMedian: 0, wallMs, cpuMs });
    // Round 2 ran on a busy machine for both models, round 3 for `after` only: ratios 2, 2, 0.4 -> 2, where the
    // ratio of the medians (12 / 20) would say 0.6.
    const before = speed([10, 40, 12], [9, 9, 9]);
    const after = speed([5, 20, 30], [6, 6, 6]);
    expect(pairedSpeedup(before, after)).toBe(2);
    expect(pairedSpeedup(before, after, 'cpu')).toBe(1.5);
  });
});

describe('the trade-off table', () => {
  const facts = (label: string, score: number, bytes: number, rps: number) => ({ label, score, params: 1000, nonzeroParams: label === 'after' ? 200 : 1000, bytes, flops: 2000, rowsPerSecond: rps });
  const t: TradeOff = { technique: 'test', metric: 'accuracy', higherIsBetter: true, before: facts('before', 0.975, 4000, 100), after: facts('after', 0.9712, 1000, 160), notes: ['timed somehow'], shift: null };

  it('gives the change in points, the size and speed ratios', () => {
    const s = summarize(t);
    expect(s.scoreChange).toBeCloseTo(-0.38, 10);
    expect(s.bytesRatio).toBe(0.25);
    expect(s.nonzeroRatio).toBe(0.2);
    expect(s.speedup).toBe(1.6);
    expect(tradeOffJson(t).change).toEqual(s);
  });

  it('prints aligned rows: before, after, change', () => {
    const lines = formatTradeOff(t).split('\n');
    expect(lines[0]).toBe('Trade-off: test');
    expect(lines[1].trim().split(/\s{2,}/)).toEqual(['accuracy', 'params', 'non-zero', 'bytes on disk', 'FLOPs/row', 'rows/s']);
    expect(lines[2].split(/\s+/)).toEqual(['before', '97.50%', '1,000', '1,000', '4,000', '2,000', '100']);
    expect(lines[4].split(/\s{2,}/)).toEqual(['change', '-0.38 pt', '1.00x', '0.20x', '0.25x (25.0%)', '1.00x', '1.60x']);
    expect(new Set(lines.slice(1, 5).map((l) => l.length)).size).toBe(1);
    expect(lines[5]).toBe('timed somehow');
  });
});
