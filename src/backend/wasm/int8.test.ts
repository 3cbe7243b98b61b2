// The wasm int8 kernels against the reference (src/backend/js/int8.ts), bit for bit, on seeded random odd
// shapes: quantisation (ties, NaN, infinities, huge values), the int8 dense product and the int8 conv
// (tails of k and units, zero points, padding, strides, dilations, resident operands); the widening i16
// path and relaxed SIMD's dot product; two threads equal to one.

import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.js';
import { conv2dInfo, type ConvInfo, type Padding } from '../conv-geometry.js';
import * as ref from '../js/int8.js';
import { createWasmBackend, type WasmBackend } from './index.js';
import { relaxedSimdSupported } from './runtime.js';

// Node 20 gates relaxed SIMD behind a V8 flag; enable it so the relaxed dot product is tested too.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const made: WasmBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));
function backend(relaxed: boolean, threads = 1): WasmBackend {
  const be = createWasmBackend({ threads, relaxedSimd: relaxed })!;
  made.push(be);
  return be;
}

/** u7 activations (0..127) with the extremes over-represented. */
function u7(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() < 0.1 ? (rng.next() < 0.5 ? 0 : 127) : rng.int(128);
  return out;
}

/** int8 weights over the whole range, -128 included. */
function i8(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() < 0.05 ? (rng.next() < 0.5 ? -128 : 127) : rng.int(256) - 128;
  return out;
}

function floats(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

/** Int8 data placed in the backend's memory (as int8 variables and plan buffers are) or in an ordinary array. */
function bytes(be: WasmBackend, data: Int8Array, resident: boolean): Int8Array {
  if (!resident) return data.slice();
  const block = be.allocFloat32(Math.ceil(data.length / 4) + 1);
  // An odd byte offset: the kernels must not assume alignment.
  const out = new Int8Array(block.buffer, block.byteOffset + 1, data.length);
  out.set(data);
  return out;
}

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
  }
}

const configs: { name: string; relaxed: boolean }[] = [{ name: 'widening i16', relaxed: false }];
if (relaxedSimdSupported()) configs.push({ name: 'relaxed simd dot product', relaxed: true });

