// Optimisers: one (or two) hand-computed steps each, schedules, clipping, state round trip, names.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { Variable } from '../autograd/variable.js';
import { Adagrad, Adam, AdamW, getOptimizer, Optimizer, RMSprop, SGD, train } from './optimizers.js';
import { schedules, scheduleFromConfig } from './schedules.js';
import { expectClose } from '../../test/training/helpers.js';

// Every test updates p = [1, -2] with gradient g = [0.5, -1] (then g2 = [0.1, 0.2] where a second
// step is taken). The parameter is repeated to 200 values so fused backend kernels (which take over
// above a size threshold) are exercised too; every copy must land on the hand-computed value.
const REPEAT = 100;
const tile = (pair: number[]) => Array.from({ length: REPEAT }, () => pair).flat();
const param = () => new Variable(gb.tensor1d(tile([1, -2])), true, 'p');
const g1 = gb.tensor1d(tile([0.5, -1]));
const g2 = gb.tensor1d(tile([0.1, 0.2]));

function run(opt: Optimizer, grads: gb.Tensor[]): Variable {
  const p = param();
  for (const g of grads) opt.applyGradients([p], [g]);
  return p;
}

const expectParam = (p: Variable, pair: number[], atol = 1e-6) => expectClose(p, tile(pair), atol, 1e-6);

describe('one hand-computed step per optimiser', () => {
  it('sgd: p -= lr g', () => {
    expectParam(run(new SGD({ learningRate: 0.1 }), [g1]), [1 - 0.1 * 0.5, -2 - 0.1 * -1]);
  });

  it('sgd with momentum (Keras form v = m v - lr g; p += v), two steps', () => {
    // step 1: v = -0.1 * 0.5 = -0.05, p = 0.95;  v = 0.1, p = -1.9
    // step 2 (g2): v = 0.9 * -0.05 - 0.1 * 0.1 = -0.055, p = 0.895;  v = 0.9 * 0.1 - 0.1 * 0.2 = 0.07, p = -1.83
    expectParam(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), [g1, g2]), [0.95 - 0.055, -1.9 + 0.07]);
  });

  it('sgd with Nesterov momentum (p += m v - lr g), two steps', () => {
    // step 1: v = -0.05, p = 1 + 0.9 * -0.05 - 0.05 = 0.905;  v = 0.1, p = -2 + 0.09 + 0.1 = -1.81
    // step 2: v = -0.055, p = 0.905 + 0.9 * -0.055 - 0.01 = 0.8455;  v = 0.07, p = -1.81 + 0.063 - 0.02 = -1.767
    expectParam(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [g1, g2]), [0.905 - 0.0495 - 0.01, -1.81 + 0.063 - 0.02]);
  });

  it('adam: bias-corrected moments, two steps', () => {
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    // step 1: m = 0.1 g, v = 0.001 g^2, mHat = g, vHat = g^2, so p -= lr * g / (|g| + eps) = lr * sign(g).
    const p1 = [1 - lr * 0.5 / (0.5 + eps), -2 + lr * 1 / (1 + eps)];
    // step 2 with g2: m = 0.9 m + 0.1 g2, v = 0.999 v + 0.001 g2^2, corrections 1 - 0.9^2 and 1 - 0.999^2.
    const step2 = (g: number, gPrev: number, p: number) => {
      const m = b1 * (1 - b1) * gPrev + (1 - b1) * g;
      const v = b2 * (1 - b2) * gPrev * gPrev + (1 - b2) * g * g;
      return p - (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    };
    expectParam(run(new Adam({ learningRate: lr }), [g1]), p1);
    expectParam(run(new Adam({ learningRate: lr }), [g1, g2]), [step2(0.1, 0.5, p1[0]), step2(0.2, -1, p1[1])], 2e-6);
    // The numbers the formula gives, written out: m = 0.055, v = 0.00025975, mHat = 0.28947, vHat = 0.12994.
    expect(step2(0.1, 0.5, p1[0])).toBeCloseTo(0.9 - (0.1 * 0.055 / 0.19) / Math.sqrt(0.00025975 / 0.001999), 7);
  });

  it('adamw: p -= lr * (adam step + weightDecay * p)', () => {
    // Adam's first step is lr * sign(g); decay adds lr * 0.01 * p.
    expectParam(run(new AdamW({ learningRate: 0.1, weightDecay: 0.01 }), [g1]), [1 - 0.1 * (1 + 0.01 * 1), -2 - 0.1 * (-1 + 0.01 * -2)]);
  });

  it('rmsprop: v = rho v + (1 - rho) g^2; p -= lr g / (sqrt(v) + eps)', () => {
    // v = 0.1 * 0.25 = 0.025 -> step 0.1 * 0.5 / 0.1581139 = 0.3162278;  v = 0.1 -> step 0.1 * -1 / 0.3162278 = -0.3162278
    expectParam(run(new RMSprop({ learningRate: 0.1, rho: 0.9 }), [g1]), [1 - 0.05 / Math.sqrt(0.025), -2 + 0.1 / Math.sqrt(0.1)]);
  });

  it('rmsprop with momentum accumulates the steps, two steps', () => {
    const s1 = [0.05 / Math.sqrt(0.025), -0.1 / Math.sqrt(0.1)];
    // step 2 (g2): v = 0.9 * 0.025 + 0.1 * 0.01 = 0.0235;  v = 0.9 * 0.1 + 0.1 * 0.04 = 0.094
    const s2 = [0.01 / Math.sqrt(0.0235), 0.02 / Math.sqrt(0.094)];
    const mom = [0.5 * s1[0] + s2[0], 0.5 * s1[1] + s2[1]];
    expectParam(run(new RMSprop({ learningRate: 0.1, rho: 0.9, momentum: 0.5 }), [g1, g2]), [1 - s1[0] - mom[0], -2 - s1[1] - mom[1]]);
  });

  it('adagrad: a += g^2 (from 0.1); p -= lr g / (sqrt(a) + eps)', () => {
    // a = 0.1 + 0.25 = 0.35;  a = 0.1 + 1 = 1.1
    expectParam(run(new Adagrad({ learningRate: 0.1 }), [g1]), [1 - 0.05 / Math.sqrt(0.35), -2 + 0.1 / Math.sqrt(1.1)]);
  });

  it('a null gradient leaves its variable untouched', () => {
    const a = param();
    const b = param();
    new SGD({ learningRate: 0.1 }).applyGradients([a, b], [g1, null]);
    expectParam(b, [1, -2], 0);
    expectParam(a, [0.95, -1.9]);
  });

  it('train.* factories take TensorFlow.js positional arguments', () => {
    expectParam(run(train.momentum(0.1, 0.9, true), [g1]), [0.905, -1.81]);
    expect(train.adam(0.01, 0.8, 0.99, 1e-8).getConfig()).toEqual({ name: 'adam', learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-8 });
    expect(train.rmsprop(0.01, 0.8, 0.5).getConfig()).toMatchObject({ name: 'rmsprop', rho: 0.8, momentum: 0.5 });
    expect(train.adagrad(0.2, 0.5).getConfig()).toMatchObject({ name: 'adagrad', learningRate: 0.2, initialAccumulatorValue: 0.5 });
  });
});

