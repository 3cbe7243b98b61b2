// A short real MNIST run: the reference 784-64relu-10softmax model, Adam 1e-3, 2 epochs of batch 32 on 10k rows.

import { describe, expect, it } from 'vitest';
import * as gb from '../../src/index.js';
import { loadMnist } from '../../src/data/mnist.js';

describe('MNIST (10k training rows, 2 epochs)', () => {
  it('reaches > 90% test accuracy with the reference model', async () => {
    const data = await loadMnist({ trainLimit: 10000 });
    expect(data.trainImages.shape).toEqual([10000, 784]);
    // 2000 test rows spread over the whole test set (every 5th). The first 2000 rows alone are
    // harder than the rest: with this recipe TensorFlow.js reaches only 0.88-0.89 on them.
    const rows = gb.tensor1d(Array.from({ length: 2000 }, (_, i) => 5 * i), undefined, 'int32');
    const testX = gb.gather(data.testImages, rows);
    const testY = gb.gather(data.testLabels, rows);

    gb.setSeed(1);
    const model = gb.sequential({
      layers: [gb.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), gb.layers.dense({ units: 10, activation: 'softmax' })],
    });
    model.compile({ optimizer: gb.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(data.trainImages, data.trainLabels, { epochs: 2, batchSize: 32, verbose: 0, shuffleSeed: 1 });
    expect(history.history.loss[1]).toBeLessThan(history.history.loss[0]);

    const [loss, accuracy] = (model.evaluate(testX, testY) as gb.Tensor[]).map((t) => t.item());
    expect(accuracy).toBeGreaterThan(0.9);
    expect(loss).toBeLessThan(0.35);
    // The metric agrees with a count of argmax hits.
    const predicted = gb.argMax(model.predict(testX), -1).values;
    let hits = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === testY.values[i]) hits++;
    expect(accuracy).toBeCloseTo(hits / predicted.length, 6);
  });
});