describe.each(configs)('wasm int8 kernels ($name)', ({ relaxed }) => {
  const be = backend(relaxed);

  it('compiled the variant asked for', () => {
    expect(be.variant.startsWith(relaxed ? 'relaxed' : 'simd')).toBe(true);
  });

  it('quantizeU7 matches the reference: rounding half to even, clamping, NaN and infinities', () => {
    const rng = new Rng(11);
    for (const n of [64, 65, 79, 1000, 4099]) {
      const scale = Math.fround(0.01 + rng.next() * 0.2);
      const zp = rng.int(128);
      const x = floats(rng, n, 3);
      // Exact ties (k + 0.5) * scale, huge values, NaN and infinities.
      for (let i = 0; i < n; i += 7) x[i] = Math.fround((rng.int(40) - 20 + 0.5) * scale);
      x[1] = NaN; x[2] = Infinity; x[3] = -Infinity; x[4] = 3e38; x[5] = -3e38;
      const want = new Int8Array(n);
      ref.quantizeU7(x, want, scale, zp);
      for (const resident of [false, true]) {
        const got = bytes(be, new Int8Array(n).fill(-5), resident);
        be.quantizeU7(x, got, scale, zp);
        expectSame(got, want, `quantizeU7 n=${n} zp=${zp}${resident ? ' resident' : ''}`);
      }
      expect(Math.min(...want)).toBeGreaterThanOrEqual(0);
      expect(want[1]).toBe(0);
      expect(want[2]).toBe(127);
      expect(want[3]).toBe(0);
    }
  });

  it('rounds exact ties to even, as ONNX QuantizeLinear does', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => (i % 8) + 0.5);
    const out = new Int8Array(64);
    be.quantizeU7(x, out, 1, 0);
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 2, 2, 4, 4, 6, 6, 8]);
  });

  it('linearU7 matches the reference bit for bit on odd shapes', () => {
    const rng = new Rng(12);
    const shapes = [[1, 16, 4], [3, 17, 5], [2, 31, 1], [7, 33, 9], [5, 784, 64], [33, 64, 10], [9, 100, 13], [64, 15, 3], [2, 1, 300]];
    for (const [m, k, n] of shapes) {
      for (const resident of [false, true]) {
        const zeroPoint = rng.next() < 0.5 ? 0 : rng.int(128);
        const relu = rng.next() < 0.5;
        const x = u7(rng, m * k), w = i8(rng, n * k);
        const mult = floats(rng, n, 1e-3).map(Math.abs);
        const bias = rng.next() < 0.7 ? floats(rng, n) : null;
        const d = { m, k, n, zeroPoint, relu };
        const want = new Float32Array(m * n);
        ref.linearU7(x, w, mult, bias, want, d);
        const got = new Float32Array(m * n).fill(7);
        be.linearU7(bytes(be, x, resident), bytes(be, w, resident), mult, bias, got, d);
        expectSame(got, want, `linearU7 ${JSON.stringify(d)}${resident ? ' resident' : ''}`);
      }
    }
  });

  it('linearU7 keeps exact int32 sums at the extremes (all 127 times -128, k = 1000)', () => {
    const m = 3, k = 1000, n = 5;
    const x = new Int8Array(m * k).fill(127), w = new Int8Array(n * k).fill(-128);
    const mult = new Float32Array(n).fill(1), d = { m, k, n, zeroPoint: 0, relu: false };
    const got = new Float32Array(m * n);
    be.linearU7(x, w, mult, null, got, d);
    expect(Array.from(got)).toEqual(new Array(m * n).fill(127 * -128 * k));
  });

  it('conv2dU7 matches the reference bit for bit: padding, strides, dilations, odd channel counts', () => {
    const rng = new Rng(13);
    const cases: [number[], number[], number | [number, number], Padding, number | [number, number]][] = [
      [[2, 7, 6, 3], [3, 3, 3, 5], 1, 'same', 1],
      [[1, 9, 9, 1], [5, 5, 1, 16], 1, 'valid', 1],
      [[3, 12, 12, 16], [5, 5, 16, 32], 1, 'valid', 1],
      [[2, 8, 11, 5], [3, 2, 5, 7], [2, 3], 'same', 1],
      [[1, 10, 10, 4], [3, 3, 4, 6], 1, 'same', 2],
      [[2, 6, 6, 17], [1, 1, 17, 9], 1, 'valid', 1],
    ];
    for (const [xShape, [kH, kW, inC, outC], strides, padding, dil] of cases) {
      const c: ConvInfo = conv2dInfo(xShape, [kH, kW, inC, outC], strides, padding, dil);
      for (const resident of [false, true]) {
        const zeroPoint = rng.next() < 0.5 ? 0 : rng.int(128);
        const relu = rng.next() < 0.5;
        const x = u7(rng, xShape.reduce((a, b) => a * b, 1)), w = i8(rng, kH * kW * inC * outC);
        const mult = floats(rng, outC, 1e-3).map(Math.abs), bias = rng.next() < 0.7 ? floats(rng, outC) : null;
        const n = c.batch * c.outH * c.outW * c.outC;
        const want = new Float32Array(n);
        ref.conv2dU7(x, w, mult, bias, want, c, zeroPoint, relu);
        const got = new Float32Array(n).fill(7);
        be.conv2dU7(bytes(be, x, resident), bytes(be, w, resident), mult, bias, got, c, zeroPoint, relu);
        expectSame(got, want, `conv2dU7 ${JSON.stringify(c)} zp=${zeroPoint}${resident ? ' resident' : ''}`);
      }
    }
  });
});

describe('wasm int8 kernels with two threads', () => {
  it('split large products across threads and match one thread bit for bit', async () => {
    const one = backend(false, 1);
    const two = backend(false, 2);
    await two.warmUp();
    const rng = new Rng(14);
    const m = 301, k = 784, n = 64;
    const x = u7(rng, m * k), w = i8(rng, n * k), mult = floats(rng, n, 1e-3), bias = floats(rng, n);
    const d = { m, k, n, zeroPoint: 3, relu: true };
    const a = new Float32Array(m * n), b = new Float32Array(m * n);
    one.linearU7(x, w, mult, bias, a, d);
    two.linearU7(x, w, mult, bias, b, d);
    expectSame(b, a, 'linearU7 two threads');
    const c = conv2dInfo([40, 12, 12, 16], [5, 5, 16, 32], 1, 'same');
    const cx = u7(rng, 40 * 12 * 12 * 16), cw = i8(rng, 5 * 5 * 16 * 32), cm = floats(rng, 32, 1e-3);
    const ca = new Float32Array(40 * 12 * 12 * 32), cb = new Float32Array(ca.length);
    one.conv2dU7(cx, cw, cm, null, ca, c, 5, false);
    two.conv2dU7(cx, cw, cm, null, cb, c, 5, false);
    expectSame(cb, ca, 'conv2dU7 two threads');
  });
});
