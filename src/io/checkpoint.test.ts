import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../backend/js/index.js';
import { setBackend } from '../backend/backend.js';
import { Callback } from '../train/callbacks.js';
import type { Sequential } from '../train/sequential.js';
import { getRng } from '../util/random.js';
import { modelCheckpoint } from './model-checkpoint.js';
import { loadCheckpoint } from './checkpoint.js';
import { resumeTraining } from './resume.js';
import { loadModel } from './save-load.js';
import { smallClassifier, toyData, weightBits } from './test-models.js';

const FIT = { epochs: 3, batchSize: 8, verbose: 0 } as const;

function compiled(seed: number): Sequential {
  const model = smallClassifier(seed);
  model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Simulates a crash: stops fit right after batch `batch` of epoch `epoch`. */
class CrashAfter extends Callback {
  private epoch = -1;
  constructor(private readonly at: { epoch: number; batch: number }) {
    super();
  }
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }
  onBatchEnd(batch: number): void {
    if (this.epoch === this.at.epoch && batch === this.at.batch) this.model!.stopTraining = true;
  }
}

describe('checkpoints and resume', () => {
  setBackend('js');
  const { x, y } = toyData(100);

  it('a run stopped mid-epoch and resumed ends with the same weights as an uninterrupted run', async () => {
    const reference = compiled(21);
    const full = await reference.fit(x, y, FIT);

    const dir = join(await mkdtemp(join(tmpdir(), 'gb-ckpt-')), 'checkpoint');
    const crashed = compiled(21);
    // Checkpoints every 3 batches; the crash after batch 7 loses batches 6 and 7, which resume redoes.
    await crashed.fit(x, y, { ...FIT, callbacks: [modelCheckpoint({ dir, everyBatches: 3 }), new CrashAfter({ epoch: 1, batch: 7 })] });
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.state.epoch).toBe(1);
    expect(ckpt.state.batch).toBe(5);
    expect(ckpt.resume.initialEpoch).toBe(1);
    expect(ckpt.resume.initialBatch).toBe(6);
    expect(ckpt.model.optimizer!.iterations).toBe(13 + 6);
    expect(ckpt.state.history.epoch).toEqual([0]);

    getRng().setState([1, 2, 3, 4]); // resume must not depend on the global generator's state in this process
    const { model, history } = await resumeTraining(dir, x, y, { ...FIT, callbacks: [modelCheckpoint({ dir, everyBatches: 3 })] });
    expect(weightBits(model)).toEqual(weightBits(reference));
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(history.history.loss[0]).toBe(full.history.loss[0]);
    expect(history.history.loss[2]).toBe(full.history.loss[2]);
    // The resumed run's own checkpoint ends at the final epoch: resuming again trains nothing.
    const again = await resumeTraining(dir, x, y, FIT);
    expect(again.checkpoint.finished).toBe(true);
    expect(weightBits(again.model)).toEqual(weightBits(reference));
  });

  it('resumes from an epoch-end checkpoint and keeps the best model by a monitored metric', async () => {
    const reference = compiled(5);
    await reference.fit(x, y, { ...FIT, validationSplit: 0.2 });

    const out = await mkdtemp(join(tmpdir(), 'gb-ckpt-'));
    const dir = join(out, 'checkpoint');
    const bestDir = join(out, 'best');
    const first = compiled(5);
    const cb = modelCheckpoint({ dir, monitor: 'val_loss', bestDir });
    await first.fit(x, y, { ...FIT, validationSplit: 0.2, callbacks: [cb, new CrashAfter({ epoch: 1, batch: 5 })] });
    expect(cb.saves).toBe(1); // epoch 0 only: epoch 1 was cut short
    expect((await loadCheckpoint(dir)).resume).toMatchObject({ initialEpoch: 1, initialBatch: 0 });
    const bestAfterCrash = cb.best;

    const cb2 = modelCheckpoint({ dir, monitor: 'val_loss', bestDir });
    const { model, history } = await resumeTraining(dir, x, y, { ...FIT, validationSplit: 0.2, callbacks: [cb2] });
    expect(weightBits(model)).toEqual(weightBits(reference));
    const losses = history.history.val_loss;
    expect(cb2.best).toBe(Math.min(...losses));
    expect(cb2.best! <= bestAfterCrash!).toBe(true);
    const best = await loadModel(bestDir);
    const bestEpoch = losses.indexOf(Math.min(...losses));
    if (bestEpoch === 2) expect(weightBits(best)).toEqual(weightBits(model));
    expect((await readdir(bestDir)).sort()).toEqual(['model.json', 'weights.safetensors']);
  });

  it('stores optimiser slots, step count, RNG state and history in the checkpoint', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'gb-ckpt-')), 'checkpoint');
    const model = compiled(8);
    await model.fit(x, y, { ...FIT, epochs: 1, callbacks: [modelCheckpoint({ dir })] });
    const doc = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(doc.checkpoint).toMatchObject({ epoch: 0, batch: -1, stepsPerEpoch: 13, epochs: 1, reason: 'epoch' });
    expect(doc.checkpoint.optimizer.iterations).toBe(13);
    expect(Object.values(doc.checkpoint.optimizer.slots).sort()).toEqual(['0/m', '0/v', '1/m', '1/v', '2/m', '2/v', '3/m', '3/v']);
    expect(doc.checkpoint.rng).toHaveLength(4);
    const ckpt = await loadCheckpoint(dir);
    const saved = new Map(model.optimizer!.getWeights().map((w) => [w.name.replace(/_\d+\//, '/'), w.tensor.values]));
    for (const w of ckpt.model.optimizer!.getWeights()) {
      expect(w.tensor.values).toEqual(saved.get(w.name.replace(/_\d+\//, '/')) ?? w.tensor.values);
    }
    // A checkpoint folder is also a loadable model.
    expect(weightBits(await loadModel(dir))).toEqual(weightBits(model));
  });

  it('refuses to resume with different data or epochs, and plain models as checkpoints', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'gb-ckpt-')), 'checkpoint');
    await compiled(2).fit(x, y, { ...FIT, epochs: 2, callbacks: [modelCheckpoint({ dir })] });
    await expect(resumeTraining(dir, x, y, { ...FIT, epochs: 2, batchSize: 16 })).rejects.toThrow(/13 batches per epoch.*give 7/);
    await expect(resumeTraining(dir, x, y, { ...FIT, epochs: 5 })).rejects.toThrow(/run of 2 epochs/);
    const plain = join(dir, '..', 'plain');
    await compiled(2).save(plain);
    await expect(loadCheckpoint(plain)).rejects.toThrow(/not a checkpoint/);
  });
});
