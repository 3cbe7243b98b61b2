import { describe, expect, it } from 'vitest';
import '../distributed/test-relaxed-simd.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { loadModel } from '../io/save-load.js';
import { glassboxProcess, startTestRedis, startTestWorker, stopProcess } from '../distributed/test-redis.js';
import { applyParams, expandGrid, parseGrid } from './sweep-grid.js';
import { keptEpoch } from './sweep-trial.js';
import { rank } from './sweep-report.js';
import type { TrainOptions } from './train.js';
import type { TrialResult } from './sweep-trial.js';

describe('sweep grid', () => {
  it('parses axes like their flags and expands every combination', () => {
    const axes = parseGrid('lr=1e-3,3e-3; hidden=32,64x32,none ;optimizer=sgd');
    expect(axes).toEqual([['lr', [1e-3, 3e-3]], ['hidden', [[32], [64, 32], []]], ['optimizer', ['sgd']]]);
    const trials = expandGrid(axes);
    expect(trials).toHaveLength(6);
    expect(trials[1]).toEqual({ lr: 1e-3, hidden: [64, 32], optimizer: 'sgd' });
    const o = applyParams({ lr: 1, hidden: [8], batchSize: 32 } as TrainOptions, { lr: 0.5, 'batch-size': 16 });
    expect([o.lr, o.batchSize, o.hidden]).toEqual([0.5, 16, [8]]);
  });

  it.each([
    ['momentum=0.9', /not KEY=V1,V2 with KEY one of lr, hidden/],
    ['lr=1e-3,', /lr: an empty value/],
    ['lr=fast', /lr: 'fast' must be a number/],
    ['hidden=32.5', /hidden: '32.5' is not layer sizes/],
    ['dropout=1', /dropout: '1' must be a number >= 0 and below 1/],
    ['activation=wiggle', /unknown activation 'wiggle'/],
    ['lr=1;lr=2', /lr is given twice/],
    ['', /no axes/],
  ])('rejects %j with a message', (grid, message) => {
    expect(() => parseGrid(grid)).toThrow(message);
  });

  it('reads the kept epoch as training kept it: the last, or the best once early stopping fired', () => {
    expect(keptEpoch([0.9, 0.5, 0.6], undefined)).toBe(2);
    expect(keptEpoch([0.9, 0.5, 0.6, 0.7], 2)).toBe(1);
    expect(keptEpoch([0.9, 0.5, 0.6], 2)).toBe(2);
    expect(keptEpoch([], 3)).toBe(-1);
  });

  it('ranks by the metric in its direction and leaves failed trials out', () => {
    const r = (index: number, validation: Record<string, number>, error?: string) => ({ index, params: {}, validation, keptEpoch: 0, epochs: 1, seconds: 0, test: {}, error }) as TrialResult;
    const results = [r(0, { val_loss: 0.5, val_accuracy: 0.8 }), r(1, { val_loss: 0.3, val_accuracy: 0.7 }), r(2, {}, 'loss exploded'), r(3, { val_loss: 0.3, val_accuracy: 0.9 })];
    expect(rank(results, 'val_loss').map((t) => t.index)).toEqual([1, 3, 0]);
    expect(rank(results, 'val_accuracy').map((t) => t.index)).toEqual([3, 0, 1]);
  });
});

describe('glassbox sweep', () => {
  it('runs trials in local processes and on Redis workers with the same numbers, ranks them and saves the best', async () => {
    const base = await mkdtemp(join(tmpdir(), 'gb-sweep-'));
    const args = ['sweep', '--data', 'test/fixtures/iris.csv', '--target', 'species', '--epochs', '12', '--grid', 'lr=1e-2,5e-2;hidden=6', '--json'];
    const local = glassboxProcess([...args, '--out', join(base, 'local'), '--processes', '2']);
    expect(await local.exited).toBe(0);
    const redis = await startTestRedis();
    const worker = await startTestWorker(redis.url);
    try {
      const remote = glassboxProcess([...args, '--out', join(base, 'remote'), '--redis', redis.url]);
      expect(await remote.exited).toBe(0);
      expect(worker.log()).toMatch(/sweep-trial .*done in/);
    } finally {
      await stopProcess(worker);
      await redis.stop();
    }
    const [a, b] = await Promise.all(['local', 'remote'].map(async (d) => JSON.parse(await readFile(join(base, d, 'sweep.json'), 'utf8'))));
    expect(a.trials).toBe(2);
    expect(a.failed).toBe(0);
    expect(b.results.map((r: TrialResult) => r.validation)).toEqual(a.results.map((r: TrialResult) => r.validation));
    const ranked = a.results.filter((r: { rank: number }) => r.rank).sort((x: { rank: number }, y: { rank: number }) => x.rank - y.rank);
    expect(ranked.map((r: TrialResult) => r.validation.val_loss)).toEqual([...ranked.map((r: TrialResult) => r.validation.val_loss)].sort((x, y) => x - y));
    expect(a.best.index).toBe(ranked[0].index);
    const [ma, mb] = await Promise.all([loadModel(join(base, 'local')), loadModel(join(base, 'remote'))]);
    expect(mb.getWeights().map((t) => Array.from(t.values))).toEqual(ma.getWeights().map((t) => Array.from(t.values)));
  });
});
