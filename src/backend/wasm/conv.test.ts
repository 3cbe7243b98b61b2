// The wasm conv and pooling kernels against the reference on seeded random shapes: odd sizes and
// channel counts, strides, dilations, 'same'/'valid', conv1d (H = 1), resident and ordinary
// operands; plain and relaxed SIMD; two threads bit for bit equal to one on large cases.

import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.js';
import { conv2dInfo, depthwiseConv2dInfo, poolInfo, type ConvInfo, type Padding, type PoolInfo } from '../conv-geometry.js';
import * as ref from '../js/conv.js';
import { createWasmBackend, type WasmBackend } from './index.js';
import { relaxedSimdSupported } from './runtime.js';

// Node 20 gates relaxed SIMD behind a V8 flag; enable it so the relaxed kernels are tested too.
setFlagsFromString('--experimental-wasm-relaxed-simd');

type ConvFn = (a: Float32Array, b: Float32Array, out: Float32Array, c: ConvInfo) => void;
type Kind = 'conv' | 'depthwise';

function randn(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

const abs = (a: Float32Array) => a.map(Math.abs);

/** got within 2e-6 * sqrt(terms) of want, relative to the sum of |terms| of each element (float32 accumulation). */
function expectClose(got: Float32Array, want: Float32Array, scale: Float32Array, terms: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  const r = 2e-6 * Math.sqrt(terms + 1);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= r * (scale[i] + 1e-6)) && !Object.is(got[i], want[i])) {
      throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
    }
  }
}

const sizes = (c: ConvInfo, kind: Kind) => ({
  x: c.batch * c.inH * c.inW * c.inC,
  w: c.kH * c.kW * (kind === 'conv' ? c.inC * c.outC : c.outC),
  y: c.batch * c.outH * c.outW * c.outC,
});

/** Operand arrays, resident in the backend's memory or ordinary. */
function operand(be: WasmBackend, data: Float32Array | number, resident: boolean): Float32Array {
  const n = typeof data === 'number' ? data : data.length;
  const out = resident ? be.allocFloat32(n) : new Float32Array(n);
  if (typeof data !== 'number') out.set(data);
  return out;
}

/** Runs the three kernels of a conv (forward, input gradient, filter gradient) on both backends and compares. */
function checkConv(be: WasmBackend, rng: Rng, c: ConvInfo, kind: Kind, resident: boolean): void {
  const n = sizes(c, kind);
  const x = randn(rng, n.x), w = randn(rng, n.w), dy = randn(rng, n.y);
  const taps = c.kH * c.kW * (kind === 'conv' ? c.inC : 1);
  const fns: [string, ConvFn, ConvFn, Float32Array, Float32Array, number, number][] = kind === 'conv'
    ? [
      ['conv2d', ref.conv2d, be.conv.conv2d.bind(be.conv), x, w, n.y, taps],
      ['conv2dBackpropInput', ref.conv2dBackpropInput, be.conv.conv2dBackpropInput.bind(be.conv), dy, w, n.x, c.outC * c.kH * c.kW],
      ['conv2dBackpropFilter', ref.conv2dBackpropFilter, be.conv.conv2dBackpropFilter.bind(be.conv), x, dy, n.w, c.batch * c.outH * c.outW],
    ]
    : [
      ['depthwiseConv2d', ref.depthwiseConv2d, be.conv.depthwiseConv2d.bind(be.conv), x, w, n.y, taps],
      ['depthwiseConv2dBackpropInput', ref.depthwiseConv2dBackpropInput, be.conv.depthwiseConv2dBackpropInput.bind(be.conv), dy, w, n.x, c.outC * c.kH * c.kW],
      ['depthwiseConv2dBackpropFilter', ref.depthwiseConv2dBackpropFilter, be.conv.depthwiseConv2dBackpropFilter.bind(be.conv), x, dy, n.w, c.batch * c.outH * c.outW],
    ];
  for (const [name, refFn, fn, a, b, outLen, terms] of fns) {
    const want = new Float32Array(outLen), scale = new Float32Array(outLen);
    refFn(a, b, want, c);
    refFn(abs(a), abs(b), scale, c);
    // Stale values in the output must be overwritten.
    const got = operand(be, randn(rng, outLen), resident);
    fn(operand(be, a, resident), operand(be, b, resident), got, c);
    expectClose(got, want, scale, terms, `${name} ${resident ? 'resident ' : ''}${JSON.stringify(c)}`);
  }
}

