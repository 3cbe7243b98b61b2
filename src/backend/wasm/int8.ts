// The wasm backend's int8 inference kernels (compress/): activation quantisation, the int8 dense product
// and the int8 conv (im2col blocks + the same GEMM), large calls split across worker threads by rows.
// Same semantics as src/backend/js/int8.ts, the reference they are tested against bit for bit.

import { checkConvOperands, type ConvInfo } from '../conv-geometry.js';
import type { Int8Dims } from '../backend.js';
import { jsBackend } from '../js/index.js';
import type { WasmBackend } from './index.js';
import { split } from './conv.js';
import type { KernelExports, WasmRuntime } from './runtime.js';

type ConvU7 = (prm: number, p0: number, p1: number, scratch: number) => void;
type GemmU7 = (x: number, ldx: number, w: number, k: number, n: number, out: number, mult: number, bias: number, corr: number, act: number, i0: number, i1: number) => void;

/** The int8 exports of kernels.as (pointers are byte offsets into the arena memory). */
interface Int8Exports extends KernelExports {
  quantizeU7(x: number, out: number, n: number, scale: number, zp: number): void;
  rowSumsI8(w: number, n: number, k: number, zp: number, dst: number): void;
  gemmU7I16: GemmU7;
  gemmU7RelaxedWX: GemmU7;
  gemmU7RelaxedXW: GemmU7;
  gemmU7RelaxedPairs: GemmU7;
  convU7I16: ConvU7;
  convU7RelaxedWX: ConvU7;
  convU7RelaxedXW: ConvU7;
  convU7RelaxedPairs: ConvU7;
  packU7Filter(w: number, outC: number, k: number, dst: number): void;
}

/** Below this many multiply-adds the reference runs (copies would dominate). */
const MIN_MACS = 512;
/** Multiply-adds per extra thread before a call is split (as the float GEMM). */
const MACS_PER_THREAD = 1 << 20;
/** Must match U7_BLOCK in kernels.as (pixels per im2col block of convU7). */
const U7_BLOCK = 64;

/** gemmU7's dot modes (DOT_* in kernels.as) and what each is called in diagnostics. */
const DOT_I16 = 0, DOT_RELAXED_WX = 1, DOT_RELAXED_XW = 2, DOT_RELAXED_PAIRS = 3;
const DOT_NAMES = ['widening i16 dot', 'relaxed SIMD i8 x i7 dot-add', 'relaxed SIMD i8 x i7 dot-add (operands swapped)', 'relaxed SIMD i8 x i7 dot + pairwise add'];
const DOT_EXPORTS = ['gemmU7I16', 'gemmU7RelaxedWX', 'gemmU7RelaxedXW', 'gemmU7RelaxedPairs'] as const;
const CONV_EXPORTS = ['convU7I16', 'convU7RelaxedWX', 'convU7RelaxedXW', 'convU7RelaxedPairs'] as const;

/** Int8 kernels on a WasmBackend's memory and worker threads. */
export class WasmInt8 {
  private readonly rt: WasmRuntime;
  private readonly k: Int8Exports;
  private readonly mode: number;

  constructor(private readonly be: WasmBackend) {
    this.rt = be.rt;
    this.k = be.rt.exports as Int8Exports;
    this.mode = this.probeMode();
  }

  /** Which dot product the int8 GEMM runs on this host (relaxed SIMD when it validated and computed exactly). */
  get path(): string {
    return DOT_NAMES[this.mode];
  }

  /**
   * The relaxed i8 x i7 dot product is exact only when its 7-bit operand is the one an engine treats as
   * unsigned, engines have shipped both operand orders, and V8 in Node 20 adds some accumulators twice in
   * the fused dot-add (measured: a 2 x 4 tile with one unit doubled). So each relaxed form runs a product
   * with negative weights, a k tail and more than one tile, and is kept only if it equals the reference.
   */
  private probeMode(): number {
    if (!this.be.variant.startsWith('relaxed')) return DOT_I16;
    const m = 2, k = 37, n = 5;
    const x = Int8Array.from({ length: m * k }, (_, i) => (i * 37) % 128);
    const w = Int8Array.from({ length: n * k }, (_, i) => ((i * 91) % 256) - 128);
    const mult = new Float32Array(n).fill(1);
    const want = new Float32Array(m * n);
    jsBackend.linearU7(x, w, mult, null, want, { m, k, n, zeroPoint: 0, relu: false });
    for (const mode of [DOT_RELAXED_WX, DOT_RELAXED_PAIRS, DOT_RELAXED_XW]) {
      const got = new Float32Array(m * n);
      this.gemm(mode, x, w, mult, null, got, { m, k, n, zeroPoint: 0, relu: false });
      if (got.every((v, i) => v === want[i])) return mode;
    }
    return DOT_I16;
  }

  quantizeU7(x: Float32Array, out: Int8Array, scale: number, zeroPoint: number): void {
    if (x.length < 64) return jsBackend.quantizeU7(x, out, scale, zeroPoint);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const inPlace = this.resident(out);
    const po = inPlace ? out.byteOffset : rt.alloc(Math.ceil(out.length / 4));
    this.k.quantizeU7(px, po, x.length, scale, zeroPoint);
    if (!inPlace) out.set(new Int8Array(rt.view().buffer, po, out.length));
  }

