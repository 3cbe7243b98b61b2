// The default backend: WebAssembly SIMD kernels (GEMM, fused bias + activation epilogue, softmax, optimisers,
// elementwise, sums) with worker threads for large GEMMs; everything else goes to the reference.
// Importing this file only registers the backend; the module is compiled on first getBackend().

import type { AdamParams, RmspropParams, ArgReduceOp, Backend, BinaryOp, FusedActivation, Int8Dims, MatmulDims, ReduceOp, UnaryOp } from '../backend.js';
import { registerBackend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import type { Shape } from '../../tensor/shape.js';
import { sizeOf } from '../../tensor/shape.js';
import type { TypedArray } from '../../tensor/tensor.js';
import { WasmConv } from './conv.js';
import { WasmNorm } from './norm.js';
import { WasmInt8 } from './int8.js';
import type { ConvInfo, PoolInfo } from '../conv-geometry.js';
import { simdSupported, WasmRuntime } from './runtime.js';
import { GEMM_ARGS, hardwareThreads, ThreadPool, threadsSupported } from './threads.js';

export interface WasmBackendOptions {
  /** Threads for large GEMMs, including the calling one. Default: hardware threads, at most 4. */
  threads?: number;
  /** Use relaxed SIMD (fused multiply-add, 6x8 GEMM tile). Default: when the host validates it. */
  relaxedSimd?: boolean;
}

/** Below this many elements a kernel call costs more than it saves; the reference runs instead. */
const MIN_ELEMENTS = 64;
/** Below this many multiply-adds a GEMM runs in the reference (copy-in/out would dominate). */
const MIN_GEMM_MACS = 512;
/** Multiply-adds per extra thread before a GEMM is split (~50 us of work at 40 GFLOP/s). */
const MACS_PER_THREAD = 1 << 20;
/** Rows of A from which a row-major B is packed into panels first (measured on the inference GEMM). */
const PACK_B_MIN_ROWS = 128;
/** Chunks of a shared GEMM per thread: enough that an idle thread can take over a slow one's work. */
const CHUNKS_PER_THREAD = 4;
/** Parameter blocks of shared GEMMs in flight before one is reused, and each block's size in int32s. */
const CHUNK_RING = 64;
const CHUNK_BLOCK_INTS = 32;
/** Row split granularity: a multiple of both GEMM tiles (4 and 6 rows). */
const ROW_GRAIN = 12;

const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, square: 2, sqrt: 3, reciprocal: 4, relu: 5, step: 6, leakyRelu: 7,
};
const BINARY_CODES: Partial<Record<BinaryOp, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5,
};
const ACT_CODES: Record<FusedActivation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

/** How a binary operand is laid out against a [rows, cols] output: full, scalar, row vector, column. */
const FULL = 0, SCALAR = 1, ROW = 2, COL = 3;