function checkPool(be: WasmBackend, rng: Rng, p: PoolInfo, resident: boolean): void {
  const nx = p.batch * p.inH * p.inW * p.channels, ny = p.batch * p.outH * p.outW * p.channels;
  // Small integers so windows tie (first-maximum rule), with a NaN now and then.
  const x = randn(rng, nx).map((v) => Math.round(v * 2) + 0);
  if (nx > 3 && rng.next() < 0.3) x[rng.int(nx)] = NaN;
  const dy = randn(rng, ny);
  const what = `${resident ? 'resident ' : ''}${JSON.stringify(p)}`;
  for (const [name, fwd] of [['maxPool', true], ['avgPool', false]] as const) {
    const want = new Float32Array(ny);
    (fwd ? ref.maxPool : ref.avgPool)(x, want, p);
    const got = operand(be, randn(rng, ny), resident);
    (fwd ? be.conv.maxPool : be.conv.avgPool).call(be.conv, operand(be, x, resident), got, p);
    if (fwd) expect(Array.from(got), `${name} ${what}`).toEqual(Array.from(want));
    else expectClose(got, want, abs(want), p.kH * p.kW, `${name} ${what}`);
  }
  const want = new Float32Array(nx), scale = new Float32Array(nx);
  ref.maxPoolGrad(x, dy, want, p);
  ref.maxPoolGrad(x, abs(dy), scale, p);
  let got = operand(be, randn(rng, nx), resident);
  be.conv.maxPoolGrad(operand(be, x, resident), operand(be, dy, resident), got, p);
  expectClose(got, want, scale, p.kH * p.kW, `maxPoolGrad ${what}`);
  ref.avgPoolGrad(dy, want, p);
  ref.avgPoolGrad(abs(dy), scale, p);
  got = operand(be, randn(rng, nx), resident);
  be.conv.avgPoolGrad(operand(be, dy, resident), got, p);
  expectClose(got, want, scale, p.kH * p.kW, `avgPoolGrad ${what}`);
}

const CHANNELS = [1, 3, 5, 7, 8, 16];

/** A random conv: odd sizes, channels not multiples of 4, strides 1-3, dilations 1-3, same/valid, H = 1 sometimes. */
function randomConv(rng: Rng, kind: Kind): ConvInfo {
  for (;;) {
    const conv1d = rng.next() < 0.2;
    const inH = conv1d ? 1 : 1 + rng.int(11), inW = 1 + rng.int(13);
    const inC = CHANNELS[rng.int(CHANNELS.length)];
    const kH = conv1d ? 1 : 1 + rng.int(4), kW = 1 + rng.int(5);
    const strides: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    const dil: [number, number] = rng.next() < 0.3 ? [1 + rng.int(3), 1 + rng.int(3)] : [1, 1];
    const padding: Padding = rng.next() < 0.5 ? 'same' : 'valid';
    const out = kind === 'conv' ? [1, 3, 5, 7, 8, 9, 17][rng.int(7)] : 1 + rng.int(3);
    const batch = [1, 1, 2, 3][rng.int(4)];
    try {
      return (kind === 'conv' ? conv2dInfo : depthwiseConv2dInfo)([batch, inH, inW, inC], [kH, kW, inC, out], strides, padding, dil);
    } catch {
      // The kernel did not fit with 'valid' padding: draw again.
    }
  }
}

function randomPool(rng: Rng): PoolInfo {
  for (;;) {
    const inH = rng.next() < 0.2 ? 1 : 1 + rng.int(12);
    const k: [number, number] = [inH === 1 ? 1 : 1 + rng.int(3), 1 + rng.int(4)];
    const s: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    try {
      return poolInfo([[1, 2, 3][rng.int(3)], inH, 1 + rng.int(12), CHANNELS[rng.int(CHANNELS.length)]], k, s, rng.next() < 0.5 ? 'same' : 'valid');
    } catch {
      // Did not fit: draw again.
    }
  }
}

const configs: { name: string; relaxed: boolean }[] = [{ name: 'simd', relaxed: false }];
if (relaxedSimdSupported()) configs.push({ name: 'relaxed simd', relaxed: true });

const made: WasmBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

