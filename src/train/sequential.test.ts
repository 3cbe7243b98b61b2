// Training end to end: learning synthetic problems, determinism, validation, callbacks, resume, weights, summary.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { Callback, type Logs } from './callbacks.js';
import { Rng } from '../util/random.js';
import { blobs, expectClose, weightArrays } from '../../test/training/helpers.js';

function classifier(seed: number, dropout = 0): gb.Sequential {
  gb.setSeed(seed);
  const model = gb.sequential({
    layers: [
      gb.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }),
      ...(dropout > 0 ? [gb.layers.dropout({ rate: dropout })] : []),
      gb.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: gb.train.adam(0.02), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Fraction of rows whose argmax prediction is the label, counted here rather than by the metric. */
function accuracyOf(model: gb.Sequential, x: gb.Tensor, labels: number[]): number {
  const p = model.predict(x).values;
  let hits = 0;
  labels.forEach((c, r) => {
    const row = [p[r * 3], p[r * 3 + 1], p[r * 3 + 2]];
    if (row.indexOf(Math.max(...row)) === c) hits++;
  });
  return hits / labels.length;
}

describe('learning', () => {
  it('separates three Gaussian blobs to > 95% held-out accuracy', async () => {
    const train = blobs(300, 1);
    const test = blobs(150, 2);
    const model = classifier(1);
    const history = await model.fit(train.x, train.y, { epochs: 15, batchSize: 32, verbose: 0 });
    expect(accuracyOf(model, test.x, test.labels)).toBeGreaterThan(0.95);
    const losses = history.history.loss;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 3);
    expect(history.history.accuracy.length).toBe(15);
  });

  it('recovers the coefficients of a noisy linear function', async () => {
    const rng = new Rng(3);
    const rows = 200;
    const xs = new Float32Array(rows * 2);
    const ys = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      xs[2 * i] = rng.uniform(-1, 1);
      xs[2 * i + 1] = rng.uniform(-1, 1);
      ys[i] = 2 * xs[2 * i] - 3 * xs[2 * i + 1] + 0.5 + rng.normal(0, 0.05);
    }
    gb.setSeed(3);
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: gb.train.sgd(0.1), loss: 'meanSquaredError', metrics: ['mae'] });
    await model.fit(new gb.Tensor(xs, [rows, 2]), new gb.Tensor(ys, [rows, 1]), { epochs: 40, batchSize: 16, verbose: 0 });
    const [kernel, bias] = model.getWeights();
    expectClose(kernel, [2, -3], 0.03);
    expectClose(bias, [0.5], 0.03);
    // Noise variance is 0.0025; the fitted model should be close to it.
    expect(model.evaluateLogs(new gb.Tensor(xs, [rows, 2]), new gb.Tensor(ys, [rows, 1])).loss).toBeLessThan(0.004);
  });
});