describe('learning-rate schedules', () => {
  it('exponentialDecay, smooth and staircase', () => {
    const s = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    expect(s(20)).toBeCloseTo(0.025, 12);
    const stair = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([stair(9), stair(10), stair(15)]).toEqual([0.1, 0.05, 0.05]);
  });

  it('stepDecay halves every stepSize steps', () => {
    const s = schedules.stepDecay({ initialLearningRate: 1, stepSize: 3 });
    expect([0, 2, 3, 5, 6, 7].map(s)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('cosineDecay falls from initial to alpha * initial, then stays', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
    expect(s(0)).toBeCloseTo(1, 12);
    expect(s(5)).toBeCloseTo(0.9 * 0.5 * (1 + Math.cos(Math.PI / 2)) + 0.1, 12);
    expect(s(10)).toBeCloseTo(0.1, 12);
    expect(s(25)).toBeCloseTo(0.1, 12);
  });

  it('piecewiseConstant switches at the boundaries', () => {
    const s = schedules.piecewiseConstant({ boundaries: [5, 10], values: [1, 0.5, 0.1] });
    expect([0, 4, 5, 9, 10, 100].map(s)).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(() => schedules.piecewiseConstant({ boundaries: [5], values: [1] })).toThrow(/needs one more value than boundaries/);
  });

  it('an optimiser steps its schedule: step k uses lr(k)', () => {
    const opt = new SGD({ learningRate: schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 1 }) });
    // step 0 at lr 0.1, step 1 at lr 0.05: p = 1 - 0.1 * 0.5 - 0.05 * 0.1
    expectParam(run(opt, [g1, g2]), [1 - 0.05 - 0.005, -2 + 0.1 - 0.01]);
    expect(opt.currentLearningRate()).toBeCloseTo(0.025, 12);
  });

  it('schedules round-trip through optimiser configs', () => {
    const opt = new Adam({ learningRate: schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 100 }) });
    const again = getOptimizer(JSON.parse(JSON.stringify(opt.getConfig())));
    expect(again.getConfig()).toEqual(opt.getConfig());
    const lr = again.learningRate as (step: number) => number;
    expect(lr(50)).toBeCloseTo(0.005, 12);
    expect(() => scheduleFromConfig({ name: 'linearWarmup' as never })).toThrow(/unknown learning-rate schedule 'linearWarmup'/);
    expect(() => schedules.stepDecay({ initialLearningRate: 0, stepSize: 1 })).toThrow(/initialLearningRate must be a positive number/);
  });
});

