// The wasm backend's convolution and pooling kernels: convs as implicit GEMMs (SIMD tiles read
// windows straight from a padded input, no im2col matrix), depthwise conv and pooling as direct
// SIMD loops over the contiguous channel axis; large calls split across the worker threads.
// Same functions and semantics as src/backend/js/conv.ts, the reference they are tested against.

import { checkConvOperands, checkPoolOperands, type ConvInfo, type PoolInfo } from '../conv-geometry.js';
import type { WasmBackend } from './index.js';
import type { KernelExports, WasmRuntime } from './runtime.js';

/** The conv and pooling exports of kernels.as (pointers are byte offsets into the arena memory). */
interface ConvExports extends KernelExports {
  copyWindow(src: number, srcH: number, srcW: number, dst: number, dstH: number, dstW: number, ch: number, offY: number, offX: number, batch: number): void;
  convForward(prm: number, p0: number, p1: number, table: number): void;
  convDotForward(prm: number, p0: number, p1: number, wt: number, table: number): void;
  packConvChunks(prm: number, wt: number, desc: number, offs: number, spanning: number): void;
  convBackpropInput(prm: number, p0: number, p1: number, wt: number, desc: number, chunks: number, table: number): void;
  convBackpropFilter(prm: number, p0: number, p1: number, dw: number, table: number): void;
  sumParts(src: number, parts: number, n: number, dst: number): void;
  filterSlabs(kind: number, prm: number, bounds: number, s0: number, s1: number, partials: number, outFloats: number, table: number): void;
  repeatChannels(x: number, n: number, inC: number, mult: number, dst: number): void;
  sumChannelGroups(src: number, n: number, inC: number, mult: number, dst: number): void;
  depthwiseForward(prm: number, p0: number, p1: number, table: number): void;
  depthwiseBackpropInput(prm: number, p0: number, p1: number, taps: number): void;
  depthwiseBackpropFilter(prm: number, p0: number, p1: number, dw: number, table: number): void;
  maxPool(prm: number, p0: number, p1: number): void;
  maxPoolGrad(prm: number, p0: number, p1: number): void;
  avgPool(prm: number, p0: number, p1: number): void;
  avgPoolGrad(prm: number, p0: number, p1: number): void;
}

/** Multiply-adds per extra thread before a conv is split (~50 us of work at 40 GFLOP/s). */
const MACS_PER_THREAD = 1 << 20;
/** Window cells read per extra thread before a pooling call is split (memory-bound: far less work per cell). */
const POOL_CELLS_PER_THREAD = 1 << 16;
/** Multiply-adds per partial sum of a filter gradient; at most MAX_SLABS partials, fixed by shape (not threads). */
const MACS_PER_SLAB = 1 << 20;
const MAX_SLABS = 4;
/** Must match CONV_BLOCK, FILTER_BLOCK and DOT_BLOCK in kernels.as (pixels per block of the forward and filter-gradient kernels). */
const CONV_BLOCK = 32;
const FILTER_BLOCK = 128;
const DOT_BLOCK = 30;

/** How an operand reaches the kernels: where it lives in wasm memory, and whether it must be copied out. */
interface Operand {
  ptr: number;
  copyBack: Float32Array | null;
}

/** A depthwise conv as the kernels see it: multiplier 1 over outC (input channels repeated). */
function flatDepthwise(c: ConvInfo): ConvInfo {
  return { ...c, inC: c.outC };
}

/** Splits [0, n) into `parts` ranges with boundaries on multiples of `grain` (the last takes the rest). */
export function split(n: number, parts: number, grain: number): [number, number][] {
  const chunks = Math.ceil(n / grain);
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) {
    const a = Math.round((chunks * t) / parts) * grain;
    const b = t === parts - 1 ? n : Math.round((chunks * (t + 1)) / parts) * grain;
    if (b > a) out.push([a, Math.min(b, n)]);
  }
  return out;
}

/** Convolution and pooling on a WasmBackend's memory and worker threads. */
export class WasmConv {
  private readonly rt: WasmRuntime;
  private readonly k: ConvExports;

  constructor(private readonly be: WasmBackend) {
    this.rt = be.rt;
    this.k = be.rt.exports as ConvExports;
  }

