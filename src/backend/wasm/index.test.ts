// Every wasm kernel against the reference backend, on seeded random shapes including sizes that
// are not multiples of the GEMM tiles; plain SIMD, relaxed SIMD and two threads.

import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, BinaryOp, FusedActivation, MatmulDims, ReduceOp, UnaryOp } from '../backend.js';
import { getBackend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { Rng } from '../../util/random.js';
import { broadcastShapes, sizeOf } from '../../tensor/shape.js';
import { createWasmBackend, WasmBackend } from './index.js';
import { relaxedSimdSupported } from './runtime.js';

// Node 20 gates relaxed SIMD behind a V8 flag (Node 22 does not); enable it in this test process
// so the relaxed 6x8 kernel is tested too.
setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Value-returning forms of the Into-style kernels, to keep the comparisons below short. */
function returning(be: Backend) {
  return {
    matmul: (a: Float32Array, b: Float32Array, d: MatmulDims) => {
      const o = new Float32Array(d.batch * d.m * d.n);
      be.matmul(a, b, o, d);
      return o;
    },
    biasActivation: (x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: FusedActivation) => {
      const o = new Float32Array(rows * cols);
      be.biasActivation(x, bias, o, rows, cols, act);
      return o;
    },
    logSoftmax: (x: Float32Array, rows: number, cols: number) => {
      const o = new Float32Array(rows * cols);
      be.logSoftmax(x, o, rows, cols);
      return o;
    },
    unary: (op: UnaryOp, x: Float32Array, alpha: number) => {
      const o = new Float32Array(x.length);
      be.unary(op, x, o, alpha);
      return o;
    },
    binary: (op: BinaryOp, a: Float32Array, as: number[], b: Float32Array, bs: number[], outShape: number[], dtype: 'bool' | 'float32') => {
      const o = dtype === 'bool' ? new Uint8Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
      be.binary(op, a, as, b, bs, o, outShape);
      return o;
    },
    reduce: (op: ReduceOp, x: Float32Array, outer: number, reduced: number, inner: number) => {
      const o = new Float32Array(outer * inner);
      be.reduce(op, x, o, outer, reduced, inner);
      return o;
    },
  };
}

function randn(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= tol(i) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
  }
}

const rel = (want: ArrayLike<number>, r = 1e-6) => (i: number) => r * (1 + Math.abs(want[i]));

function checkMatmul(be: WasmBackend, rng: Rng, dims: MatmulDims): void {
  const { batch, m, k, n } = dims;
  const a = randn(rng, (dims.aBatchStride === 0 ? 1 : batch) * m * k);
  const b = randn(rng, (dims.bBatchStride === 0 ? 1 : batch) * k * n);
  const got = returning(be).matmul(a, b, dims);
  const want = returning(jsBackend).matmul(a, b, dims);
  // Bound by the sum of |products|: float32 accumulation error grows with it.
  const scale = returning(jsBackend).matmul(a.map(Math.abs), b.map(Math.abs), dims);
  expectClose(got, want, (i) => 2e-6 * Math.sqrt(k) * (scale[i] + 1), `matmul ${JSON.stringify(dims)}`);
}

function mm(batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, bcastA = false, bcastB = false): MatmulDims {
  return { batch, m, k, n, transA, transB, aBatchStride: bcastA ? 0 : m * k, bBatchStride: bcastB ? 0 : k * n };
}

const configs: { name: string; make: () => WasmBackend }[] = [
  { name: 'simd, 1 thread', make: () => createWasmBackend({ threads: 1, relaxedSimd: false })! },
];
if (relaxedSimdSupported()) configs.push({ name: 'relaxed simd, 1 thread', make: () => createWasmBackend({ threads: 1, relaxedSimd: true })! });

const made: WasmBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