describe.each(configs)('wasm conv and pooling ($name, 1 thread)', ({ relaxed }) => {
  const be = createWasmBackend({ threads: 1, relaxedSimd: relaxed })!;
  made.push(be);

  it('conv2d and its gradients match the reference on random shapes', () => {
    const rng = new Rng(31);
    for (let trial = 0; trial < 60; trial++) checkConv(be, rng, randomConv(rng, 'conv'), 'conv', trial % 3 === 0);
  });

  it('conv2d on the MNIST CNN shapes, 1x1 convs, explicit padding and conv1d', () => {
    const rng = new Rng(32);
    const cases: [number[], number[], number | [number, number], Padding, number?][] = [
      [[2, 28, 28, 1], [3, 3, 1, 16], 1, 'valid'], [[2, 13, 13, 16], [3, 3, 16, 32], 1, 'valid'], [[3, 5, 5, 32], [3, 3, 32, 32], 1, 'valid'],
      [[2, 9, 7, 12], [1, 1, 12, 20], 1, 'valid'], [[1, 9, 7, 13], [1, 1, 13, 6], 2, 'same'], [[1, 28, 28, 1], [9, 9, 1, 8], 1, 'same'],
      [[2, 6, 6, 3], [3, 3, 3, 4], 1, [[2, 1], [0, 3]]], [[3, 1, 50, 7], [1, 5, 7, 11], 1, 'same', 2], [[1, 1, 40, 9], [1, 3, 9, 5], 3, 'valid'],
      [[1, 4, 300, 2], [3, 3, 2, 3], 1, 'valid'], [[2, 5, 5, 1], [5, 5, 1, 1], 1, 'valid'],
      // Few input channels, stride 1: the gathered input gradient (also dilated, conv1d, 'same').
      [[2, 12, 11, 3], [3, 3, 3, 8], 1, 'same', 2], [[3, 1, 40, 2], [1, 5, 2, 4], 1, 'same'], [[1, 9, 9, 4], [2, 3, 4, 12], 1, [[1, 2], [0, 1]]],
    ];
    for (const [xs, ws, s, pad, d] of cases) {
      for (const resident of [false, true]) checkConv(be, rng, conv2dInfo(xs, ws, s, pad, d ?? 1), 'conv', resident);
    }
  });

  it('depthwiseConv2d and its gradients match the reference (multipliers 1-3)', () => {
    const rng = new Rng(33);
    for (let trial = 0; trial < 50; trial++) checkConv(be, rng, randomConv(rng, 'depthwise'), 'depthwise', trial % 3 === 0);
  });

  it('maxPool, avgPool and their gradients match the reference, ties and NaN included', () => {
    const rng = new Rng(34);
    for (let trial = 0; trial < 60; trial++) checkPool(be, rng, randomPool(rng), trial % 3 === 0);
    checkPool(be, rng, poolInfo([3, 26, 26, 16], 2, 2), false);
    checkPool(be, rng, poolInfo([2, 11, 11, 32], 2, 2), true);
  });

  it('rejects operands whose sizes do not match the geometry', () => {
    const c = conv2dInfo([1, 5, 5, 2], [3, 3, 2, 4], 1, 'valid');
    expect(() => be.conv.conv2d(new Float32Array(50), new Float32Array(72), new Float32Array(35), c)).toThrow(/output has 35 elements/);
    expect(() => be.conv.maxPool(new Float32Array(3), new Float32Array(1), poolInfo([1, 2, 2, 1], 2))).toThrow(/maxPool/);
  });
});

describe('wasm conv with two threads', () => {
  it('splits large convs and pools across threads and matches one thread bit for bit', async () => {
    const one = createWasmBackend({ threads: 1 })!;
    const two = createWasmBackend({ threads: 2 })!;
    made.push(one, two);
    await two.warmUp();
    const rng = new Rng(35);
    const convs: [Kind, ConvInfo][] = [
      ['conv', conv2dInfo([6, 13, 13, 16], [3, 3, 16, 32], 1, 'valid')],
      ['conv', conv2dInfo([5, 28, 28, 1], [3, 3, 1, 16], 1, 'same')],
      ['conv', conv2dInfo([3, 15, 17, 7], [3, 3, 7, 33], 2, 'same', 1)],
      ['conv', conv2dInfo([64, 5, 5, 32], [3, 3, 32, 32], 1, 'valid')],
      ['depthwise', depthwiseConv2dInfo([7, 30, 30, 32], [3, 3, 32, 1], 1, 'same')],
    ];
    for (const [kind, c] of convs) {
      const n = sizes(c, kind);
      const x = randn(rng, n.x), w = randn(rng, n.w), dy = randn(rng, n.y);
      const run = (be: WasmBackend) => {
        const y = new Float32Array(n.y), dx = new Float32Array(n.x), dw = new Float32Array(n.w);
        if (kind === 'conv') {
          be.conv.conv2d(x, w, y, c);
          be.conv.conv2dBackpropInput(dy, w, dx, c);
          be.conv.conv2dBackpropFilter(x, dy, dw, c);
        } else {
          be.conv.depthwiseConv2d(x, w, y, c);
          be.conv.depthwiseConv2dBackpropInput(dy, w, dx, c);
          be.conv.depthwiseConv2dBackpropFilter(x, dy, dw, c);
        }
        return [y, dx, dw].map((a) => Array.from(a));
      };
      expect(run(two), JSON.stringify(c)).toEqual(run(one));
    }
    checkConv(two, rng, conv2dInfo([4, 13, 13, 16], [3, 3, 16, 32], 1, 'same'), 'conv', true);
    for (const p of [poolInfo([9, 26, 26, 16], 2, 2), poolInfo([5, 24, 24, 13], 3, 2, 'same')]) {
      const x = randn(rng, p.batch * p.inH * p.inW * p.channels), dy = randn(rng, p.batch * p.outH * p.outW * p.channels);
      const run = (be: WasmBackend) => {
        const y = new Float32Array(dy.length), a = new Float32Array(dy.length), dx = new Float32Array(x.length), da = new Float32Array(x.length);
        be.conv.maxPool(x, y, p);
        be.conv.avgPool(x, a, p);
        be.conv.maxPoolGrad(x, dy, dx, p);
        be.conv.avgPoolGrad(dy, da, p);
        return [y, a, dx, da].map((v) => Array.from(v));
      };
      expect(run(two), JSON.stringify(p)).toEqual(run(one));
      checkPool(two, rng, p, false);
    }
  });
});
