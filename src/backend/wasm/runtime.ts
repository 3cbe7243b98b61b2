// Loads the WebAssembly kernels synchronously and manages the arena operands are copied into.

import { KERNELS_INITIAL_PAGES, KERNELS_MAXIMUM_PAGES, KERNELS_WASM } from './kernels.generated.js';

/** The module's exports; every pointer is a byte offset into the shared arena memory. */
export interface KernelExports {
  gemm(a: number, rsA: number, csA: number, b: number, ldb: number, panelStride: number, c: number,
    n: number, k: number, i0: number, i1: number, p0: number, p1: number, scratch: number, apack: number): void;
  packBT(b: number, n: number, k: number, dst: number): void;
  packB(b: number, n: number, k: number, dst: number): void;
  gemmChunks(prm: number, gen: number): void;
  biasAct(x: number, bias: number, out: number, rows: number, cols: number, act: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  softmax(x: number, out: number, rows: number, cols: number): void;
  rmsprop(p: number, g: number, rms: number, mom: number, n: number, lr: number, rho: number, momentum: number, eps: number): void;
  activationGrad(act: number, y: number, dy: number, out: number, n: number): void;
  channelSums(kind: number, x: number, dy: number, mean: number, rows: number, cols: number, acc: number): void;
  channelAffine(x: number, dy: number, a: number, b: number, c: number, out: number, rows: number, cols: number): void;
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

const compiled = new Map<KernelVariant, WebAssembly.Module>();

/**
 * Compiles the kernels asynchronously ahead of first use. Browsers refuse synchronous
 * compilation of modules over 4 KB on the main thread, so a page should `await` this (through
 * the library's `ready()`) before the first op; Node and workers can skip it.
 */
export async function precompileKernels(): Promise<void> {
  if (!simdSupported()) return;
  const variants: KernelVariant[] = [relaxedSimdSupported() ? 'relaxed' : 'simd'];
  if (sharedMemorySupported()) variants.push(variants[0] === 'relaxed' ? 'relaxedShared' : 'simdShared');
  for (const v of variants) if (!compiled.has(v)) compiled.set(v, await WebAssembly.compile(bytesOf(v)));
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
  /** The per-call arena: [arenaBase, arenaEnd), bump pointer `top`. */
  private arenaBase = ARENA_BASE;
  private arenaEnd = ARENA_BASE + 16 * PAGE;
  private top = ARENA_BASE;
  /** End of everything handed out (arena and resident blocks); memory above it is free. */
  private heapTop = ARENA_BASE + 16 * PAGE;
  /** Freed resident blocks by byte size, reused before the heap grows. */
  private freeBlocks = new Map<number, number[]>();
  private registry: FinalizationRegistry<[number, number]> | null = null;
  private buffer: ArrayBufferLike;
  f32: Float32Array;

  constructor(opts: { relaxed?: boolean; shared?: boolean } = {}) {
    const relaxed = opts.relaxed ?? relaxedSimdSupported();
    const shared = opts.shared ?? sharedMemorySupported();
    this.variant = relaxed ? (shared ? 'relaxedShared' : 'relaxed') : shared ? 'simdShared' : 'simd';
    this.shared = shared;
    // Synchronous compile (~11 KB): fine in Node and in workers; on a browser's main thread call
    // precompileKernels() first.
    this.module = compiled.get(this.variant) ?? new WebAssembly.Module(bytesOf(this.variant));
    // A shared memory must declare a maximum; 1 GiB of address space is reserved, not committed.
    const maximum = shared ? Math.min(16384, KERNELS_MAXIMUM_PAGES) : KERNELS_MAXIMUM_PAGES;
    this.memory = new WebAssembly.Memory({ initial: Math.max(KERNELS_INITIAL_PAGES, 32), maximum, shared });
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    this.f32 = new Float32Array(this.buffer);
  }

  /** Forgets every block handed out since the last reset. */
  reset(): void {
    if (this.overflow.length > 0) {
      // The last call outgrew the arena: move it to a block big enough for that call.
      const need = this.top - this.arenaBase + this.overflow.reduce((s, [, b]) => s + b, 0);
      for (const [p, b] of this.overflow) this.releaseBlock(p, b);
      this.overflow = [];
      this.releaseBlock(this.arenaBase, this.arenaEnd - this.arenaBase);
      const cap = Math.max(need, 2 * (this.arenaEnd - this.arenaBase));
      this.arenaBase = this.takeBlock(cap);
      this.arenaEnd = this.arenaBase + cap;
    }
    this.top = this.arenaBase;
  }

  /** Blocks taken from the heap when one call outgrew the arena; pointers stay valid for the call. */
  private overflow: [number, number][] = [];

  /** End of the memory handed out so far (arena and resident blocks); freed blocks are reused below it. */
  get heapEnd(): number {
    return this.heapTop;
  }

  /** Reserves room for `floats` float32s (16-byte aligned, padded) and returns its byte offset. */
  alloc(floats: number): number {
    const bytes = ((floats * 4 + 15) & ~15) + PAD;
    if (this.top + bytes <= this.arenaEnd) {
      const ptr = this.top;
      this.top += bytes;
      return ptr;
    }
    const ptr = this.takeBlock(bytes);
    this.overflow.push([ptr, bytes]);
    return ptr;
  }

  /** A heap block of exactly `bytes`: a freed one of that size, else fresh memory at the top. */
  private takeBlock(bytes: number): number {
    const ptr = this.freeBlocks.get(bytes)?.pop();
    if (ptr !== undefined) return ptr;
    const p = this.heapTop;
    this.ensure(p + bytes);
    this.heapTop += bytes;
    return p;
  }

  /** Reserves a block and copies `src` into it; resident arrays are used in place. */
  put(src: Float32Array): number {
    if (this.isResident(src)) return src.byteOffset;
    const ptr = this.alloc(src.length);
    this.view().set(src, ptr >> 2);
    return ptr;
  }

  /** Where a kernel should write `out`: in place when resident, else a fresh arena block (see finish). */
  outPtr(out: Float32Array): number {
    return this.isResident(out) ? out.byteOffset : this.alloc(out.length);
  }

  /** Copies a kernel's result at `ptr` into `out` unless it was written there in place. */
  finish(ptr: number, out: Float32Array): void {
    if (!this.isResident(out)) this.copyOut(ptr, out);
  }

  /** Whether `x` lives in this module's memory (from allocResident), so kernels need no copy. */
  isResident(x: Float32Array): boolean {
    return this.shared && this.buffers.has(x.buffer);
  }

  /** Every buffer object memory.buffer has returned (a shared memory hands out a new one after growing). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  /**
   * A float32 array stored in the module's memory, for long-lived buffers (weights, optimiser
   * state) that kernels then read and update without copies. Freed when garbage collected.
   * Only with shared memory (growing it never detaches views); otherwise a plain array.
   */
  allocResident(floats: number): Float32Array {
    if (!this.shared) return new Float32Array(floats);
    const bytes = ((floats * 4 + 15) & ~15) + PAD;
    const ptr = this.takeBlock(bytes);
    const out = new Float32Array(this.view().buffer, ptr, floats);
    out.fill(0);
    this.registry ??= new FinalizationRegistry(([p, b]) => this.releaseBlock(p, b));
    this.registry.register(out, [ptr, bytes], out);
    this.residentBlocks.set(out, [ptr, bytes]);
    return out;
  }

  /** Blocks of the arrays allocResident handed out, so freeResident can return one early. */
  private readonly residentBlocks = new WeakMap<Float32Array, [number, number]>();

  /**
   * Returns an array from allocResident to the free list now (plans do this when dropped, so a
   * run's memory does not wait for garbage collection). Other arrays, and a second call, do nothing.
   */
  freeResident(x: Float32Array): void {
    const block = this.residentBlocks.get(x);
    if (!block || !this.registry) return;
    this.residentBlocks.delete(x);
    this.registry.unregister(x);
    this.releaseBlock(block[0], block[1]);
  }

  private releaseBlock(ptr: number, bytes: number): void {
    let list = this.freeBlocks.get(bytes);
    if (!list) this.freeBlocks.set(bytes, (list = []));
    list.push(ptr);
  }

  private ensure(end: number): void {
    if (end > this.memory.buffer.byteLength) this.grow(end);
  }

  /** The current float view (refreshed after the memory grows). */
  view(): Float32Array {
    if (this.memory.buffer !== this.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.buffer = this.memory.buffer;
      this.buffers.add(this.buffer);
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
