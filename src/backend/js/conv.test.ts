// The reference conv and pooling kernels checked on their own: TF's padding formulas, hand-computed
// cases, the adjoint identities that tie each backward kernel to its forward, and pooling by formula.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.js';
import { conv2dInfo, convGeometry, depthwiseConv2dInfo, poolInfo, type ConvInfo, type PoolInfo } from '../conv-geometry.js';
import {
  avgPool, avgPoolGrad, conv2d, conv2dBackpropFilter, conv2dBackpropInput, depthwiseConv2d,
  depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput, maxPool, maxPoolGrad,
} from './conv.js';

function randn(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** <a, b> in float64, and the sum of |a_i b_i| that bounds its rounding error. */
function dot(a: Float32Array, b: Float32Array): [number, number] {
  let s = 0, abs = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * b[i];
    abs += Math.abs(a[i] * b[i]);
  }
  return [s, abs];
}

function outLen(c: ConvInfo): number {
  return c.batch * c.outH * c.outW * c.outC;
}

function inLen(c: ConvInfo): number {
  return c.batch * c.inH * c.inW * c.inC;
}

const f32 = (v: number[]) => Float32Array.from(v);

describe('convGeometry', () => {
  it("matches TF's documented 'same' padding rule (pad = max(k - s, 0) or max(k - in % s, 0))", () => {
    for (let inSize = 1; inSize <= 20; inSize++) {
      for (let k = 1; k <= 7; k++) {
        for (let s = 1; s <= 4; s++) {
          for (let d = 1; d <= 3; d++) {
            const span = (k - 1) * d + 1;
            const total = inSize % s === 0 ? Math.max(span - s, 0) : Math.max(span - (inSize % s), 0);
            expect(convGeometry(inSize, k, s, d, 'same')).toEqual({ out: Math.ceil(inSize / s), padBefore: Math.floor(total / 2) });
            if (span <= inSize) {
              // 'valid': the number of window positions inside the input, counted directly.
              let count = 0;
              for (let start = 0; start + span <= inSize; start += s) count++;
              expect(convGeometry(inSize, k, s, d, 'valid')).toEqual({ out: count, padBefore: 0 });
            }
          }
        }
      }
    }
  });

  it('gives the MNIST CNN shapes and rejects a kernel larger than a valid input', () => {
    expect(conv2dInfo([64, 28, 28, 1], [3, 3, 1, 16], 1, 'valid')).toMatchObject({ outH: 26, outW: 26, outC: 16 });
    expect(poolInfo([64, 26, 26, 16], 2, 2)).toMatchObject({ outH: 13, outW: 13 });
    expect(poolInfo([64, 11, 11, 32], 2)).toMatchObject({ outH: 5, outW: 5 });
    expect(conv2dInfo([1, 5, 7, 2], [3, 3, 2, 4], [2, 3], 'same')).toMatchObject({ outH: 3, outW: 3, padTop: 1, padLeft: 1 });
    expect(conv2dInfo([1, 5, 5, 2], [3, 3, 2, 4], 1, [[2, 0], [1, 1]])).toMatchObject({ outH: 5, outW: 5, padTop: 2, padLeft: 1 });
    expect(depthwiseConv2dInfo([2, 9, 9, 3], [3, 3, 3, 2], 1, 'valid', 2)).toMatchObject({ outH: 5, outC: 6, dilationH: 2 });
    expect(() => convGeometry(4, 5, 1, 1, 'valid')).toThrow(/does not fit/);
    expect(() => conv2dInfo([1, 5, 5, 2], [3, 3, 3, 4], 1, 'valid')).toThrow(/2 channels/);
    expect(() => conv2d(new Float32Array(3), new Float32Array(4), new Float32Array(4), conv2dInfo([1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid'))).toThrow(/input has 3 elements/);
  });
});

describe('hand-computed cases', () => {
  const x9 = f32([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const c = conv2dInfo([1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid');

  it('conv2d and both backward passes', () => {
    const out = new Float32Array(4);
    conv2d(x9, f32([1, 2, 3, 4]), out, c);
    expect(Array.from(out)).toEqual([37, 47, 67, 77]);
    const dx = new Float32Array(9);
    conv2dBackpropInput(f32([1, 0, 0, 2]), f32([1, 2, 3, 4]), dx, c);
    expect(Array.from(dx)).toEqual([1, 2, 0, 3, 4 + 2, 4, 0, 6, 8]);
    const dw = new Float32Array(4);
    conv2dBackpropFilter(x9, f32([1, 0, 0, 1]), dw, c);
    expect(Array.from(dw)).toEqual([1 + 5, 2 + 6, 4 + 8, 5 + 9]);
  });

  it("conv2d with 'same' padding, stride 2 and two channels in and out", () => {
    // x 1x3x3x2: channel 0 = 1..9, channel 1 = 10 * that. 'same', k 2, s 2: out 2x2, pad total 1 -> padTop 0.
    const x = new Float32Array(18);
    for (let i = 0; i < 9; i++) [x[2 * i], x[2 * i + 1]] = [i + 1, 10 * (i + 1)];
    const info = conv2dInfo([1, 3, 3, 2], [2, 2, 2, 2], 2, 'same');
    expect(info).toMatchObject({ outH: 2, outW: 2, padTop: 0, padLeft: 0 });
    // Filter: out channel 0 sums channel 0 over the window; out channel 1 takes channel 1 at the window's top-left.
    const w = new Float32Array(16);
    for (let tap = 0; tap < 4; tap++) w[tap * 4 + 0] = 1;
    w[0 * 4 + 1 * 2 + 1] = 1;
    const out = new Float32Array(8);
    conv2d(x, w, out, info);
    expect(Array.from(out)).toEqual([1 + 2 + 4 + 5, 10, 3 + 6, 30, 7 + 8, 70, 9, 90]);
  });

  it('depthwiseConv2d and its backward passes (multiplier 2, output channel ic * 2 + m)', () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7, 8]); // 1x2x2x2
    const info = depthwiseConv2dInfo([1, 2, 2, 2], [1, 1, 2, 2], 1, 'valid');
    const w = f32([10, 20, 30, 40]); // [1, 1, ic, m]
    const out = new Float32Array(16);
    depthwiseConv2d(x, w, out, info);
    expect(Array.from(out.subarray(0, 4))).toEqual([10, 20, 60, 80]);
    const dx = new Float32Array(8);
    depthwiseConv2dBackpropInput(f32([1, 1, 1, 0, ...new Array(12).fill(0)]), w, dx, info);
    expect(Array.from(dx.subarray(0, 2))).toEqual([30, 30]);
    const dw = new Float32Array(4);
    depthwiseConv2dBackpropFilter(x, f32(new Array(16).fill(1)), dw, info);
    expect(Array.from(dw)).toEqual([16, 16, 20, 20]);
  });

  it('maxPool, avgPool and their gradients', () => {
    const x = f32([1, 5, 2, 0, 3, 4, 7, 7, 9, 1, 0, 2, 1, 1, 3, 8]); // 1x4x4x1
    const p = poolInfo([1, 4, 4, 1], 2);
    const out = new Float32Array(4);
    maxPool(x, out, p);
    expect(Array.from(out)).toEqual([5, 7, 9, 8]);
    const dx = new Float32Array(16);
    maxPoolGrad(x, f32([1, 2, 3, 4]), dx, p);
    // Window 2 holds 7, 7: the first (row-major) one gets the gradient.
    expect(Array.from(dx)).toEqual([0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 4]);
    avgPool(x, out, p);
    expect(Array.from(out)).toEqual([13 / 4, 16 / 4, 12 / 4, 13 / 4]);
    avgPoolGrad(f32([4, 8, 12, 16]), dx, p);
    expect(Array.from(dx)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it("avgPool 'same' excludes padding from the count; maxPool padding never wins", () => {
    const x = f32([-1, -2, -3, -4, -5, -6, -7, -8, -9]); // 1x3x3x1
    const p = poolInfo([1, 3, 3, 1], 2, 2, 'same'); // out 2x2, padding after only
    const out = new Float32Array(4);
    avgPool(x, out, p);
    expect(Array.from(out)).toEqual([-12 / 4, -9 / 2, -15 / 2, -9]);
    maxPool(x, out, p);
    expect(Array.from(out)).toEqual([-1, -3, -7, -9]);
    const q = poolInfo([1, 3, 3, 1], 3, 1, 'same'); // padding on every side
    const dx = new Float32Array(9);
    maxPoolGrad(x, f32(new Array(9).fill(1)), dx, q);
    expect(Array.from(dx)).toEqual([4, 2, 0, 2, 1, 0, 0, 0, 0]);
  });
});

/** Random geometry: odd sizes, strides 1-3, dilations 1-2, valid/same, 1-2 images. */
function randomConv(rng: Rng, depthwise: boolean): ConvInfo {
  for (;;) {
    const inH = 1 + rng.int(8), inW = 1 + rng.int(8), inC = 1 + rng.int(4);
    const kH = 1 + rng.int(3), kW = 1 + rng.int(3);
    const strides: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    const dil: [number, number] = [1 + rng.int(2), 1 + rng.int(2)];
    const padding = rng.next() < 0.5 ? 'same' : 'valid';
    const out = depthwise ? 1 + rng.int(2) : 1 + rng.int(4);
    try {
      const make = depthwise ? depthwiseConv2dInfo : conv2dInfo;
      return make([1 + rng.int(2), inH, inW, inC], [kH, kW, inC, out], strides, padding, dil);
    } catch {
      // The kernel did not fit with 'valid' padding: draw again.
    }
  }
}

function expectAdjoint(a: [number, number], b: [number, number], what: string): void {
  expect(Math.abs(a[0] - b[0]), what).toBeLessThanOrEqual(1e-5 * (a[1] + b[1]) + 1e-9);
}

describe('adjoint identities', () => {
  it('<conv2d(x, w), dy> = <x, backpropInput(dy, w)> = <w, backpropFilter(x, dy)>', () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 80; trial++) {
      const c = randomConv(rng, false);
      const x = randn(rng, inLen(c)), w = randn(rng, c.kH * c.kW * c.inC * c.outC), dy = randn(rng, outLen(c));
      const y = new Float32Array(outLen(c)), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
      conv2d(x, w, y, c);
      conv2dBackpropInput(dy, w, dx, c);
      conv2dBackpropFilter(x, dy, dw, c);
      expectAdjoint(dot(y, dy), dot(x, dx), `input ${JSON.stringify(c)}`);
      expectAdjoint(dot(y, dy), dot(w, dw), `filter ${JSON.stringify(c)}`);
    }
  });

  it('depthwise: the same identities', () => {
    const rng = new Rng(22);
    for (let trial = 0; trial < 60; trial++) {
      const c = randomConv(rng, true);
      const x = randn(rng, inLen(c)), w = randn(rng, c.kH * c.kW * c.outC), dy = randn(rng, outLen(c));
      const y = new Float32Array(outLen(c)), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
      depthwiseConv2d(x, w, y, c);
      depthwiseConv2dBackpropInput(dy, w, dx, c);
      depthwiseConv2dBackpropFilter(x, dy, dw, c);
      expectAdjoint(dot(y, dy), dot(x, dx), `input ${JSON.stringify(c)}`);
      expectAdjoint(dot(y, dy), dot(w, dw), `filter ${JSON.stringify(c)}`);
    }
  });

  it('avgPool: <avgPool(x), dy> = <x, avgPoolGrad(dy)>', () => {
    const rng = new Rng(23);
    for (let trial = 0; trial < 60; trial++) {
      const p = randomPool(rng);
      const x = randn(rng, p.batch * p.inH * p.inW * p.channels), dy = randn(rng, p.batch * p.outH * p.outW * p.channels);
      const y = new Float32Array(dy.length), dx = new Float32Array(x.length);
      avgPool(x, y, p);
      avgPoolGrad(dy, dx, p);
      expectAdjoint(dot(y, dy), dot(x, dx), JSON.stringify(p));
    }
  });
});

function randomPool(rng: Rng): PoolInfo {
  for (;;) {
    const k: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    const s: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    try {
      return poolInfo([1 + rng.int(2), 1 + rng.int(7), 1 + rng.int(7), 1 + rng.int(5)], k, s, rng.next() < 0.5 ? 'same' : 'valid');
    } catch {
      // Did not fit: draw again.
    }
  }
}

describe('pooling against its formula', () => {
  it('maxPool = max and avgPool = mean over the in-bounds window; maxPoolGrad routes dy to that maximum', () => {
    const rng = new Rng(24);
    for (let trial = 0; trial < 60; trial++) {
      const p = randomPool(rng);
      // Small integers so windows often tie.
      const x = randn(rng, p.batch * p.inH * p.inW * p.channels).map((v) => Math.round(v * 2) + 0);
      const mx = new Float32Array(p.batch * p.outH * p.outW * p.channels), av = mx.slice();
      maxPool(x, mx, p);
      avgPool(x, av, p);
      const dy = randn(rng, mx.length);
      const dx = new Float32Array(x.length);
      maxPoolGrad(x, dy, dx, p);
      const wantDx = new Float64Array(x.length);
      const at = (b: number, y: number, xx: number, ch: number) => ((b * p.inH + y) * p.inW + xx) * p.channels + ch;
      for (let b = 0; b < p.batch; b++) for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) for (let ch = 0; ch < p.channels; ch++) {
        const y0 = Math.max(0, oy * p.strideH - p.padTop), y1 = Math.min(p.inH, oy * p.strideH - p.padTop + p.kH);
        const x0 = Math.max(0, ox * p.strideW - p.padLeft), x1 = Math.min(p.inW, ox * p.strideW - p.padLeft + p.kW);
        const cells: number[] = [];
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) cells.push(at(b, y, xx, ch));
        const o = ((b * p.outH + oy) * p.outW + ox) * p.channels + ch;
        const values = cells.map((i) => x[i]);
        expect(mx[o]).toBe(Math.max(...values));
        expect(av[o]).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 5);
        wantDx[cells[values.indexOf(Math.max(...values))]] += dy[o];
      }
      for (let i = 0; i < x.length; i++) expect(dx[i]).toBeCloseTo(wantDx[i], 5);
    }
  });

  it('maxPool propagates NaN and sends its gradient to the first NaN', () => {
    const x = f32([1, NaN, 3, NaN]);
    const p = poolInfo([1, 2, 2, 1], 2);
    const out = new Float32Array(1);
    maxPool(x, out, p);
    expect(out[0]).toBeNaN();
    const dx = new Float32Array(4);
    maxPoolGrad(x, f32([5]), dx, p);
    expect(Array.from(dx)).toEqual([0, 5, 0, 0]);
  });
});
