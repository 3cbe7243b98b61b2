// GEMM micro-benchmark: GFLOP/s of the wasm kernels on the seed model's training and inference
// shapes, kernel alone (operands resident in wasm memory) and through Backend.matmul (with copies).

import type { MatmulDims } from '../backend/backend.js';
import { createWasmBackend, type WasmBackend } from '../backend/wasm/index.js';
import { jsBackend } from '../backend/js/index.js';

export interface GemmShape {
  label: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

/** Forward, weight-gradient and input-gradient GEMMs of Dense(784 -> 64) at batch 32 and 128, and inference. */
export const TRAINING_SHAPES: GemmShape[] = [
  { label: 'fwd b32 32x784x64', m: 32, k: 784, n: 64, transA: false, transB: false },
  { label: 'dW b32 784x32x64 (A^T)', m: 784, k: 32, n: 64, transA: true, transB: false },
  { label: 'dX b32 32x64x784 (B^T)', m: 32, k: 64, n: 784, transA: false, transB: true },
  { label: 'fwd b128 128x784x64', m: 128, k: 784, n: 64, transA: false, transB: false },
  { label: 'dW b128 784x128x64 (A^T)', m: 784, k: 128, n: 64, transA: true, transB: false },
  { label: 'fwd2 b128 128x64x10', m: 128, k: 64, n: 10, transA: false, transB: false },
  { label: 'infer 1000x784x64', m: 1000, k: 784, n: 64, transA: false, transB: false },
];

export interface GemmResult {
  shape: string;
  backend: string;
  /** Median GFLOP/s of the kernel on operands already in wasm memory. */
  kernelGflops: number;
  /** Median GFLOP/s of Backend.matmul, including copying operands in and the result out. */
  callGflops: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export function timeMedian(fn: () => void, minMs: number): number {
  // Warm up, then time batches of calls until minMs has passed; median of per-call times.
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) fn();
    samples.push((performance.now() - t0) / 10);
  }
  return median(samples);
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

export function benchGemmShape(be: WasmBackend, s: GemmShape, minMs = 300): GemmResult {
  const flops = 2 * s.m * s.n * s.k;
  const dims: MatmulDims = { batch: 1, m: s.m, k: s.k, n: s.n, transA: s.transA, transB: s.transB, aBatchStride: s.m * s.k, bBatchStride: s.k * s.n };
  const a = rand(s.m * s.k);
  const b = rand(s.k * s.n);
  const c = new Float32Array(s.m * s.n);
  const callMs = timeMedian(() => be.matmul(a, b, c, dims), minMs);
  // Kernel only: lay the operands out once, then call the export (with packing for B^T).
  const rt = be.rt;
  rt.reset();
  const pa = rt.put(a);
  const pb = rt.put(b);
  const pc = rt.alloc(s.m * s.n);
  const panels = (s.n + 7) >> 3;
  const packed = rt.alloc(panels * s.k * 8);
  const scratch = rt.alloc(s.m * 8);
  const apack = rt.alloc(s.m * Math.min(s.k, 256));
  const rsA = s.transA ? 4 : s.k * 4;
  const csA = s.transA ? s.m * 4 : 4;
  const kernel = () => {
    if (s.transB) {
      rt.exports.packBT(pb, s.n, s.k, packed);
      rt.exports.gemm(pa, rsA, csA, packed, 32, s.k * 32, pc, s.n, s.k, 0, s.m, 0, panels, scratch, apack);
    } else {
      rt.exports.gemm(pa, rsA, csA, pb, s.n * 4, 32, pc, s.n, s.k, 0, s.m, 0, panels, scratch, apack);
    }
  };
  const kernelMs = be.threads === 1 ? timeMedian(kernel, minMs) : NaN;
  return { shape: s.label, backend: `wasm ${be.variant} ${be.threads}t`, kernelGflops: flops / kernelMs / 1e6, callGflops: flops / callMs / 1e6 };
}

export async function benchGemm(opts: { threads: number[]; relaxed: boolean[]; minMs?: number; includeJs?: boolean }): Promise<GemmResult[]> {
  const out: GemmResult[] = [];
  for (const relaxed of opts.relaxed) {
    for (const threads of opts.threads) {
      const be = createWasmBackend({ threads, relaxedSimd: relaxed });
      if (!be) throw new Error('WebAssembly SIMD is not available on this host');
      await be.warmUp();
      for (const s of TRAINING_SHAPES) out.push(benchGemmShape(be, s, opts.minMs));
      be.dispose();
    }
  }
  if (opts.includeJs) {
    const s = TRAINING_SHAPES[0];
    const dims: MatmulDims = { batch: 1, m: s.m, k: s.k, n: s.n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const a = rand(s.m * s.k), b = rand(s.k * s.n);
    const c = new Float32Array(s.m * s.n);
    const ms = timeMedian(() => jsBackend.matmul(a, b, c, dims), opts.minMs ?? 300);
    const g = (2 * s.m * s.n * s.k) / ms / 1e6;
    out.push({ shape: s.label, backend: 'js reference', kernelGflops: g, callGflops: g });
  }
  return out;
}
