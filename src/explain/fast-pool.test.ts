import { describe, expect, it } from 'vitest';
import { evaluateMasks, fastState, rowTail } from './fast-eval.js';
import { evaluateParallel, poolStatus } from './fast-pool.js';
import { Rng } from '../util/random.js';

describe('fast-path worker pool', () => {
  it('splits a large coalition batch across a worker thread with results identical to one thread', async () => {
    const rng = new Rng(1);
    const r = () => rng.normal();
    const G = 10, N = 100, units = 8, outputs = 3;
    const data = {
      G, N, units, outputs, full: new Float64Array(N * units).map(r), base: new Float64Array(N * units).map(r), X: new Float64Array(G * units).map(r),
      B: new Float64Array(G * N * units).map(r), nonzero: new Uint8Array(G * N).map(() => (rng.next() < 0.7 ? 1 : 0)),
      same: new Uint8Array(G * N).map(() => (rng.next() < 0.3 ? 1 : 0)), y0: new Float64Array(2 * N * outputs).map(r), weights: new Float64Array(N).fill(1 / N),
    };
    const net = {
      inputs: 20, outputs,
      steps: [
        { kind: 'dense' as const, w: new Float32Array(20 * units).map(r), b: null, inDim: 20, outDim: units, act: { name: 'relu' as const, alpha: 0 } },
        { kind: 'dense' as const, w: new Float32Array(units * outputs).map(r), b: null, inDim: units, outDim: outputs, act: { name: 'softmax' as const, alpha: 0 } },
      ],
    };
    const serialState = fastState(data, rowTail(net, units));
    const fast = { data, net, evaluate: (m: Uint8Array, c: number) => evaluateMasks(m, c, fastState(data, rowTail(net, units))) };
    const count = 500;
    const masks = new Uint8Array(count * G).map(() => (rng.next() < 0.5 ? 1 : 0));
    const serial = evaluateMasks(masks, count, serialState);
    const parallel = await evaluateParallel(fast, masks, count, 2);
    expect(Array.from(parallel)).toEqual(Array.from(serial));
    expect(poolStatus().broken).toBe(false);
  });
});
