// Bad input gets a clear error naming the problem (shapes, rows, columns, epoch and batch), never a wrong answer.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';

function model(loss = 'sparseCategoricalCrossentropy', units = 3): gb.Sequential {
  gb.setSeed(1);
  const m = gb.sequential({ layers: [gb.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), gb.layers.dense({ units, activation: units > 1 ? 'softmax' : 'linear' })] });
  m.compile({ optimizer: 'adam', loss });
  return m;
}

const x = gb.randomNormal([10, 3], 0, 1, { seed: 1 });
const labels = gb.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], undefined, 'int32');

describe('data that does not fit the model', () => {
  it('wrong input width names the expected and the given shape', async () => {
    const m = model();
    await expect(m.fit(gb.zeros([10, 4]), labels, { verbose: 0 })).rejects.toThrow(/fit: x must have shape \[rows, 3\], got \[10,4\]; check the number of input features/);
    expect(() => m.predict(gb.zeros([5, 2]))).toThrow(/expected input of shape \[batch, 3\], got \[5,2\]/);
    expect(() => m.predict(gb.zeros([3]))).toThrow(/got \[3\] — add a batch dimension/);
    expect(() => m.evaluate(gb.zeros([10, 4]), labels)).toThrow(/evaluate: x must have shape \[rows, 3\], got \[10,4\]/);
  });

  it('labels outside the classes name the row and the valid range', async () => {
    const bad = gb.tensor1d([0, 1, 2, 0, 1, 3, 0, 1, 2, 0], undefined, 'int32');
    await expect(model().fit(x, bad, { verbose: 0 })).rejects.toThrow(/label at row 5 \(counting from 0\) is 3; expected an integer class index in \[0, 2\]/);
    await expect(model().fit(x, gb.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0.5]), { verbose: 0 })).rejects.toThrow(/label at row 9 .* is 0.5/);
    expect(() => model().trainOnBatch(x, gb.tensor1d([-1, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/label at row 0 .* is -1/);
  });

  it('one-hot targets with a sparse loss, and index targets with a dense loss, say which loss to use', async () => {
    await expect(model().fit(x, gb.oneHot(labels, 3), { verbose: 0 })).rejects.toThrow(/sparse labels must be one class index per row .* got \[10,3\]; for one-hot targets use categoricalCrossentropy/);
    await expect(model('categoricalCrossentropy').fit(x, labels, { verbose: 0 })).rejects.toThrow(/y must have 3 value\(s\) per row .* got \[10\]; integer labels need sparseCategoricalCrossentropy/);
  });

  it('x and y with different row counts name both', async () => {
    await expect(model().fit(x, gb.slice(labels, [0], [9]), { verbose: 0 })).rejects.toThrow(/x has 10 rows but y has 9 \(shapes \[10,3\] and \[9\]\)/);
  });

  it('NaN or Infinity in x or y names the row and column', async () => {
    const values = Float32Array.from(x.values);
    values[2 * 3 + 1] = NaN;
    await expect(model().fit(new gb.Tensor(values, [10, 3]), labels, { verbose: 0 })).rejects.toThrow(/fit: x: value at row 2, column 1 \(counting from 0\) is NaN/);
    const y = new Float32Array(10);
    y[7] = Infinity;
    await expect(model('meanSquaredError', 1).fit(x, new gb.Tensor(y, [10, 1]), { verbose: 0 })).rejects.toThrow(/fit: y: value at row 7, column 0 .* is Infinity/);
  });

  it('validation data is checked too, and so is validationSplit', async () => {
    await expect(model().fit(x, labels, { verbose: 0, validationData: [gb.zeros([4, 2]), gb.zeros([4])] })).rejects.toThrow(/fit \(validation data\): x must have shape \[rows, 3\], got \[4,2\]/);
    await expect(model().fit(x, labels, { verbose: 0, validationSplit: 1.5 })).rejects.toThrow(/validationSplit must be in \(0, 1\), got 1.5/);
    await expect(model().fit(x, labels, { verbose: 0, validationSplit: 0.95 })).rejects.toThrow(/validationSplit 0.95 leaves no training or no validation rows of 10/);
  });
});

describe('unknown names and options', () => {
  it('unknown activation, loss, optimizer and metric list the known ones', () => {
    expect(() => gb.layers.dense({ units: 2, activation: 'sigmoidal' })).toThrow(/unknown activation 'sigmoidal'; use one of: linear, relu/);
    const m = gb.sequential({ layers: [gb.layers.dense({ units: 2, inputShape: [3] })] });
    expect(() => m.compile({ optimizer: 'adam', loss: 'crossEntropy' })).toThrow(/unknown loss 'crossEntropy'; use one of: meanSquaredError/);
    expect(() => m.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(/unknown optimizer 'adamm'; use one of: sgd, adam, adamw, rmsprop, adagrad/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] })).toThrow(/unknown metric 'acuracy'; use accuracy, mse, mae, precision, recall or auc/);
  });

  it('unknown fit options are rejected, listing the known ones', async () => {
    await expect(model().fit(x, labels, { epoch: 3 } as never)).rejects.toThrow(/fit: unknown option 'epoch'; known options: epochs, batchSize/);
    await expect(model().fit(x, labels, { epochs: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
    await expect(model().fit(x, labels, { batchSize: 2.5 })).rejects.toThrow(/batchSize must be a positive integer, got 2.5/);
    await expect(model().fit(x, labels, { epochs: 2, initialEpoch: 2 })).rejects.toThrow(/initialEpoch must be an integer in \[0, epochs\), got 2/);
    // 10 rows in batches of 4: 3 batches per epoch.
    await expect(model().fit(x, labels, { epochs: 2, batchSize: 4, initialBatch: 3, verbose: 0 })).rejects.toThrow(/initialBatch must be an integer in \[0, 3\) \(the batches of an epoch\), got 3/);
  });

  it('model building mistakes say how to fix them', () => {
    expect(() => gb.sequential({ layers: [gb.layers.dense({ units: 2 })] })).toThrow(/the first layer needs inputShape, e.g. layers.dense\(\{units: 64, inputShape: \[784\]\}\)/);
    expect(() => gb.sequential({ layers: [gb.layers.dense({ units: 2, inputShape: [3], name: 'a' }), gb.layers.dense({ units: 2, name: 'a' })] })).toThrow(/duplicate layer name 'a'/);
    expect(() => gb.layers.dense({ units: 2, inputShape: [0] })).toThrow(/inputShape \[0\] must hold positive integers/);
    expect(() => gb.sequential().add({} as never)).toThrow(/expected a layer/);
  });
});

describe('a loss that diverges', () => {
  it('stops with the epoch and batch where it became non-finite', async () => {
    gb.setSeed(2);
    const m = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [3] })] });
    m.compile({ optimizer: gb.train.sgd(10), loss: 'meanSquaredError' });
    const big = gb.mul(gb.randomNormal([64, 3], 0, 1, { seed: 3 }), 1000);
    const y = gb.mul(gb.randomNormal([64, 1], 0, 1, { seed: 4 }), 1e4);
    let error: Error | null = null;
    try {
      await m.fit(big, y, { epochs: 5, batchSize: 8, verbose: 0 });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/fit: the loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+; lower the learning rate/);
    const [, epoch, batch] = /epoch (\d+), batch (\d+)/.exec(error!.message)!.map(Number);
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(batch).toBeGreaterThanOrEqual(1);
    expect(batch).toBeLessThanOrEqual(8);
  });

  it('trainOnBatch says so too', () => {
    gb.setSeed(2);
    const m = gb.sequential({ layers: [gb.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones' })] });
    m.compile({ optimizer: gb.train.sgd(1), loss: 'meanSquaredError' });
    expect(() => m.trainOnBatch(gb.tensor2d([[3e19]]), gb.tensor2d([[0]]))).toThrow(/trainOnBatch: the loss became Infinity; lower the learning rate/);
  });
});