describe('determinism', () => {
  const data = blobs(96, 5);
  const fitWeights = async (seed: number) => {
    const model = classifier(seed, 0.2);
    await model.fit(data.x, data.y, { epochs: 2, batchSize: 16, verbose: 0 });
    return weightArrays(model.getWeights());
  };

  it('the same seed gives identical weights after fit (shuffling and dropout included)', async () => {
    const a = await fitWeights(7);
    const b = await fitWeights(7);
    const c = await fitWeights(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('validation', () => {
  const data = blobs(100, 6);

  it('validationSplit holds out the last rows and reports val_loss on them', async () => {
    const model = classifier(2);
    let samples = 0;
    const history = await model.fit(data.x, data.y, {
      epochs: 3, batchSize: 20, verbose: 0, validationSplit: 0.25,
      callbacks: { setParams: (p) => { samples = p.samples; } },
    });
    expect(samples).toBe(75);
    expect(history.history.val_loss.length).toBe(3);
    expect(history.history.val_accuracy.length).toBe(3);
    // The last epoch's val_loss is the loss of the final weights on rows 75..99.
    const xv = gb.slice(data.x, [75], [25]);
    const yv = gb.slice(data.y, [75], [25]);
    expect(history.history.val_loss[2]).toBeCloseTo(model.evaluateLogs(xv, yv).loss, 5);
  });

  it('validationData is evaluated as given', async () => {
    const model = classifier(2);
    const val = blobs(30, 7);
    const history = await model.fit(data.x, data.y, { epochs: 2, verbose: 0, validationData: [val.x, val.y] });
    expect(history.history.val_loss[1]).toBeCloseTo(model.evaluateLogs(val.x, val.y).loss, 5);
    expect(history.history.val_accuracy[1]).toBeCloseTo(accuracyOf(model, val.x, val.labels), 6);
  });
});

/** Puts a scripted value into the epoch logs under `key`, before later callbacks read them. */
class Script extends Callback {
  constructor(private readonly key: string, private readonly values: number[]) {
    super();
  }
  onEpochEnd(epoch: number, logs: Logs = {}) {
    logs[this.key] = this.values[epoch];
  }
}

/** Records the model's weights at the end of each epoch. */
class WeightLog extends Callback {
  readonly byEpoch: number[][][] = [];
  onEpochEnd() {
    this.byEpoch.push(weightArrays(this.model!.getWeights()));
  }
}

describe('early stopping', () => {
  const data = blobs(40, 8);
  // Best at epoch 1; epochs 2 and 3 do not improve on it.
  const script = [1.0, 0.8, 0.9, 0.85, 0.5, 0.4, 0.3, 0.2];

  it('stops after `patience` epochs without improvement (Keras semantics)', async () => {
    const model = classifier(3);
    const stopper = gb.callbacks.earlyStopping({ monitor: 'score', patience: 2 });
    const history = await model.fit(data.x, data.y, { epochs: 8, verbose: 0, callbacks: [new Script('score', script), stopper] });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(stopper.bestEpoch).toBe(1);
  });

  it('patience 0 stops at the first epoch without improvement; minDelta counts small gains as none', async () => {
    const model = classifier(3);
    let history = await model.fit(data.x, data.y, { epochs: 8, verbose: 0, callbacks: [new Script('score', script), gb.callbacks.earlyStopping({ monitor: 'score' })] });
    expect(history.epoch).toEqual([0, 1, 2]);
    history = await model.fit(data.x, data.y, {
      epochs: 5, verbose: 0,
      callbacks: [new Script('score', [1, 0.95, 0.9, 0.5, 0.4]), gb.callbacks.earlyStopping({ monitor: 'score', patience: 1, minDelta: 0.1 })],
    });
    // 0.95 is not 0.1 better than 1: one epoch without improvement, and patience 1 stops there.
    expect(history.epoch).toEqual([0, 1]);
  });

  it('restoreBestWeights restores the best epoch; without it the last weights stay', async () => {
    for (const restore of [true, false]) {
      const model = classifier(3);
      const log = new WeightLog();
      await model.fit(data.x, data.y, {
        epochs: 8, verbose: 0,
        callbacks: [new Script('score', script), log, gb.callbacks.earlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: restore })],
      });
      expect(log.byEpoch.length).toBe(4);
      expect(log.byEpoch[1]).not.toEqual(log.byEpoch[3]);
      expect(weightArrays(model.getWeights())).toEqual(log.byEpoch[restore ? 1 : 3]);
    }
  });

  it('a reused callback starts afresh on each fit', async () => {
    const model = classifier(3);
    const stopper = gb.callbacks.earlyStopping({ monitor: 'score', patience: 1 });
    await model.fit(data.x, data.y, { epochs: 4, verbose: 0, callbacks: [new Script('score', [0.1, 0.2, 0.3, 0.4]), stopper] });
    // Scores of the second run are all worse than the first run's best, yet it must not stop at once.
    const history = await model.fit(data.x, data.y, { epochs: 4, verbose: 0, callbacks: [new Script('score', [1, 0.9, 0.8, 0.7]), stopper] });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
  });

  it('maximises accuracy-like metrics and monitors real val_loss', async () => {
    const model = classifier(3);
    const history = await model.fit(data.x, data.y, {
      epochs: 6, verbose: 0, callbacks: [new Script('val_acc', [0.5, 0.6, 0.55, 0.58, 0.7, 0.8]), gb.callbacks.earlyStopping({ monitor: 'val_acc', patience: 1 })],
    });
    expect(history.epoch).toEqual([0, 1, 2]);
    const stopper = gb.callbacks.earlyStopping({ patience: 1 });
    await model.fit(data.x, data.y, { epochs: 3, verbose: 0, validationSplit: 0.25, callbacks: stopper });
    expect(stopper.bestEpoch).toBeGreaterThanOrEqual(0);
  });

  it('a monitor missing from the logs is named, with the ones available', async () => {
    const model = classifier(3);
    await expect(model.fit(data.x, data.y, { epochs: 2, verbose: 0, callbacks: gb.callbacks.earlyStopping() })).rejects.toThrow(
      /metric 'val_loss' is not in the logs \(loss, accuracy\); .*pass validation data/,
    );
  });
});

describe('callbacks', () => {
  it('receive every hook in order, awaiting async ones, with logs', async () => {
    const events: string[] = [];
    const model = classifier(4);
    const data = blobs(30, 9);
    const history = await model.fit(data.x, data.y, {
      epochs: 2, batchSize: 10, verbose: 0, shuffle: false,
      callbacks: {
        onTrainBegin: () => { events.push('trainBegin'); },
        onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
        onBatchBegin: (b) => { events.push(`batchBegin ${b}`); },
        onBatchEnd: async (b, logs) => {
          await new Promise((r) => setTimeout(r, 1));
          events.push(`batchEnd ${b} ${Number.isFinite(logs!.loss) && 'accuracy' in logs!}`);
        },
        onEpochEnd: (e, logs) => { events.push(`epochEnd ${e} ${Object.keys(logs!).join(',')}`); },
        onTrainEnd: () => { events.push('trainEnd'); },
      },
    });
    const epoch = (e: number) => [`epochBegin ${e}`, ...[0, 1, 2].flatMap((b) => [`batchBegin ${b}`, `batchEnd ${b} true`]), `epochEnd ${e} loss,accuracy`];
    expect(events).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
    expect(history.epoch).toEqual([0, 1]);
  });

  it('setting model.stopTraining in a batch hook stops at once', async () => {
    const model = classifier(4);
    const data = blobs(40, 9);
    let batches = 0;
    let ended = false;
    const history = await model.fit(data.x, data.y, {
      epochs: 5, batchSize: 10, verbose: 0,
      callbacks: { onBatchEnd: (b) => { batches++; if (b === 1) model.stopTraining = true; }, onTrainEnd: () => { ended = true; } },
    });
    expect(batches).toBe(2);
    expect(ended).toBe(true);
    // An epoch cut short gets no end-of-epoch logs (they would describe part of an epoch).
    expect(history.epoch).toEqual([]);
  });

  it('the epoch loss is the mean of the batch losses weighted by rows', async () => {
    const model = classifier(4);
    const data = blobs(25, 10);
    const batchLosses: number[] = [];
    const history = await model.fit(data.x, data.y, {
      epochs: 1, batchSize: 10, verbose: 0, shuffle: false,
      // Before each step, the loss of the rows that batch will hold (no dropout: training loss = evaluation loss).
      callbacks: {
        onBatchBegin: (b) => {
          const rows = Math.min(10, 25 - 10 * b);
          batchLosses.push(model.evaluateLogs(gb.slice(data.x, [10 * b], [rows]), gb.slice(data.y, [10 * b], [rows])).loss);
        },
      },
    });
    expect(batchLosses.length).toBe(3);
    expect(history.history.loss[0]).toBeCloseTo((10 * batchLosses[0] + 10 * batchLosses[1] + 5 * batchLosses[2]) / 25, 5);
  });
});

describe('progress', () => {
  it('without a TTY, prints one line per epoch with its logs', async () => {
    const model = classifier(4);
    const data = blobs(20, 3);
    const lines: string[] = [];
    await model.fit(data.x, data.y, { epochs: 2, verbose: 0, validationSplit: 0.25, callbacks: new gb.ProgressLogger((l) => lines.push(l), false) });
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+\.\d\ds - loss=\d\.\d{4} accuracy=\d\.\d{4} val_loss=\d\.\d{4} val_accuracy=\d\.\d{4}$/);
    expect(lines[1]).toMatch(/^Epoch 2\/2 /);
  });
});

describe('resuming mid-epoch', () => {
  const data = blobs(90, 11);
  const fitArgs = { batchSize: 16, verbose: 0 as const, shuffleSeed: 1234 };

  it('1 epoch + some batches, then initialEpoch/initialBatch, ends on the same weights as 2 straight epochs', async () => {
    const straight = classifier(12, 0.25);
    await straight.fit(data.x, data.y, { ...fitArgs, epochs: 2 });

    const resumed = classifier(12, 0.25);
    let stopAt: { epoch: number; batch: number } | null = null;
    let epochNow = 0;
    await resumed.fit(data.x, data.y, {
      ...fitArgs, epochs: 2,
      callbacks: {
        onEpochBegin: (e) => { epochNow = e; },
        onBatchEnd: (b) => { if (epochNow === 1 && b === 2) resumed.stopTraining = true; },
      },
    });
    stopAt = { epoch: resumed.trainingState!.epoch, batch: resumed.trainingState!.batch };
    expect(stopAt).toEqual({ epoch: 1, batch: 2 });
    expect(resumed.trainingState!.shuffleSeed).toBe(1234);
    expect(weightArrays(resumed.getWeights())).not.toEqual(weightArrays(straight.getWeights()));

    const seen: number[] = [];
    await resumed.fit(data.x, data.y, {
      ...fitArgs, epochs: 2, initialEpoch: stopAt.epoch, initialBatch: stopAt.batch + 1,
      callbacks: { onBatchEnd: (b) => { seen.push(b); } },
    });
    expect(seen).toEqual([3, 4, 5]);
    expect(weightArrays(resumed.getWeights())).toEqual(weightArrays(straight.getWeights()));
  });

  it('a fresh model given the saved weights and optimiser state resumes to the same weights', async () => {
    const straight = classifier(13);
    await straight.fit(data.x, data.y, { ...fitArgs, epochs: 2 });

    const first = classifier(13);
    await first.fit(data.x, data.y, { ...fitArgs, epochs: 1 });
    const weights = first.getWeights();
    const state = first.optimizer!.getWeights();

    const second = classifier(99);
    second.setWeights(weights);
    // Optimiser slots are keyed by variable name; map the first model's names onto the second's.
    const rename = new Map(first.weights.map((w, i) => [w.name, second.weights[i].name]));
    second.optimizer!.setWeights(state.map(({ name, tensor }) => {
      const slash = name.lastIndexOf('/');
      const variable = name.slice(0, slash);
      return { name: rename.has(variable) ? `${rename.get(variable)}${name.slice(slash)}` : name, tensor };
    }), second.trainableWeights);
    await second.fit(data.x, data.y, { ...fitArgs, epochs: 2, initialEpoch: 1 });
    expect(weightArrays(second.getWeights())).toEqual(weightArrays(straight.getWeights()));
  });
});

describe('trainOnBatch, evaluate, predict', () => {
  const data = blobs(24, 14);

  it('trainOnBatch returns the loss before its step and changes the weights', () => {
    const model = classifier(5);
    const before = model.evaluateLogs(data.x, data.y);
    const w0 = weightArrays(model.getWeights());
    const [loss, acc] = model.trainOnBatch(data.x, data.y) as number[];
    expect(loss).toBeCloseTo(before.loss, 5);
    expect(acc).toBeCloseTo(before.accuracy, 6);
    expect(weightArrays(model.getWeights())).not.toEqual(w0);
    expect(model.evaluateLogs(data.x, data.y).loss).toBeLessThan(before.loss);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(typeof model.trainOnBatch(data.x, data.y)).toBe('number');
  });

  it('evaluate returns a scalar loss, or [loss, ...metrics], as TensorFlow.js does', () => {
    const model = classifier(5);
    const [loss, acc] = model.evaluate(data.x, data.y) as gb.Tensor[];
    expect(loss.shape).toEqual([]);
    expect(acc.shape).toEqual([]);
    const p = model.predict(data.x).values;
    const expectedLoss = data.labels.reduce((s, c, r) => s - Math.log(p[r * 3 + c]), 0) / data.labels.length;
    expect(loss.item()).toBeCloseTo(expectedLoss, 5);
    expect(acc.item()).toBeCloseTo(accuracyOf(model, data.x, data.labels), 6);
    // Batched evaluation gives the same numbers.
    expect((model.evaluate(data.x, data.y, { batchSize: 5 }) as gb.Tensor[])[0].item()).toBeCloseTo(expectedLoss, 5);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const only = model.evaluate(data.x, data.y) as gb.Tensor;
    expect(only).toBeInstanceOf(gb.Tensor);
    expect(only.item()).toBeCloseTo(expectedLoss, 5);
  });

  it('predict in batches equals predict in one go and is the forward pass by hand', () => {
    const model = classifier(5);
    const whole = model.predict(data.x);
    expectClose(model.predict(data.x, { batchSize: 7 }), Array.from(whole.values), 1e-6);
    const [k1, b1, k2, b2] = model.getWeights().map((w) => w.values);
    const expected: number[] = [];
    for (let r = 0; r < 24; r++) {
      const h = Array.from({ length: 16 }, (_, j) => Math.max(0, b1[j] + data.x.values[2 * r] * k1[j] + data.x.values[2 * r + 1] * k1[16 + j]));
      const z = [0, 1, 2].map((c) => h.reduce((s, v, j) => s + v * k2[j * 3 + c], b2[c]));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      expected.push(...e.map((v) => v / (e[0] + e[1] + e[2])));
    }
    expectClose(whole, expected, 1e-5);
  });
});

describe('weights', () => {
  it('getWeights / setWeights per layer and per model', () => {
    const a = classifier(6);
    const b = classifier(7);
    const x = blobs(5, 1).x;
    expect(a.getWeights().map((w) => w.shape)).toEqual([[2, 16], [16], [16, 3], [3]]);
    expect(Array.from(a.predict(x).values)).not.toEqual(Array.from(b.predict(x).values));
    b.setWeights(a.getWeights());
    expect(Array.from(b.predict(x).values)).toEqual(Array.from(a.predict(x).values));

    const c = classifier(8);
    c.layers[0].setWeights(a.layers[0].getWeights());
    expect(weightArrays(c.layers[0].getWeights())).toEqual(weightArrays(a.layers[0].getWeights()));
    expect(weightArrays(c.layers[1].getWeights())).not.toEqual(weightArrays(a.layers[1].getWeights()));
  });

  it('getWeights are snapshots: training does not change them', async () => {
    const model = classifier(6);
    const snap = model.getWeights();
    const copy = weightArrays(snap);
    const data = blobs(20, 2);
    await model.fit(data.x, data.y, { epochs: 1, verbose: 0 });
    expect(weightArrays(snap)).toEqual(copy);
  });

  it('setWeights rejects a wrong count or shape, naming both', () => {
    const model = classifier(6);
    const w = model.getWeights();
    expect(() => model.setWeights(w.slice(1))).toThrow(/got 3 tensors, the model has 4/);
    expect(() => model.layers[0].setWeights([w[0]])).toThrow(/setWeights got 1 tensors, the layer has 2 weights/);
    expect(() => model.setWeights([w[2], w[1], w[0], w[3]])).toThrow(/cannot assign shape \[16,3\] to \[2,16\]/);
  });
});

describe('summary', () => {
  it('lists output shapes, parameters and FLOPs with totals', () => {
    const model = gb.sequential({
      name: 'mlp',
      layers: [gb.layers.dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }), gb.layers.dropout({ rate: 0.2, name: 'drop' }), gb.layers.dense({ units: 10, activation: 'softmax', name: 'out' })],
    });
    const lines: string[] = [];
    const text = model.summary((l) => lines.push(l));
    expect(lines).toEqual([text]);
    const params = [784 * 64 + 64, 0, 64 * 10 + 10];
    const flops = [2 * 784 * 64 + 64, 0, 2 * 64 * 10 + 10];
    expect(text).toMatch(/^Model: mlp/);
    expect(text).toMatch(new RegExp(`hidden \\(Dense\\)\\s+\\[null,64\\]\\s+${params[0].toLocaleString('en-US')}\\s+${flops[0].toLocaleString('en-US')}`));
    expect(text).toMatch(/drop \(Dropout\)\s+\[null,64\]\s+0\s+0/);
    expect(text).toMatch(new RegExp(`out \\(Dense\\)\\s+\\[null,10\\]\\s+${params[2]}\\s+${flops[2].toLocaleString('en-US')}`));
    expect(text).toContain('Total params: 50,890');
    expect(text).toContain('Trainable params: 50,890');
    expect(text).toContain('Non-trainable params: 0');
    expect(text).toContain(`Forward FLOPs per example: ${(flops[0] + flops[2]).toLocaleString('en-US')}`);
    expect(model.countParams()).toBe(50890);
  });

  it('counts frozen layers as non-trainable', () => {
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 4, inputShape: [3], trainable: false }), gb.layers.dense({ units: 2 })] });
    const text = model.summary(() => {});
    expect(text).toContain('Total params: 26');
    expect(text).toContain('Trainable params: 10');
    expect(text).toContain('Non-trainable params: 16');
  });
});

