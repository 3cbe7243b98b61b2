// Loads the WebAssembly kernels synchronously and manages the arena operands are copied into.

import { KERNELS_INITIAL_PAGES, KERNELS_MAXIMUM_PAGES, KERNELS_WASM } from './kernels.generated.js';

/** The module's exports; every pointer is a byte offset into the shared arena memory. */
export interface KernelExports {
  gemm(a: number, rsA: number, csA: number, b: number, ldb: number, panelStride: number, c: number,
    n: number, k: number, i0: number, i1: number, p0: number, p1: number, scratch: number, apack: number): void;
  packBT(b: number, n: number, k: number, dst: number): void;
  biasAct(x: number, bias: number, out: number, rows: number, cols: number, act: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number,
    eps: number, c1: number, c2: number, wd: number): void;
  sgd(p: number, g: number, vel: number, n: number, lr: number, mom: number, nesterov: number): void;
  unary(op: number, x: number, out: number, n: number, alpha: number): void;
  binary(op: number, a: number, aKind: number, b: number, bKind: number, out: number, rows: number, cols: number): void;
  reduceSum(x: number, out: number, outer: number, reduced: number, inner: number, acc: number): void;
}

export type KernelVariant = keyof typeof KERNELS_WASM;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') {
    const buf = Buffer.from(s, 'base64');
    const out = new Uint8Array(buf.length);
    out.set(buf);
    return out;
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const decoded = new Map<KernelVariant, Uint8Array<ArrayBuffer>>();
function bytesOf(v: KernelVariant): Uint8Array<ArrayBuffer> {
  let b = decoded.get(v);
  if (!b) decoded.set(v, (b = decodeBase64(KERNELS_WASM[v])));
  return b;
}

/** Whether this host runs WebAssembly SIMD (the wasm backend's minimum). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytesOf('simd'));
}

/** Whether this host runs relaxed SIMD (Node 22+, current browsers; Node 20 needs --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytesOf('relaxed'));
}

/** Whether memory can be shared with worker threads here. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** First arena byte: below it live the module's constant tables (about 4.5 KB at offset 0). */
const ARENA_BASE = 65536;
/** Each block gets this many spare bytes, so kernels may read or write one vector past the end. */
const PAD = 64;
const PAGE = 65536;

/**
 * A bump allocator over the module's memory, reset at the start of every kernel call.
 * Operands are copied in with Float32Array.set and results copied out, so callers keep owning
 * ordinary garbage-collected arrays.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly exports: KernelExports;
  readonly variant: KernelVariant;
  readonly shared: boolean;
  private top = ARENA_BASE;
  private buffer: ArrayBufferLike;
  f32: Float32Array;

  constructor(opts: { relaxed?: boolean; shared?: boolean } = {}) {
    const relaxed = opts.relaxed ?? relaxedSimdSupported();
    const shared = opts.shared ?? sharedMemorySupported();
    this.variant = relaxed ? (shared ? 'relaxedShared' : 'relaxed') : shared ? 'simdShared' : 'simd';
    this.shared = shared;
    // Synchronous compile: fine in Node and in workers; browsers cap it at 4 KB on the main
    // thread, where a host should call WebAssembly.compile first (see README).
    this.module = new WebAssembly.Module(bytesOf(this.variant));
    // A shared memory must declare a maximum; 1 GiB of address space is reserved, not committed.
    const maximum = shared ? Math.min(16384, KERNELS_MAXIMUM_PAGES) : KERNELS_MAXIMUM_PAGES;
    this.memory = new WebAssembly.Memory({ initial: Math.max(KERNELS_INITIAL_PAGES, 32), maximum, shared });
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.buffer = this.memory.buffer;
    this.f32 = new Float32Array(this.buffer);
  }

  /** Forgets every block handed out since the last reset. */
  reset(): void {
    this.top = ARENA_BASE;
  }

  /** Reserves room for `floats` float32s (16-byte aligned, padded) and returns its byte offset. */
  alloc(floats: number): number {
    const ptr = this.top;
    this.top += ((floats * 4 + 15) & ~15) + PAD;
    if (this.top > this.buffer.byteLength) this.grow(this.top);
    return ptr;
  }

  /** Reserves a block and copies `src` into it. */
  put(src: Float32Array): number {
    const ptr = this.alloc(src.length);
    this.view().set(src, ptr >> 2);
    return ptr;
  }

  /** The current float view (refreshed after the memory grows). */
  view(): Float32Array {
    if (this.memory.buffer !== this.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.buffer = this.memory.buffer;
      this.f32 = new Float32Array(this.buffer);
    }
    return this.f32;
  }

  /** A fresh garbage-collected copy of `floats` float32s at `ptr`. */
  take(ptr: number, floats: number): Float32Array {
    return this.view().slice(ptr >> 2, (ptr >> 2) + floats);
  }

  /** Copies `floats` float32s at `ptr` back into `dst`. */
  copyOut(ptr: number, dst: Float32Array): void {
    dst.set(this.view().subarray(ptr >> 2, (ptr >> 2) + dst.length));
  }

  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    const need = Math.ceil((bytes - have) / PAGE);
    // Grow at least 25% at a time so a run of growing batches does not grow page by page.
    const pages = Math.max(need, Math.ceil(have / PAGE / 4));
    try {
      this.memory.grow(pages);
    } catch {
      this.memory.grow(need);
    }
    this.view();
  }
}
