// Initialisers: seeded reproducibility and the statistics each one promises.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { initialize, normalizeInitializer } from './initializers.js';

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length), min, max };
}

describe('initialisers are seeded', () => {
  it('the same config seed gives the same values; another seed differs', () => {
    const a = initialize({ className: 'glorotUniform', config: { seed: 3 } }, [20, 10]);
    const b = initialize({ className: 'glorotUniform', config: { seed: 3 } }, [20, 10]);
    const c = initialize({ className: 'glorotUniform', config: { seed: 4 } }, [20, 10]);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
  });

  it('without a config seed, setSeed fixes the draw', () => {
    gb.setSeed(5);
    const a = initialize('heNormal', [30, 7]);
    const a2 = initialize('heNormal', [30, 7]);
    gb.setSeed(5);
    const b = initialize('heNormal', [30, 7]);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(a2.values));
  });

  it('setSeed before building a model gives the same initial weights', () => {
    const build = () => {
      gb.setSeed(9);
      return gb.sequential({ layers: [gb.layers.dense({ units: 5, inputShape: [4] }), gb.layers.dense({ units: 2, biasInitializer: 'randomNormal' })] });
    };
    const w1 = build().getWeights().map((w) => Array.from(w.values));
    const w2 = build().getWeights().map((w) => Array.from(w.values));
    expect(w1).toEqual(w2);
  });
});

describe('initialiser statistics', () => {
  const [fanIn, fanOut] = [600, 400];
  const shape = [fanIn, fanOut]; // 240k values: sample std within ~0.3% of the true one

  it('glorotUniform stays within sqrt(6 / (in + out)) and fills the interval', () => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const s = stats(initialize('glorotUniform', shape).values);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 3);
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
  });

  it.each([
    ['heNormal', Math.sqrt(2 / fanIn)],
    ['glorotNormal', Math.sqrt(2 / (fanIn + fanOut))],
    ['lecunNormal', Math.sqrt(1 / fanIn)],
  ] as const)('%s has std %f and is truncated at two of its (pre-rescale) stds', (name, std) => {
    const s = stats(initialize(name, shape).values);
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * std);
    // Keras draws from a normal truncated at 2 sigma with sigma = std / 0.8796.
    const bound = (2 * std) / 0.87962566103423978;
    expect(Math.max(s.max, -s.min)).toBeLessThanOrEqual(bound * (1 + 1e-6));
    expect(s.max).toBeGreaterThan(0.95 * bound);
  });

  it.each([
    ['heUniform', Math.sqrt(6 / fanIn)],
    ['lecunUniform', Math.sqrt(3 / fanIn)],
  ] as const)('%s is uniform within %f', (name, limit) => {
    const s = stats(initialize(name, shape).values);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 3);
  });

  it('uses the receptive field in the fans of a conv-shaped kernel', () => {
    // [3, 3, 4, 8]: fanIn = 3*3*4 = 36, fanOut = 3*3*8 = 72.
    const limit = Math.sqrt(6 / (36 + 72));
    const s = stats(initialize('glorotUniform', [3, 3, 4, 8]).values);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.9 * limit);
  });

  it('zeros and ones are constant', () => {
    expect(new Set(initialize('zeros', [3, 4]).values)).toEqual(new Set([0]));
    expect(new Set(initialize('ones', [5]).values)).toEqual(new Set([1]));
  });

  it('randomNormal and randomUniform honour their config', () => {
    const n = stats(initialize({ className: 'randomNormal', config: { mean: 2, stddev: 0.5 } }, [100000]).values);
    expect(n.mean).toBeCloseTo(2, 2);
    expect(n.std).toBeCloseTo(0.5, 2);
    const u = stats(initialize({ className: 'randomUniform', config: { minval: 1, maxval: 3 } }, [100000]).values);
    expect(u.min).toBeGreaterThanOrEqual(1);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(2, 1);
    expect(u.std).toBeCloseTo(2 / Math.sqrt(12), 2);
    // Keras defaults: N(0, 0.05) and U(-0.05, 0.05).
    expect(stats(initialize('randomNormal', [100000]).values).std).toBeCloseTo(0.05, 3);
    expect(stats(initialize('randomUniform', [100000]).values).max).toBeLessThanOrEqual(0.05);
  });

  it('Dense uses its kernel and bias initialisers', () => {
    const layer = gb.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones', biasInitializer: { className: 'randomUniform', config: { minval: 5, maxval: 6 } } });
    layer.build([2]);
    const [kernel, bias] = layer.getWeights();
    expect(Array.from(kernel.values)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(bias.values).every((v) => v >= 5 && v < 6)).toBe(true);
  });
});

describe('initialiser names', () => {
  it('accepts Keras snake_case and class names', () => {
    expect(normalizeInitializer('he_normal' as never)).toEqual({ className: 'heNormal' });
    expect(normalizeInitializer({ className: 'GlorotUniform' as never, config: { seed: 1 } })).toEqual({ className: 'glorotUniform', config: { seed: 1 } });
  });

  it('rejects unknown names, listing the known ones', () => {
    expect(() => normalizeInitializer('xavier' as never)).toThrow(/unknown initializer 'xavier'; use one of: glorotUniform/);
    expect(() => gb.layers.dense({ units: 2, kernelInitializer: 'nope' as never })).toThrow(/unknown initializer 'nope'/);
  });
});

describe('constant, truncatedNormal, identity and orthogonal (TensorFlow.js names)', () => {
  it('constant fills the value; truncatedNormal stays within 2 std of its mean', () => {
    expect(Array.from(initialize({ className: 'Constant' as never, config: { value: 0.25 } }, [3, 2]).values)).toEqual(Array(6).fill(0.25));
    const t = initialize({ className: 'truncatedNormal', config: { mean: 1, stddev: 0.5, seed: 2 } }, [4000]).values;
    expect(Math.max(...t)).toBeLessThanOrEqual(2);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(Array.from(t).reduce((a, b) => a + b, 0) / t.length - 1)).toBeLessThan(0.02);
  });

  it('identity puts gain on the diagonal; orthogonal has orthonormal rows (or columns) times gain', () => {
    expect(initialize({ className: 'identity', config: { gain: 2 } }, [2, 3]).arraySync()).toEqual([[2, 0, 0], [0, 2, 0]]);
    for (const shape of [[3, 5], [6, 4]]) {
      const w = initialize({ className: 'Orthogonal' as never, config: { gain: 1.5, seed: 4 } }, shape).arraySync() as number[][];
      const [rows, cols] = shape;
      const wide = rows < cols;
      const n = Math.min(rows, cols);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < Math.max(rows, cols); k++) dot += wide ? w[i][k] * w[j][k] : w[k][i] * w[k][j];
        expect(dot).toBeCloseTo(i === j ? 2.25 : 0, 5);
      }
    }
  });
});