describe.each(configs)('wasm backend ($name)', ({ make }) => {
  const be = make();
  made.push(be);

  it('matmul matches the reference on random shapes and every transpose combination', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 60; trial++) {
      const m = 1 + rng.int(40), k = 1 + rng.int(40), n = 1 + rng.int(40);
      checkMatmul(be, rng, mm(1, m, k, n, rng.next() < 0.5, rng.next() < 0.5));
    }
  });

  it('matmul handles the training shapes, k blocking and partial tiles', () => {
    const rng = new Rng(2);
    for (const [m, k, n] of [[32, 784, 64], [784, 32, 64], [32, 64, 784], [33, 300, 10], [7, 513, 9], [13, 257, 17], [6, 8, 8], [1, 1000, 3]]) {
      for (const tA of [false, true]) for (const tB of [false, true]) checkMatmul(be, rng, mm(1, m, k, n, tA, tB));
    }
  });

  it('batched matmul with broadcast operands', () => {
    const rng = new Rng(3);
    checkMatmul(be, rng, mm(3, 5, 7, 9, false, false));
    checkMatmul(be, rng, mm(3, 5, 7, 9, true, true, true, false));
    checkMatmul(be, rng, mm(4, 11, 6, 13, false, true, false, true));
    checkMatmul(be, rng, mm(2, 9, 20, 8, true, false, false, true));
  });

  it('matmul with k = 0 gives zeros', () => {
    const got = returning(be).matmul(new Float32Array(0), new Float32Array(0), mm(1, 30, 0, 30, false, false));
    expect(got.length).toBe(900);
    expect(got.every((v) => v === 0)).toBe(true);
  });

  it('biasActivation matches for every activation, with and without bias', () => {
    const rng = new Rng(4);
    for (const act of ['linear', 'relu', 'sigmoid', 'tanh'] as FusedActivation[]) {
      for (const [rows, cols] of [[32, 64], [5, 13], [17, 10], [1, 129]]) {
        const x = randn(rng, rows * cols);
        const bias = rng.next() < 0.7 ? randn(rng, cols) : null;
        const want = returning(jsBackend).biasActivation(x, bias, rows, cols, act);
        expectClose(returning(be).biasActivation(x, bias, rows, cols, act), want, rel(want), `biasActivation ${act} ${rows}x${cols}`);
      }
    }
  });

  it('logSoftmax matches, including large logits', () => {
    const rng = new Rng(5);
    for (const [rows, cols] of [[32, 10], [7, 33], [3, 1], [100, 2]]) {
      const x = randn(rng, rows * cols).map((v) => v * 30);
      const want = returning(jsBackend).logSoftmax(x, rows, cols);
      expectClose(returning(be).logSoftmax(x, rows, cols), want, rel(want, 2e-6), `logSoftmax ${rows}x${cols}`);
    }
  });

  it('adamUpdate matches over several steps (Adam and AdamW)', () => {
    const rng = new Rng(6);
    for (const [n, wd] of [[50816, 0], [1001, 0.01]]) {
      const p0 = randn(rng, n);
      const pw = p0.slice(), mw = new Float32Array(n), vw = new Float32Array(n);
      const pj = p0.slice(), mj = new Float32Array(n), vj = new Float32Array(n);
      for (let step = 1; step <= 5; step++) {
        const g = randn(rng, n);
        const params = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step, weightDecay: wd };
        be.adamUpdate(pw, g, mw, vw, params);
        jsBackend.adamUpdate(pj, g, mj, vj, params);
      }
      expectClose(pw, pj, rel(pj, 1e-6), 'adam param');
      expectClose(mw, mj, rel(mj, 1e-6), 'adam m');
      expectClose(vw, vj, rel(vj, 1e-6), 'adam v');
    }
  });

  it('rmspropUpdate matches with and without momentum, over several steps', () => {
    const rng = new Rng(13);
    for (const [n, momentum] of [[50816, 0], [1003, 0.9]]) {
      const p0 = randn(rng, n);
      const pw = p0.slice(), rw = new Float32Array(n), mw = new Float32Array(n);
      const pj = p0.slice(), rj = new Float32Array(n), mj = new Float32Array(n);
      for (let step = 0; step < 4; step++) {
        const g = randn(rng, n);
        const params = { lr: 1e-3, rho: 0.9, momentum, epsilon: 1e-7 };
        be.rmspropUpdate(pw, g, rw, mw, params);
        jsBackend.rmspropUpdate(pj, g, rj, mj, params);
      }
      expectClose(pw, pj, rel(pj, 1e-6), `rmsprop param momentum ${momentum}`);
      expectClose(rw, rj, rel(rj, 1e-6), 'rmsprop mean square');
    }
  });

  it('softmax matches, including large logits and odd widths', () => {
    const rng = new Rng(14);
    for (const [rows, cols] of [[32, 10], [7, 33], [100, 2], [1000, 10]]) {
      const x = randn(rng, rows * cols).map((v) => v * 30);
      const want = new Float32Array(rows * cols);
      jsBackend.softmax(x, want, rows, cols);
      const got = new Float32Array(rows * cols);
      be.softmax(x, got, rows, cols);
      expectClose(got, want, (i) => 2e-6 + 2e-6 * Math.abs(want[i]), `softmax ${rows}x${cols}`);
    }
  });

  it('sgdUpdate matches with and without (Nesterov) momentum', () => {
    const rng = new Rng(7);
    for (const [momentum, nesterov, withVel] of [[0, false, false], [0.9, false, true], [0.9, true, true], [0, false, true]] as const) {
      const n = 999;
      const p0 = randn(rng, n);
      const pw = p0.slice(), pj = p0.slice();
      const vw = withVel ? new Float32Array(n) : null, vj = withVel ? new Float32Array(n) : null;
      for (let s = 0; s < 3; s++) {
        const g = randn(rng, n);
        be.sgdUpdate(pw, g, vw, 0.01, momentum, nesterov);
        jsBackend.sgdUpdate(pj, g, vj, 0.01, momentum, nesterov);
      }
      expectClose(pw, pj, rel(pj, 1e-6), `sgd param m=${momentum} nesterov=${nesterov}`);
      if (vw && vj) expectClose(vw, vj, rel(vj, 1e-6), 'sgd velocity');
    }
  });

  it('unary ops match, including odd lengths, zeros and NaN', () => {
    const rng = new Rng(8);
    for (const op of ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'step', 'leakyRelu', 'exp', 'tanh'] as UnaryOp[]) {
      for (const n of [64, 67, 1000, 5]) {
        const x = randn(rng, n);
        x[0] = 0;
        x[1] = NaN;
        x[2] = -0;
        const want = returning(jsBackend).unary(op, x, 0.2);
        expectClose(returning(be).unary(op, x, 0.2), want, rel(want, 1e-7), `unary ${op} n=${n}`);
      }
    }
  });

  it('binary ops match for same-shape, scalar, row and column broadcasts', () => {
    const rng = new Rng(9);
    const cases: [number[], number[]][] = [
      [[32, 64], [32, 64]], [[32, 64], [64]], [[64], [32, 64]], [[32, 64], [32, 1]], [[32, 1], [32, 64]],
      [[7, 13], []], [[], [7, 13]], [[1, 13], [9, 13]], [[2, 5, 7], [7]], [[2, 5, 7], [2, 5, 1]],
      [[2, 5, 7], [5, 1]], [[3, 1, 7], [1, 4, 7]], [[1001], [1001]], [[10, 10], [1, 1]],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'less'] as BinaryOp[]) {
      for (const [as, bs] of cases) {
        const out = broadcastShapes(as, bs);
        const a = randn(rng, sizeOf(as));
        const b = randn(rng, sizeOf(bs));
        if (a.length > 3) a[3] = NaN;
        if (b.length > 4) b[4] = NaN;
        const dtype = op === 'less' ? 'bool' : 'float32';
        const want = returning(jsBackend).binary(op, a, as, b, bs, out, dtype);
        expectClose(returning(be).binary(op, a, as, b, bs, out, dtype), want, rel(want, 1e-7), `binary ${op} ${JSON.stringify([as, bs])}`);
      }
    }
  });

  it('reduce sum matches on [outer, reduced, inner] views', () => {
    const rng = new Rng(10);
    for (const [outer, reduced, inner] of [[1, 32, 64], [32, 10, 1], [3, 7, 13], [1, 60000, 1], [2, 1000, 5], [5, 1, 30]]) {
      const x = randn(rng, outer * reduced * inner);
      const want = returning(jsBackend).reduce('sum', x, outer, reduced, inner);
      expectClose(returning(be).reduce('sum', x, outer, reduced, inner), want, rel(want, 1e-7), `reduce ${outer}x${reduced}x${inner}`);
      const wantMax = returning(jsBackend).reduce('max', x, outer, reduced, inner);
      expectClose(returning(be).reduce('max', x, outer, reduced, inner), wantMax, () => 0, 'reduce max');
    }
  });
});