  linearU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, d: Int8Dims): void {
    if (d.m * d.k * d.n < MIN_MACS) return jsBackend.linearU7(x, w, mult, bias, out, d);
    this.gemm(this.mode, x, w, mult, bias, out, d);
  }

  private gemm(mode: number, x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, d: Int8Dims): void {
    const { m, k, n } = d;
    const rt = this.rt;
    rt.reset();
    const px = this.putBytes(x);
    const pw = this.putBytes(w);
    const [pm, pb, pc] = this.epilogueArgs(pw, mult, bias, n, k, d.zeroPoint);
    const po = rt.outPtr(out);
    const act = d.relu ? 1 : 0;
    const parts = this.split(m, m * k * n, 2);
    this.parallel(DOT_EXPORTS[mode], parts.map(([i0, i1]) => [px, k, pw, k, n, po, pm, pb, pc, act, i0, i1]));
    rt.finish(po, out);
  }

  conv2dU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, c: ConvInfo, zeroPoint: number, relu: boolean): void {
    checkConvOperands('conv2dU7', c, x.length, w.length, out.length, false);
    const taps = c.kH * c.kW * c.inC;
    const pixels = c.batch * c.outH * c.outW;
    if (pixels * taps * c.outC < MIN_MACS) return jsBackend.conv2dU7(x, w, mult, bias, out, c, zeroPoint, relu);
    const rt = this.rt;
    rt.reset();
    const px = this.putBytes(x);
    const pw = this.putBytes(w);
    const [pm, pb, pc] = this.epilogueArgs(pw, mult, bias, c.outC, taps, zeroPoint);
    const po = rt.outPtr(out);
    // The filter in panels of 8 channels x groups of 4 taps (packU7Filter); patch rows padded to 4 bytes.
    const groups = Math.ceil(taps / 4);
    const packed = rt.alloc(Math.ceil(c.outC / 8) * groups * 8);
    this.k.packU7Filter(pw, c.outC, taps, packed);
    const values = [c.batch, c.inH, c.inW, c.inC, c.outH, c.outW, c.outC, c.kH, c.kW, c.strideH, c.strideW,
      c.dilationH, c.dilationW, c.padTop, c.padLeft, px, packed, po, 0, pm, pb, pc, relu ? 1 : 0, zeroPoint];
    const prm = rt.alloc(values.length);
    new Int32Array(rt.view().buffer, prm, values.length).set(values);
    const parts = this.split(pixels, pixels * taps * c.outC, U7_BLOCK);
    this.parallel(CONV_EXPORTS[this.mode], parts.map(([p0, p1]) => [prm, p0, p1, rt.alloc(Math.ceil((U7_BLOCK * groups * 4 + 16) / 4))]));
    rt.finish(po, out);
  }

  /** Multipliers, bias and zero-point corrections padded to whole groups of 4 units (the kernel reads 4 at a time). */
  private epilogueArgs(pw: number, mult: Float32Array, bias: Float32Array | null, n: number, k: number, zeroPoint: number): [number, number, number] {
    const rt = this.rt;
    const padded = (n + 3) & ~3;
    const pm = rt.alloc(padded);
    rt.view().set(mult.subarray(0, n), pm >> 2);
    let pb = 0;
    if (bias) {
      pb = rt.alloc(padded);
      rt.view().set(bias.subarray(0, n), pb >> 2);
    }
    const pc = rt.alloc(padded);
    if (zeroPoint !== 0) this.k.rowSumsI8(pw, n, k, zeroPoint, pc);
    else rt.view().fill(0, pc >> 2, (pc >> 2) + n);
    return [pm, pb, pc];
  }

  /** Row ranges [a, b) for this call's threads, boundaries on multiples of grain. */
  private split(rows: number, macs: number, grain: number): [number, number][] {
    const pool = this.be.threads > 1 ? this.be.getPool() : null;
    const parts = pool ? Math.max(1, Math.min(this.be.threads, 1 + pool.ready(), Math.floor(macs / MACS_PER_THREAD))) : 1;
    return split(rows, parts, grain);
  }

  private parallel(task: (typeof DOT_EXPORTS)[number] | (typeof CONV_EXPORTS)[number], parts: number[][]): void {
    const fn = this.k[task] as (...args: number[]) => void;
    if (parts.length === 1) fn(...parts[0]);
    else this.be.getPool()!.run(task, parts, fn);
  }

  private resident(x: Int8Array): boolean {
    return this.rt.isResident(x as unknown as Float32Array);
  }

  /** Bytes in wasm memory: resident arrays in place, others copied into the arena (16-byte aligned, padded). */
  private putBytes(x: Int8Array): number {
    if (this.resident(x)) return x.byteOffset;
    const ptr = this.rt.alloc(Math.ceil(x.length / 4));
    new Int8Array(this.rt.view().buffer, ptr, x.length).set(x);
    return ptr;
  }
}