  /** out = conv2d(x, w): x [batch, inH, inW, inC], w [kH, kW, inC, outC], out [batch, outH, outW, outC]. */
  conv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
    checkConvOperands('conv2d', c, x.length, w.length, out.length, false);
    if (out.length === 0) return;
    if (x.length === 0) {
      out.fill(0);
      return;
    }
    this.rt.reset();
    const px = this.paddedInput(this.rt.put(x), c);
    const o = this.output(out);
    const prm = this.params(c, px.h, px.w, px.ptr, this.rt.put(w), o.ptr, 0);
    const pixels = c.batch * c.outH * c.outW;
    const ranges = split(pixels, this.partsFor(pixels * c.outC * c.kH * c.kW * c.inC), 4);
    this.parallel('convForward', ranges.map(([a, b]) => [prm, a, b, this.rt.alloc(CONV_BLOCK + 4 + c.kH * c.kW * c.inC)]));
    this.finish(o);
  }

  /** dx = the gradient of conv2d in x, given dy [batch, outH, outW, outC] and w. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
    checkConvOperands('conv2dBackpropInput', c, dx.length, w.length, dy.length, false);
    if (dx.length === 0) return;
    if (dy.length === 0) {
      dx.fill(0);
      return;
    }
    const rt = this.rt;
    rt.reset();
    if (this.gatherInputGradient(dy, w, dx, c)) return;
    const pdy = rt.put(dy);
    const pw = rt.put(w);
    const { h, w: wd, padded } = this.paddedSize(c);
    const o = this.output(dx);
    // Scatter into a padded gradient when windows reach outside the input, then crop it.
    const target = padded ? rt.alloc(c.batch * h * wd * c.inC) : o.ptr;
    const prm = this.params(c, h, wd, 0, pw, target, pdy);
    // Chunks of 8 window elements: pieces of runs (vector adds), or across runs when runs are short.
    const K = c.kH * c.kW * c.inC;
    const runLen = c.dilationW === 1 ? c.kW * c.inC : c.inC;
    const runChunks = (K / runLen) * Math.ceil(runLen / 8);
    const spanning = runChunks > 1.25 * Math.ceil(K / 8);
    const chunks = spanning ? Math.ceil(K / 8) : runChunks;
    const wt = rt.alloc(chunks * c.outC * 8), desc = rt.alloc(chunks * 4), offs = rt.alloc(K);
    this.k.packConvChunks(prm, wt, desc, offs, spanning ? 1 : 0);
    const parts = split(c.batch, Math.min(c.batch, this.partsFor(dy.length * w.length / c.outC)), 1);
    const pix = c.outH * c.outW;
    this.parallel('convBackpropInput', parts.map(([a, b]) => [prm, a * pix, b * pix, wt, desc, chunks, rt.alloc(CONV_BLOCK + 4)]));
    if (padded) this.k.copyWindow(target, h, wd, o.ptr, c.inH, c.inW, c.inC, c.padTop, c.padLeft, c.batch);
    this.finish(o);
  }

  /**
   * The input gradient of a stride-1 conv with few input channels (such as an image CNN's first
   * layer), gathered instead of scattered: a conv of dy, padded so every window lies inside, with
   * the filter flipped and transposed, vectorised along dy's channels. Returns false when the
   * shape does not suit it (the scatter kernel then runs).
   */
  private gatherInputGradient(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): boolean {
    const runLen = c.dilationW === 1 ? c.kW * c.outC : c.outC;
    if (c.strideH !== 1 || c.strideW !== 1 || c.inC > 4 || runLen % 4 !== 0) return false;
    const rt = this.rt;
    const h = c.inH + (c.kH - 1) * c.dilationH, wd = c.inW + (c.kW - 1) * c.dilationW;
    const dyPad = rt.alloc(c.batch * h * wd * c.outC);
    this.k.copyWindow(rt.put(dy), c.outH, c.outW, dyPad, h, wd, c.outC, c.padTop - (c.kH - 1) * c.dilationH, c.padLeft - (c.kW - 1) * c.dilationW, c.batch);
    // wt[ic, ky, kx, oc] = w[kH-1-ky, kW-1-kx, ic, oc]: one row of K = kH*kW*outC per input channel.
    const taps = c.kH * c.kW, K = taps * c.outC;
    const wt = rt.alloc(c.inC * K);
    const view = rt.view(), base = wt >> 2;
    for (let ic = 0; ic < c.inC; ic++) {
      for (let t = 0; t < taps; t++) view.set(w.subarray((t * c.inC + ic) * c.outC, (t * c.inC + ic + 1) * c.outC), base + ic * K + (taps - 1 - t) * c.outC);
    }
    const o = this.output(dx);
    const gather: ConvInfo = { ...c, inC: c.outC, outC: c.inC, outH: c.inH, outW: c.inW };
    const prm = this.params(gather, h, wd, dyPad, 0, o.ptr, 0);
    const pixels = c.batch * c.inH * c.inW;
    const ranges = split(pixels, this.partsFor(pixels * K * c.inC), 6);
    this.parallel('convDotForward', ranges.map(([a, b]) => [prm, a, b, wt, rt.alloc(DOT_BLOCK + 6)]));
    this.finish(o);
    return true;
  }

  /** dw = the gradient of conv2d in w, given x and dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
    checkConvOperands('conv2dBackpropFilter', c, x.length, dw.length, dy.length, false);
    if (dw.length === 0) return;
    const pixels = c.batch * c.outH * c.outW;
    const rt = this.rt;
    rt.reset();
    const px = this.paddedInput(rt.put(x), c);
    const pdy = rt.put(dy);
    const o = this.output(dw);
    const prm = this.params(c, px.h, px.w, px.ptr, 0, 0, pdy);
    this.slabbed(0, prm, pixels, dw.length, pixels * dw.length, o.ptr);
    this.finish(o);
  }

  /** out = depthwiseConv2d(x, w): w [kH, kW, inC, multiplier], output channel ic * multiplier + m. */
  depthwiseConv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
    checkConvOperands('depthwiseConv2d', c, x.length, w.length, out.length, true);
    if (out.length === 0) return;
    this.rt.reset();
    const flat = flatDepthwise(c);
    const px = this.paddedInput(this.repeatChannels(this.rt.put(x), c), flat);
    const o = this.output(out);
    const prm = this.params(flat, px.h, px.w, px.ptr, this.rt.put(w), o.ptr, 0);
    const pixels = c.batch * c.outH * c.outW;
    const ranges = split(pixels, this.partsFor(out.length * c.kH * c.kW), 4);
    this.parallel('depthwiseForward', ranges.map(([a, b]) => [prm, a, b, this.rt.alloc(CONV_BLOCK + 4 + c.kH * c.kW)]));
    this.finish(o);
  }

  /** dx = the gradient of depthwiseConv2d in x. */
  depthwiseConv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
    checkConvOperands('depthwiseConv2dBackpropInput', c, dx.length, w.length, dy.length, true);
    if (dx.length === 0) return;
    const rt = this.rt;
    rt.reset();
    const o = this.output(dx);
    const mult = c.outC / c.inC;
    // With multiplier M the gradient of each repeated channel is computed, then groups of M summed.
    const pixels = c.batch * c.inH * c.inW;
    const target = mult > 1 ? rt.alloc(pixels * c.outC) : o.ptr;
    const flat = flatDepthwise(c);
    const parts = this.partsFor(dy.length * c.kH * c.kW);
    if (c.strideH === 1 && c.strideW === 1) {
      // Stride 1: a depthwise conv of dy, padded so every window lies inside, with the filter flipped.
      const h = c.inH + (c.kH - 1) * c.dilationH, wd = c.inW + (c.kW - 1) * c.dilationW;
      const dyPad = rt.alloc(c.batch * h * wd * c.outC);
      this.k.copyWindow(rt.put(dy), c.outH, c.outW, dyPad, h, wd, c.outC, c.padTop - (c.kH - 1) * c.dilationH, c.padLeft - (c.kW - 1) * c.dilationW, c.batch);
      const flipped = rt.alloc(w.length);
      const taps = c.kH * c.kW, view = rt.view(), fp = flipped >> 2;
      for (let t = 0; t < taps; t++) view.set(w.subarray(t * c.outC, (t + 1) * c.outC), fp + (taps - 1 - t) * c.outC);
      const gather: ConvInfo = { ...flat, outH: c.inH, outW: c.inW };
      const prm = this.params(gather, h, wd, dyPad, flipped, target, 0);
      this.parallel('depthwiseForward', split(pixels, parts, 4).map(([a, b]) => [prm, a, b, rt.alloc(CONV_BLOCK + 4 + taps)]));
    } else {
      const prm = this.params(flat, c.inH, c.inW, 0, rt.put(w), target, rt.put(dy), true);
      this.parallel('depthwiseBackpropInput', split(pixels, parts, 4).map(([a, b]) => [prm, a, b, rt.alloc(2 * c.kH * c.kW)]));
    }
    if (mult > 1) this.k.sumChannelGroups(target, pixels, c.inC, mult, o.ptr);
    this.finish(o);
  }

  /** dw = the gradient of depthwiseConv2d in w. */
  depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
    checkConvOperands('depthwiseConv2dBackpropFilter', c, x.length, dw.length, dy.length, true);
    if (dw.length === 0) return;
    this.rt.reset();
    const flat = flatDepthwise(c);
    const px = this.paddedInput(this.repeatChannels(this.rt.put(x), c), flat);
    const o = this.output(dw);
    const prm = this.params(flat, px.h, px.w, px.ptr, 0, 0, this.rt.put(dy));
    this.slabbed(1, prm, c.batch * c.outH * c.outW, dw.length, dy.length * c.kH * c.kW, o.ptr);
    this.finish(o);
  }

  /** x with each channel repeated multiplier times (outC channels), or x itself when the multiplier is 1. */
  private repeatChannels(ptr: number, c: ConvInfo): number {
    const mult = c.outC / c.inC;
    if (mult === 1) return ptr;
    const pixels = c.batch * c.inH * c.inW;
    const dst = this.rt.alloc(pixels * c.outC);
    this.k.repeatChannels(ptr, pixels, c.inC, mult, dst);
    return dst;
  }

  /** out = the maximum of each window (padding never wins; NaN propagates). */
  maxPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
    checkPoolOperands('maxPool', p, [x.length], [out.length]);
    this.pool('maxPool', p, x, null, out, false);
  }

  /** dx = dy routed to the first maximum of each window (recomputed from x). */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
    checkPoolOperands('maxPoolGrad', p, [x.length, dx.length], [dy.length]);
    this.pool('maxPoolGrad', p, x, dy, dx, true);
  }

  /** out = the mean of each window over its input cells (padding not counted). */
  avgPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
    checkPoolOperands('avgPool', p, [x.length], [out.length]);
    this.pool('avgPool', p, x, null, out, false);
  }

  /** dx = the gradient of avgPool. */
  avgPoolGrad(dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
    checkPoolOperands('avgPoolGrad', p, [dx.length], [dy.length]);
    this.pool('avgPoolGrad', p, null, dy, dx, true);
  }

  /** Runs a pooling kernel: forward ones split by output pixels, gradients (scatters) by images. */
  private pool(task: 'maxPool' | 'maxPoolGrad' | 'avgPool' | 'avgPoolGrad', p: PoolInfo, x: Float32Array | null, dy: Float32Array | null, out: Float32Array, grad: boolean): void {
    if (out.length === 0) return;
    this.rt.reset();
    const c: ConvInfo = {
      batch: p.batch, inH: p.inH, inW: p.inW, inC: p.channels, outH: p.outH, outW: p.outW, outC: p.channels,
      kH: p.kH, kW: p.kW, strideH: p.strideH, strideW: p.strideW, dilationH: 1, dilationW: 1, padTop: p.padTop, padLeft: p.padLeft,
    };
    const o = this.output(out);
    const prm = this.params(c, p.inH, p.inW, x ? this.rt.put(x) : 0, 0, o.ptr, dy ? this.rt.put(dy) : 0, true);
    const pixels = p.batch * p.outH * p.outW;
    const work = (pixels * p.channels * p.kH * p.kW * MACS_PER_THREAD) / POOL_CELLS_PER_THREAD;
    if (grad) this.byImages(task, prm, p.batch, p.outH * p.outW, work);
    else this.parallel(task, split(pixels, this.partsFor(work), 4).map(([a, b]) => [prm, a, b]));
    this.finish(o);
  }

  /** Runs a scatter kernel over whole images (windows of different images never overlap), split across threads. */
  private byImages(task: keyof ConvExports, prm: number, batch: number, pix: number, macs: number): void {
    const parts = Math.min(batch, this.partsFor(macs));
    this.parallel(task, split(batch, parts, 1).map(([a, b]) => [prm, a * pix, b * pix]));
  }

  /**
   * Runs a filter gradient (kind 0 conv, 1 depthwise) as partial sums over fixed pixel slabs,
   * added in order, so the result does not depend on the thread count; each thread takes a run of slabs.
   */
  private slabbed(kind: 0 | 1, prm: number, pixels: number, outLen: number, macs: number, outPtr: number): void {
    const rt = this.rt;
    if (pixels === 0) {
      rt.view().fill(0, outPtr >> 2, (outPtr >> 2) + outLen);
      return;
    }
    const slabs = split(pixels, Math.max(1, Math.min(MAX_SLABS, Math.floor(macs / MACS_PER_SLAB), Math.ceil(pixels / 32))), 4);
    const bounds = rt.alloc(slabs.length + 1);
    new Int32Array(rt.view().buffer, bounds, slabs.length + 1).set([...slabs.map(([a]) => a), pixels]);
    const partials = slabs.length === 1 ? outPtr : rt.alloc(slabs.length * outLen);
    const parts = split(slabs.length, Math.min(slabs.length, this.partsFor(macs)), 1);
    this.parallel('filterSlabs', parts.map(([s0, s1]) => [kind, prm, bounds, s0, s1, partials, outLen, rt.alloc(FILTER_BLOCK + 4)]));
    if (slabs.length > 1) this.k.sumParts(partials, slabs.length, outLen, outPtr);
  }

  /** Padded input size so that every window lies inside; `padded` when that differs from the input. */
  private paddedSize(c: ConvInfo): { h: number; w: number; padded: boolean } {
    const h = Math.max(c.inH + c.padTop, (c.outH - 1) * c.strideH + (c.kH - 1) * c.dilationH + 1);
    const w = Math.max(c.inW + c.padLeft, (c.outW - 1) * c.strideW + (c.kW - 1) * c.dilationW + 1);
    return { h, w, padded: c.padTop > 0 || c.padLeft > 0 || h > c.inH || w > c.inW };
  }

  /** The input at ptr, or a zero-padded copy of it in which every window lies inside. */
  private paddedInput(ptr: number, c: ConvInfo): { ptr: number; h: number; w: number } {
    const { h, w, padded } = this.paddedSize(c);
    if (!padded) return { ptr, h, w };
    const dst = this.rt.alloc(c.batch * h * w * c.inC);
    this.k.copyWindow(ptr, c.inH, c.inW, dst, h, w, c.inC, -c.padTop, -c.padLeft, c.batch);
    return { ptr: dst, h, w };
  }

  /** Where a kernel writes `out`: in place when resident, else an arena block copied back by finish(). */
  private output(out: Float32Array): Operand {
    if (this.rt.isResident(out)) return { ptr: out.byteOffset, copyBack: null };
    return { ptr: this.rt.alloc(out.length), copyBack: out };
  }

  private finish(o: Operand): void {
    if (o.copyBack) this.rt.copyOut(o.ptr, o.copyBack);
  }

  /**
   * The parameter block of the kernels (layout P_* in kernels.as). `pads` false: the input at x is
   * already padded to inH x inW (the conv GEMM kernels); true: c's padding applies (depthwise).
   */
  private params(c: ConvInfo, inH: number, inW: number, x: number, w: number, out: number, dy: number, pads = false): number {
    const values = [c.batch, inH, inW, c.inC, c.outH, c.outW, c.outC, c.kH, c.kW, c.strideH, c.strideW,
      c.dilationH, c.dilationW, pads ? c.padTop : 0, pads ? c.padLeft : 0, x, w, out, dy];
    const ptr = this.rt.alloc(values.length);
    new Int32Array(this.rt.view().buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** Threads worth using for `macs` multiply-adds (1 without a pool or before its workers are up). */
  private partsFor(macs: number): number {
    const pool = this.be.threads > 1 ? this.be.getPool() : null;
    if (!pool) return 1;
    return Math.max(1, Math.min(this.be.threads, 1 + pool.ready(), Math.floor(macs / MACS_PER_THREAD)));
  }

  /** Runs the export `task` once per argument list, the first here and the rest on workers. */
  private parallel(task: keyof ConvExports, parts: number[][]): void {
    const fn = this.k[task] as (...args: number[]) => void;
    if (parts.length === 1) {
      fn(...parts[0]);
      return;
    }
    this.be.getPool()!.run(task, parts, fn);
  }
}
