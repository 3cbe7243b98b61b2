// Compiled plans: buffers reused by lifetime, views that cost nothing, deterministic freeing, the plan
// cache, side effects and integer inputs.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { withBackend, getBackend } from '../backend/backend.js';
import { createWasmBackend } from '../backend/wasm/index.js';
import { Rng } from '../util/random.js';
import { traceGraph } from './trace.js';
import { addGradients } from './autodiff.js';
import { Plan } from './plan.js';
import { PlanCache } from './cache.js';
import { runOp } from '../ops/run.js';

function deepMlp(x: gb.Tensor, ws: gb.Tensor[]): gb.Tensor {
  return ws.reduce((h, w) => gb.relu(gb.matMul(h, w)), x);
}

describe('Plan', () => {
  const rng = new Rng(1);
  const ws = [0, 1, 2, 3, 4, 5].map(() => gb.randomNormal([32, 32], 0, 0.2, { rng }));

  it('reuses buffers by lifetime: a deep chain needs far fewer bytes than it has values', () => {
    const t = traceGraph([{ name: 'x', sample: gb.zeros([64, 32]) }], ([x]) => ({ y: deepMlp(x, ws) }));
    const plan = Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
    const activationBytes = t.graph.nodes.length * 64 * 32 * 4;
    expect(plan.stats.kernels).toBe(12);
    // Input + two alternating activation buffers + the six weights as constants (the weights here are plain tensors).
    expect(plan.stats.bufferBytes).toBeLessThan(activationBytes);
    const x = gb.randomNormal([64, 32], 0, 1, { rng });
    plan.inputs.x.set(x.values);
    plan.run();
    const want = deepMlp(x, ws).values;
    Array.from(plan.outputs.y).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
  });

  it('turns reshapes and contiguous slices into views (no kernel, no buffer)', () => {
    const t = traceGraph([{ name: 'x', sample: gb.zeros([6, 4]) }], ([x]) => ({ y: gb.relu(gb.slice(gb.reshape(x, [3, 8]), [1, 0], [2, 8])) }));
    const plan = Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
    expect(plan.stats.views).toBe(2);
    expect(plan.stats.kernels).toBe(1);
    const x = gb.randomNormal([6, 4], 0, 1, { rng });
    plan.inputs.x.set(x.values);
    plan.run();
    expect(Array.from(plan.outputs.y)).toEqual(Array.from(gb.relu(x.reshape([3, 8]).slice([1, 0], [2, 8])).values));
  });

  it('frees its buffers when disposed, not when garbage collected: recompiling reuses the same memory', () => {
    const be = createWasmBackend({ threads: 1 })!;
    if (!be.rt.shared) return; // without shared memory buffers are plain arrays, freed by the collector
    const compile = () => {
      const t = traceGraph([{ name: 'x', sample: gb.zeros([256, 32]) }], ([x]) => ({ y: deepMlp(x, ws) }));
      return Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } }, be);
    };
    const first = compile();
    const end = be.rt.heapEnd;
    first.dispose();
    for (let i = 0; i < 5; i++) compile().dispose();
    expect(be.rt.heapEnd).toBe(end);
    expect(() => first.run()).toThrow(/disposed/);
    be.dispose();
  });

  it('keeps side effects and draws random ops from the run context', () => {
    const v = gb.variable(gb.zeros([3]), false);
    const t = traceGraph([{ name: 'x', sample: gb.zeros([3]) }], ([x]) => {
      runOp('movingAverage', [v, x], { momentum: 0.5 });
      return { y: gb.mul(x, gb.dropoutMask([3], 0.5, new Rng(0))) };
    });
    // Tracing ran the forward pass but must not have moved the variable.
    expect(Array.from(v.values)).toEqual([0, 0, 0]);
    const plan = Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
    plan.inputs.x.set([2, 4, 6]);
    plan.run({ rng: new Rng(9) });
    expect(Array.from(v.values)).toEqual([1, 2, 3]);
    const a = Array.from(plan.outputs.y);
    plan.run({ rng: new Rng(9) });
    expect(Array.from(plan.outputs.y)).toEqual(a);
    const mask = gb.dropoutMask([3], 0.5, new Rng(9));
    expect(a).toEqual([2, 4, 6].map((x, i) => x * mask.values[i]));
  });

  it('takes integer inputs and gives gradients only where they are asked for', () => {
    const table = gb.variable(gb.randomNormal([5, 2], 0, 1, { rng }));
    const t = traceGraph([{ name: 'ids', sample: gb.zeros([3], 'int32') }], ([ids]) => ({ y: gb.sum(gb.square(gb.gather(table, ids))) }));
    const [g] = addGradients(t.graph, t.outputs.y, [t.graph.param(table)]);
    const plan = Plan.compile(t.graph, { inputs: { ids: t.inputs[0] }, outputs: { y: t.outputs.y, g: g! } });
    plan.inputs.ids.set([4, 0, 4]);
    plan.run();
    const want = gb.variableGrads(() => gb.sum(gb.square(gb.gather(table, gb.tensor1d([4, 0, 4], 'int32')))), [table]).grads[table.name];
    Array.from(plan.outputs.g).forEach((v, i) => expect(v).toBeCloseTo(want.values[i], 5));
  });

  it('on the js backend too', () => {
    withBackend('js', () => {
      expect(getBackend().name).toBe('js');
      const t = traceGraph([{ name: 'x', sample: gb.zeros([4, 32]) }], ([x]) => ({ y: deepMlp(x, ws) }));
      const plan = Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
      const x = gb.randomNormal([4, 32], 0, 1, { rng });
      plan.inputs.x.set(x.values);
      plan.run();
      const want = deepMlp(x, ws).values;
      Array.from(plan.outputs.y).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    });
  });
});

describe('PlanCache', () => {
  it('evicts the least recently used plan and disposes it', () => {
    const cache = new PlanCache(2);
    const make = () => {
      const t = traceGraph([{ name: 'x', sample: gb.zeros([2]) }], ([x]) => ({ y: gb.relu(x) }));
      return Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
    };
    const a = cache.get('a', make);
    cache.get('b', make);
    expect(cache.get('a', make)).toBe(a);
    cache.get('c', make);
    expect(cache.keys()).toEqual(['a', 'c']);
    cache.clear();
    expect(a.isDisposed).toBe(true);
  });

  it('evicts plans while their buffers exceed its byte budget, keeping the newest', () => {
    const make = (rows: number) => () => {
      const t = traceGraph([{ name: 'x', sample: gb.zeros([rows, 64]) }], ([x]) => ({ y: gb.relu(x) }));
      return Plan.compile(t.graph, { inputs: { x: t.inputs[0] }, outputs: { y: t.outputs.y } });
    };
    const cache = new PlanCache(8, 200_000);
    const small = cache.get('small', make(100)); // 2 x 25.6 kB
    cache.get('big', make(1000)); // 2 x 256 kB: over budget alone, yet kept
    expect(cache.keys()).toEqual(['big']);
    expect(small.isDisposed).toBe(true);
  });
});