describe('compile', () => {
  it('compileConfig records what was compiled and rebuilds an equal optimiser', () => {
    const model = classifier(1);
    model.compile({ optimizer: { name: 'sgd', learningRate: 0.3, momentum: 0.5 }, loss: { name: 'huber', delta: 2 }, metrics: ['mae'] });
    expect(model.compileConfig).toEqual({
      optimizer: { name: 'sgd', learningRate: 0.3, momentum: 0.5, nesterov: false },
      loss: { name: 'huber', delta: 2 },
      metrics: ['mae'],
    });
  });

  it('a user metric object works in fit, evaluate and trainOnBatch', async () => {
    // Mean of the predictions, by hand.
    let total = 0;
    let count = 0;
    const meanPrediction = {
      name: 'meanPrediction',
      reset: () => { total = 0; count = 0; },
      update: (_t: gb.Tensor, p: gb.Tensor) => { for (const v of p.values) { total += v; count++; } },
      result: () => total / count,
    };
    gb.setSeed(1);
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: [meanPrediction] });
    const x = gb.randomNormal([8, 2], 0, 1, { seed: 1 });
    const y = gb.randomNormal([8, 1], 0, 1, { seed: 2 });
    const history = await model.fit(x, y, { epochs: 2, verbose: 0, validationData: [x, y] });
    expect(Object.keys(history.history)).toEqual(['loss', 'meanPrediction', 'val_loss', 'val_meanPrediction']);
    const p = Array.from(model.predict(x).values);
    expect(model.evaluateLogs(x, y).meanPrediction).toBeCloseTo(p.reduce((a, b) => a + b, 0) / p.length, 5);
    expect((model.trainOnBatch(x, y) as number[])[1]).toBeCloseTo(p.reduce((a, b) => a + b, 0) / p.length, 5);
    expect(model.compileConfig!.metrics).toEqual(['meanPrediction']);
  });

  it('fit/evaluate before compile say what to do', async () => {
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [2] })] });
    await expect(model.fit(gb.zeros([2, 2]), gb.zeros([2, 1]))).rejects.toThrow(/call model.compile\(\{optimizer, loss\}\) first/);
    expect(() => model.evaluate(gb.zeros([2, 2]), gb.zeros([2, 1]))).toThrow(/compile/);
    expect(() => model.compile({ loss: 'mse' } as never)).toThrow(/compile: pass \{optimizer, loss\}/);
  });
});