describe('wasm backend with two threads', () => {
  it('splits large GEMMs and matches one thread bit for bit', async () => {
    const one = createWasmBackend({ threads: 1 })!;
    const two = createWasmBackend({ threads: 2 })!;
    made.push(one, two);
    await two.warmUp();
    const rng = new Rng(11);
    for (const [m, k, n, tA, tB] of [[128, 784, 64, false, false], [784, 128, 64, true, false], [24, 784, 200, false, true], [1000, 784, 64, false, false], [130, 400, 33, true, true], [8100, 64, 10, false, false], [600, 300, 13, false, true]] as const) {
      const dims = mm(1, m, k, n, tA, tB);
      const a = randn(rng, m * k);
      const b = randn(rng, k * n);
      const got = returning(two).matmul(a, b, dims);
      expect(Array.from(got)).toEqual(Array.from(returning(one).matmul(a, b, dims)));
      const want = returning(jsBackend).matmul(a, b, dims);
      const scale = returning(jsBackend).matmul(a.map(Math.abs), b.map(Math.abs), dims);
      expectClose(got, want, (i) => 2e-6 * Math.sqrt(k) * (scale[i] + 1), 'threaded matmul');
    }
  });
});

describe('registration', () => {
  it('getBackend() defaults to wasm once registered', () => {
    expect(getBackend().name).toBe('wasm');
  });
});