describe('gradient clipping', () => {
  it('clipNorm rescales all gradients together to the given global norm', () => {
    // g = [3] and [4] across two variables: norm 5, scaled by 1/5 -> [0.6] and [0.8].
    const a = new Variable(gb.tensor1d([0]), true, 'a');
    const b = new Variable(gb.tensor1d([0]), true, 'b');
    new SGD({ learningRate: 1, clipNorm: 1 }).applyGradients([a, b], [gb.tensor1d([3]), gb.tensor1d([4])]);
    expectClose(a, [-0.6]);
    expectClose(b, [-0.8]);
    // Below the norm: unchanged.
    new SGD({ learningRate: 1, clipNorm: 10 }).applyGradients([a, b], [gb.tensor1d([3]), gb.tensor1d([4])]);
    expectClose(a, [-3.6]);
  });

  it('clipValue clamps each element', () => {
    const a = new Variable(gb.tensor1d([0, 0, 0]), true, 'a');
    new SGD({ learningRate: 1, clipValue: 0.5 }).applyGradients([a], [gb.tensor1d([3, -0.2, -7])]);
    expectClose(a, [-0.5, 0.2, 0.5]);
  });

  it('non-positive clip settings are rejected', () => {
    expect(() => new SGD({ clipNorm: 0 })).toThrow(/clipNorm must be positive, got 0/);
    expect(() => new Adam({ clipValue: -1 })).toThrow(/clipValue must be positive, got -1/);
  });
});

describe('optimiser state', () => {
  it.each([
    ['adam', () => new Adam({ learningRate: 0.1 })],
    ['sgd momentum', () => new SGD({ learningRate: 0.1, momentum: 0.9 })],
    ['rmsprop', () => new RMSprop({ learningRate: 0.1, momentum: 0.5 })],
    ['adagrad', () => new Adagrad({ learningRate: 0.1 })],
  ] as const)('%s: getWeights -> setWeights on a fresh optimiser continues exactly', (_name, make) => {
    const first = make();
    const p = param();
    first.applyGradients([p], [g1]);
    first.applyGradients([p], [g2]);
    const saved = first.getWeights();
    const snapshot = p.read();
    first.applyGradients([p], [g1]);
    const expected = Array.from(p.values);

    p.assign(snapshot);
    const second = make();
    second.setWeights(saved, [p]);
    expect(second.iterations).toBe(2);
    second.applyGradients([p], [g1]);
    expect(Array.from(p.values)).toEqual(expected);

    // Without the state the third step differs (the test can fail).
    p.assign(snapshot);
    make().applyGradients([p], [g1]);
    expect(Array.from(p.values)).not.toEqual(expected);
  });

  it('state of the wrong size is rejected', () => {
    const opt = new Adam();
    const p = param();
    expect(() => opt.setWeights([{ name: `${p.name}/m`, tensor: gb.zeros([3]) }, { name: `${p.name}/v`, tensor: gb.zeros([3]) }], [p])).toThrow(/slot m for .* has the wrong size/);
  });
});

describe('getOptimizer', () => {
  it('builds from names (any case) with Keras default learning rates', () => {
    expect(getOptimizer('adam')).toBeInstanceOf(Adam);
    expect(getOptimizer('adam').currentLearningRate()).toBe(0.001);
    expect(getOptimizer('SGD').currentLearningRate()).toBe(0.01);
    expect(getOptimizer('RMSprop')).toBeInstanceOf(RMSprop);
    expect(getOptimizer('adamw')).toBeInstanceOf(AdamW);
    expect(getOptimizer('adagrad')).toBeInstanceOf(Adagrad);
  });

  it('builds from configs and round-trips getConfig', () => {
    const sgd = getOptimizer({ name: 'sgd', learningRate: 0.5, momentum: 0.9, nesterov: true, clipNorm: 2 }) as SGD;
    expect([sgd.momentum, sgd.nesterov, sgd.clipNorm, sgd.currentLearningRate()]).toEqual([0.9, true, 2, 0.5]);
    for (const opt of [sgd, new AdamW({ weightDecay: 0.1 }), new RMSprop({ rho: 0.8 }), new Adagrad({ initialAccumulatorValue: 0.2 })]) {
      expect(getOptimizer(opt.getConfig()).getConfig()).toEqual(opt.getConfig());
    }
    const adam = new Adam();
    expect(getOptimizer(adam)).toBe(adam);
  });

  it('unknown names and bad hyper-parameters throw with the fix', () => {
    expect(() => getOptimizer('adamax')).toThrow(/unknown optimizer 'adamax'; use one of: sgd, adam/);
    expect(() => new SGD({ learningRate: -1 })).toThrow(/learningRate must be a positive number, got -1/);
    expect(() => new SGD({ momentum: 1 })).toThrow(/momentum must be in \[0, 1\), got 1/);
    expect(() => new Adam({ beta1: 1.5 })).toThrow(/beta1 must be in \[0, 1\), got 1.5/);
  });
});
