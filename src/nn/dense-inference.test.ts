import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { denseStages } from './dense-inference.js';

describe('Dense inference fast path', () => {
  it('predict equals layer-by-layer apply, across chunk boundaries and odd sizes', () => {
    gb.setSeed(5);
    const model = gb.sequential({
      layers: [
        gb.layers.dense({ units: 13, activation: 'tanh', inputShape: [7] }),
        gb.layers.dropout({ rate: 0.5 }),
        gb.layers.dense({ units: 9, activation: 'relu' }),
        gb.layers.dense({ units: 5, activation: 'sigmoid', useBias: false }),
        gb.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    expect(denseStages(model.layers)).not.toBeNull();
    const x = gb.randomNormal([101, 7], 0, 2, { seed: 2 });
    const reference = model.apply(x, { training: false });
    for (const batchSize of [1, 10, 64, 1000]) {
      const fast = model.predict(x, { batchSize });
      expect(fast.shape).toEqual([101, 3]);
      Array.from(fast.values).forEach((v, i) => expect(v).toBeCloseTo(reference.values[i], 6));
    }
  });

  it('leaves other layers to the general path', () => {
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 4, activation: 'gelu', inputShape: [3] }), gb.layers.activation({ activation: 'softmax' })] });
    expect(denseStages(model.layers)).toBeNull();
    const x = gb.randomNormal([6, 3], 0, 1, { seed: 1 });
    Array.from(model.predict(x).values).forEach((v, i) => expect(v).toBeCloseTo(model.apply(x).values[i], 6));
  });
});