describe('resident arrays (allocFloat32)', () => {
  it('are read and updated in place, survive memory growth, and match the reference', () => {
    const be = createWasmBackend({ threads: 1 })!;
    made.push(be);
    const rng = new Rng(12);
    const n = 50176;
    const p = be.allocFloat32(n), m = be.allocFloat32(n), v = be.allocFloat32(n);
    expect(be.rt.isResident(p)).toBe(be.rt.shared);
    p.set(randn(rng, n));
    const pj = p.slice(), mj = new Float32Array(n), vj = new Float32Array(n);
    for (let step = 1; step <= 3; step++) {
      const g = randn(rng, n);
      const params = { lr: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step, weightDecay: 0 };
      be.adamUpdate(p, g, m, v, params);
      jsBackend.adamUpdate(pj, g, mj, vj, params);
      // Force the memory to grow (and the arena to move) between steps.
      const big = randn(rng, 300 * 1000);
      checkMatmul(be, rng, mm(1, 300, 1000, 9, false, false));
      expect(returning(be).unary('neg', big, 0)[5]).toBe(-big[5]);
    }
    expect(be.rt.isResident(p)).toBe(be.rt.shared);
    expectClose(p, pj, rel(pj, 1e-6), 'resident adam param');
    expectClose(v, vj, rel(vj, 1e-6), 'resident adam v');
    // A resident weight matrix as a matmul operand.
    const w = be.allocFloat32(784 * 64);
    w.set(randn(rng, 784 * 64));
    const x = randn(rng, 32 * 784);
    const dims = mm(1, 32, 784, 64, false, false);
    const want = returning(jsBackend).matmul(x, w, dims);
    expectClose(returning(be).matmul(x, w, dims), want, (i) => 1e-4 * (1 + Math.abs(want[i])), 'resident matmul');
  });
});