// Shapes reaching binary() are broadcast-compatible with outShape (each dimension equal or 1),
// so comparing element counts is enough to recognise each layout.
function operandKind(len: number, shape: Shape, outShape: Shape, size: number): number {
  if (len === size) return FULL;
  if (len === 1) return SCALAR;
  const cols = outShape[outShape.length - 1];
  const last = shape.length > 0 ? shape[shape.length - 1] : 1;
  // [..., cols] with every other dimension 1: the same row under every output row.
  if (len === cols && last === cols) return ROW;
  // [..., 1] holding one value per output row.
  if (last === 1 && len * cols === size) return COL;
  return -1;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly rt: WasmRuntime;
  private pool: ThreadPool | null = null;
  private threadCount: number;
  private convKernels: WasmConv | null = null;

  constructor(opts: WasmBackendOptions = {}) {
    this.threadCount = opts.threads ?? defaultThreads();
    this.rt = new WasmRuntime({ relaxed: opts.relaxedSimd, shared: threadsSupported() ? undefined : false });
  }

  /** Threads used for large GEMMs (1 = this thread only). */
  get threads(): number {
    return this.threadCount;
  }

  /** Which compiled variant runs: plain or relaxed SIMD, shared memory or not. */
  get variant(): string {
    return this.rt.variant;
  }

  private normKernels: WasmNorm | null = null;

  /** Batch-normalisation kernels on this backend's memory. */
  get norm(): WasmNorm {
    return (this.normKernels ??= new WasmNorm(this.rt));
  }

  /** Convolution and pooling kernels on this backend's memory and threads. */
  get conv(): WasmConv {
    return (this.convKernels ??= new WasmConv(this));
  }

  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
    if (n > 1 && (!this.rt.shared || !threadsSupported())) n = 1;
    if (this.pool && this.pool.workers !== n - 1) {
      this.pool.terminate();
      this.pool = null;
    }
    this.threadCount = n;
  }

  /**
   * A zeroed float32 array stored in WebAssembly memory, for long-lived buffers (weights,
   * optimiser moments): kernels read and update it in place instead of copying it in and out.
   * Garbage collected like any array. A plain Float32Array where memory cannot be shared.
   */
  allocFloat32(size: number): Float32Array {
    return this.rt.allocResident(size);
  }

  /** Stops worker threads (they are also unref'd, so they never keep a process alive). */
  dispose(): void {
    this.pool?.terminate();
    this.pool = null;
  }

  /** Starts the worker pool (if threads > 1) and waits until every worker is ready. */
  async warmUp(timeoutMs = 5000): Promise<void> {
    const pool = this.getPool();
    if (!pool) return;
    const start = Date.now();
    while (pool.ready() < pool.workers && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 2));
  }

  /** The worker pool (started on first use), or null with one thread or without shared memory. */
  getPool(): ThreadPool | null {
    if (this.threadCount <= 1 || !this.rt.shared) return null;
    if (!this.pool) this.pool = new ThreadPool(this.rt, this.threadCount - 1);
    return this.pool;
  }

  free(buffer: Float32Array): void {
    this.rt.freeResident(buffer);
  }

  unary(op: UnaryOp, x: Float32Array, out: Float32Array, alpha: number): void {
    const code = UNARY_CODES[op];
    if (code === undefined || x.length < MIN_ELEMENTS) return jsBackend.unary(op, x, out, alpha);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const po = rt.outPtr(out);
    rt.exports.unary(code, px, po, x.length, alpha);
    rt.finish(po, out);
  }

  unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, out: Float32Array, alpha: number): void {
    jsBackend.unaryGrad(op, x, y, dy, out, alpha);
  }

  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
    const code = BINARY_CODES[op];
    const size = sizeOf(outShape);
    if (code === undefined || !(out instanceof Float32Array) || !(a instanceof Float32Array) || !(b instanceof Float32Array) || size < MIN_ELEMENTS) {
      return jsBackend.binary(op, a, aShape, b, bShape, out, outShape);
    }
    let ak = operandKind(a.length, aShape, outShape, size);
    let bk = operandKind(b.length, bShape, outShape, size);
    if (ak < 0 || bk < 0) return jsBackend.binary(op, a, aShape, b, bShape, out, outShape);
    let rows = size / outShape[outShape.length - 1];
    let cols = outShape[outShape.length - 1];
    if ((ak === FULL || ak === SCALAR) && (bk === FULL || bk === SCALAR)) {
      rows = 1;
      cols = size;
    }
    // A scalar stored as a length-1 row or column is still a scalar.
    if (ak !== FULL && a.length === 1) ak = SCALAR;
    if (bk !== FULL && b.length === 1) bk = SCALAR;
    const rt = this.rt;
    rt.reset();
    const pa = rt.put(a);
    const pb = rt.put(b);
    const po = rt.outPtr(out);
    rt.exports.binary(code, pa, ak, pb, bk, po, rows, cols);
    rt.finish(po, out);
  }

  reduce(op: ReduceOp, x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void {
    if (op !== 'sum' || x.length < MIN_ELEMENTS) return jsBackend.reduce(op, x, out, outer, reduced, inner);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const po = rt.outPtr(out);
    const acc = rt.alloc(inner * 2);
    rt.exports.reduceSum(px, po, outer, reduced, inner, acc);
    rt.finish(po, out);
  }

  argReduce(op: ArgReduceOp, x: Float32Array, out: Int32Array, outer: number, reduced: number, inner: number): void {
    jsBackend.argReduce(op, x, out, outer, reduced, inner);
  }

  transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
    jsBackend.transpose(x, shape, perm, out);
  }

  matmul(a: Float32Array, b: Float32Array, out: Float32Array, d: MatmulDims): void {
    if (d.batch * d.m * d.n * d.k < MIN_GEMM_MACS) return jsBackend.matmul(a, b, out, d);
    const rt = this.rt;
    rt.reset();
    const pc = rt.outPtr(out);
    this.runMatmul(rt.put(a), rt.put(b), pc, d);
    rt.finish(pc, out);
  }

  /** C at pc = op(A at pa) @ op(B at pb), batched; scratch comes from the current arena. */
  private runMatmul(pa: number, pb: number, pc: number, d: MatmulDims): void {
    const { batch, m, k, n, transA, transB } = d;
    const rt = this.rt;
    const panels = (n + 7) >> 3;
    // A row-major B is packed into contiguous panels too when enough rows of A pass each panel to repay it.
    const packRows = !transB && m >= PACK_B_MIN_ROWS;
    const packed = transB || packRows ? rt.alloc(panels * k * 8) : 0;
    const scratch = rt.alloc(m * 8);
    // Packed A: one m x min(k, 256) block per thread (threads splitting panels each pack all rows).
    const apackFloats = m * Math.min(k, 256);
    const apack = rt.alloc(apackFloats * Math.max(1, this.threadCount));
    let packedFrom = -1;
    for (let p = 0; p < batch; p++) {
      const aPtr = pa + p * d.aBatchStride * 4;
      const bOff = p * d.bBatchStride;
      let bp: number, ldb: number, panelStride: number;
      if (transB || packRows) {
        if (bOff !== packedFrom) {
          if (transB) rt.exports.packBT(pb + bOff * 4, n, k, packed);
          else rt.exports.packB(pb + bOff * 4, n, k, packed);
          packedFrom = bOff;
        }
        bp = packed;
        ldb = 32;
        panelStride = k * 32;
      } else {
        bp = pb + bOff * 4;
        ldb = n * 4;
        panelStride = 32;
      }
      const rsA = transA ? 4 : k * 4;
      const csA = transA ? m * 4 : 4;
      this.gemm(aPtr, rsA, csA, bp, ldb, panelStride, pc + p * m * n * 4, m, n, k, scratch, apack);
    }
  }

  /** One GEMM, split over rows (or column panels when rows are few) across the pool. */
  private gemm(a: number, rsA: number, csA: number, b: number, ldb: number, panelStride: number, c: number, m: number, n: number, k: number, scratch: number, apack: number): void {
    const kc = Math.min(k, 256);
    const panels = (n + 7) >> 3;
    const gemm = this.rt.exports.gemm;
    const pool = this.threadCount > 1 ? this.getPool() : null;
    let parts = pool ? Math.min(this.threadCount, 1 + pool.ready(), Math.floor((m * n * k) / MACS_PER_THREAD)) : 1;
    if (parts > 1) {
      const rowChunks = Math.floor(m / ROW_GRAIN);
      const list: number[][] = [];
      if (rowChunks >= parts) {
        this.sharedRows(a, rsA, csA, b, ldb, panelStride, c, m, n, k, scratch, apack, parts, pool!);
        return;
      } else if (panels >= parts) {
        for (let t = 0; t < parts; t++) {
          const p0 = Math.round((panels * t) / parts);
          const p1 = Math.round((panels * (t + 1)) / parts);
          list.push([a, rsA, csA, b, ldb, panelStride, c, n, k, 0, m, p0, p1, scratch, apack + t * m * kc * 4]);
        }
      } else {
        parts = 1;
      }
      if (parts > 1) {
        pool!.runGemm(list, gemm as (...args: number[]) => void);
        return;
      }
    }
    gemm(a, rsA, csA, b, ldb, panelStride, c, n, k, 0, m, 0, panels, scratch, apack);
  }

  /**
   * A GEMM's rows in chunks (about CHUNKS_PER_THREAD per thread, multiples of ROW_GRAIN) that this thread
   * and every idle worker take from a shared counter (gemmChunks in kernels.as): a worker the machine is
   * slow to run leaves its chunks to the others. The parameter block comes from a ring, so a worker that
   * wakes long after its GEMM finished finds another generation there and does nothing.
   */
  private sharedRows(a: number, rsA: number, csA: number, b: number, ldb: number, panelStride: number, c: number, m: number, n: number, k: number, scratch: number, apack: number, parts: number, pool: ThreadPool): void {
    const rowChunks = Math.floor(m / ROW_GRAIN);
    const grain = ROW_GRAIN * Math.max(1, Math.floor(rowChunks / (parts * CHUNKS_PER_THREAD)));
    const gen = ++this.chunkGeneration;
    this.chunkBlocks ??= this.rt.allocResident(CHUNK_RING * CHUNK_BLOCK_INTS);
    const blocks = new Int32Array(this.chunkBlocks.buffer, this.chunkBlocks.byteOffset, CHUNK_RING * CHUNK_BLOCK_INTS);
    const at = (gen % CHUNK_RING) * CHUNK_BLOCK_INTS;
    const chunks = Math.ceil(m / grain);
    // Field order: see GC_* in kernels.as; the generation is written last.
    blocks.set([0, 0, 0, chunks, grain, m, a, rsA, csA, b, ldb, panelStride, c, n, k, (n + 7) >> 3, scratch, apack], at);
    Atomics.store(blocks, at, gen);
    const prm = this.chunkBlocks.byteOffset + at * 4;
    const run = this.rt.exports.gemmChunks as (...args: number[]) => void;
    pool.runShared('gemmChunks', [prm, gen], run, () => Atomics.load(blocks, at + 2) >= chunks);
  }

  private chunkGeneration = 0;
  private chunkBlocks: Float32Array | null = null;

  biasActivation(x: Float32Array, bias: Float32Array | null, out: Float32Array, rows: number, cols: number, act: FusedActivation): void {
    if (rows * cols < MIN_ELEMENTS) return jsBackend.biasActivation(x, bias, out, rows, cols, act);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const pb = bias ? rt.put(bias) : 0;
    const po = x === out && rt.isResident(out) ? px : rt.outPtr(out);
    rt.exports.biasAct(px, pb, po, rows, cols, ACT_CODES[act]);
    rt.finish(po, out);
  }

  activationGrad(act: FusedActivation, y: Float32Array, dy: Float32Array, out: Float32Array): void {
    if (y.length < MIN_ELEMENTS) return jsBackend.activationGrad(act, y, dy, out);
    const rt = this.rt;
    rt.reset();
    const py = rt.put(y);
    const pd = rt.put(dy);
    const po = dy === out && rt.isResident(out) ? pd : rt.outPtr(out);
    rt.exports.activationGrad(ACT_CODES[act], py, pd, po, y.length);
    rt.finish(po, out);
  }

  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
    if (rows * cols < MIN_ELEMENTS) return jsBackend.softmax(x, out, rows, cols);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const po = rt.outPtr(out);
    rt.exports.softmax(px, po, rows, cols);
    rt.finish(po, out);
  }

  logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
    if (rows * cols < MIN_ELEMENTS) return jsBackend.logSoftmax(x, out, rows, cols);
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const po = rt.outPtr(out);
    rt.exports.logSoftmax(px, po, rows, cols);
    rt.finish(po, out);
  }

  conv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
    this.conv.conv2d(x, w, out, c);
  }

  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
    this.conv.conv2dBackpropInput(dy, w, dx, c);
  }

  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
    this.conv.conv2dBackpropFilter(x, dy, dw, c);
  }

  depthwiseConv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
    this.conv.depthwiseConv2d(x, w, out, c);
  }

  depthwiseConv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
    this.conv.depthwiseConv2dBackpropInput(dy, w, dx, c);
  }

  depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
    this.conv.depthwiseConv2dBackpropFilter(x, dy, dw, c);
  }

  maxPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
    this.conv.maxPool(x, out, p);
  }

  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
    this.conv.maxPoolGrad(x, dy, dx, p);
  }

  avgPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
    this.conv.avgPool(x, out, p);
  }

  avgPoolGrad(dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
    this.conv.avgPoolGrad(dy, dx, p);
  }

  moments(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
    this.norm.moments(x, out, rows, cols);
  }

  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
    this.norm.batchNorm(x, mean, variance, gamma, beta, out, rows, cols, eps);
  }

  batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, eps: number, batchStats: boolean): void {
    this.norm.batchNormGrad(x, mean, variance, gamma, dy, dx, rows, cols, eps, batchStats);
  }

  batchNormParamGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
    this.norm.batchNormParamGrad(x, mean, variance, dy, out, rows, cols, eps);
  }

  private int8Kernels: WasmInt8 | null = null;

  /** Int8 inference kernels (compress/) on this backend's memory and threads. */
  get int8(): WasmInt8 {
    return (this.int8Kernels ??= new WasmInt8(this));
  }

  quantizeU7(x: Float32Array, out: Int8Array, scale: number, zeroPoint: number): void {
    this.int8.quantizeU7(x, out, scale, zeroPoint);
  }

  linearU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, d: Int8Dims): void {
    this.int8.linearU7(x, w, mult, bias, out, d);
  }

  conv2dU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, c: ConvInfo, zeroPoint: number, relu: boolean): void {
    this.int8.conv2dU7(x, w, mult, bias, out, c, zeroPoint, relu);
  }

  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, p: AdamParams): void {
    if (param.length < MIN_ELEMENTS) return jsBackend.adamUpdate(param, grad, m, v, p);
    const rt = this.rt;
    rt.reset();
    const pp = rt.put(param);
    const pg = rt.put(grad);
    const pm = rt.put(m);
    const pv = rt.put(v);
    const c1 = 1 - Math.pow(p.beta1, p.step);
    const c2 = 1 - Math.pow(p.beta2, p.step);
    rt.exports.adam(pp, pg, pm, pv, param.length, p.lr, p.beta1, p.beta2, p.epsilon, c1, c2, p.weightDecay);
    if (!rt.isResident(param)) rt.copyOut(pp, param);
    if (!rt.isResident(m)) rt.copyOut(pm, m);
    if (!rt.isResident(v)) rt.copyOut(pv, v);
  }

  rmspropUpdate(param: Float32Array, grad: Float32Array, rms: Float32Array, mom: Float32Array | null, p: RmspropParams): void {
    if (param.length < MIN_ELEMENTS) return jsBackend.rmspropUpdate(param, grad, rms, mom, p);
    const rt = this.rt;
    rt.reset();
    const pp = rt.put(param);
    const pg = rt.put(grad);
    const pr = rt.put(rms);
    const pm = mom && p.momentum !== 0 ? rt.put(mom) : 0;
    rt.exports.rmsprop(pp, pg, pr, pm, param.length, p.lr, p.rho, pm ? p.momentum : 0, p.epsilon);
    if (!rt.isResident(param)) rt.copyOut(pp, param);
    if (!rt.isResident(rms)) rt.copyOut(pr, rms);
    if (pm && !rt.isResident(mom!)) rt.copyOut(pm, mom!);
  }

  sgdUpdate(param: Float32Array, grad: Float32Array, velocity: Float32Array | null, lr: number, momentum: number, nesterov: boolean): void {
    if (param.length < MIN_ELEMENTS) return jsBackend.sgdUpdate(param, grad, velocity, lr, momentum, nesterov);
    const rt = this.rt;
    rt.reset();
    const pp = rt.put(param);
    const pg = rt.put(grad);
    const useVel = velocity !== null && momentum !== 0;
    const pv = useVel ? rt.put(velocity) : 0;
    rt.exports.sgd(pp, pg, pv, param.length, lr, momentum, nesterov ? 1 : 0);
    if (!rt.isResident(param)) rt.copyOut(pp, param);
    if (useVel && !rt.isResident(velocity)) rt.copyOut(pv, velocity);
  }
}

/** Default thread count: the host's hardware threads, at most 4; 1 without shared memory. */
export function defaultThreads(): number {
  return threadsSupported() ? Math.min(4, hardwareThreads()) : 1;
}

/** A wasm backend, or null when this host lacks WebAssembly SIMD. */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend | null {
  if (!simdSupported()) return null;
  return new WasmBackend(opts);
}

// Lazy: nothing is compiled until getBackend()/setBackend('wasm'); without SIMD the reference runs.
let shared: Backend | null = null;
registerBackend('wasm', () => (shared ??= createWasmBackend() ?? jsBackend));

export { GEMM_ARGS };
export { precompileKernels } from './runtime.js';
