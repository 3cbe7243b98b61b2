// Conv micro-benchmark: GFLOP/s of the wasm conv, pooling and dense kernels on the layers of
// TensorFlow.js's MNIST example CNN at batch 64 (forward, backprop-input, backprop-filter; 1 and
// 2 threads), operands resident in wasm memory as a compiled plan keeps them, and optionally
// PyTorch one thread on the same layers in the same run (scripts/pytorch-cnn.py).
//   node dist/bench/conv.js [--quick] [--threads 1,2] [--pytorch] [--min] [--json]
// --min reports each kernel's fastest call instead of the median (steadier when other jobs load the machine).

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { MatmulDims } from '../backend/backend.js';
import { conv2dInfo, conv2dMacs, poolInfo, type ConvInfo, type PoolInfo } from '../backend/conv-geometry.js';
import { createWasmBackend, type WasmBackend } from '../backend/wasm/index.js';
import type { BenchTable } from './types.js';

const BATCH = 64;
const PASSES = ['forward', 'backprop-input', 'backprop-filter'] as const;
type Pass = (typeof PASSES)[number];

type Layer =
  | { name: string; kind: 'conv'; info: ConvInfo }
  | { name: string; kind: 'pool'; info: PoolInfo }
  | { name: string; kind: 'dense'; k: number; n: number };

/** The TF.js MNIST example CNN: conv 3x3 16-32-32 (valid, ReLU), 2x2 max-pools after the first two, dense 288-64-10. */
export const MNIST_CNN: Layer[] = [
  { name: 'conv1 28x28x1->16', kind: 'conv', info: conv2dInfo([BATCH, 28, 28, 1], [3, 3, 1, 16], 1, 'valid') },
  { name: 'pool1 26x26x16', kind: 'pool', info: poolInfo([BATCH, 26, 26, 16], 2, 2) },
  { name: 'conv2 13x13x16->32', kind: 'conv', info: conv2dInfo([BATCH, 13, 13, 16], [3, 3, 16, 32], 1, 'valid') },
  { name: 'pool2 11x11x32', kind: 'pool', info: poolInfo([BATCH, 11, 11, 32], 2, 2) },
  { name: 'conv3 5x5x32->32', kind: 'conv', info: conv2dInfo([BATCH, 5, 5, 32], [3, 3, 32, 32], 1, 'valid') },
  { name: 'dense1 288->64', kind: 'dense', k: 288, n: 64 },
  { name: 'dense2 64->10', kind: 'dense', k: 64, n: 10 },
];

/** Floating-point operations of one pass: 2 per multiply-add; pooling counts one per window cell read. */
function flops(l: Layer): number {
  if (l.kind === 'conv') return 2 * conv2dMacs(l.info);
  if (l.kind === 'dense') return 2 * BATCH * l.k * l.n;
  const p = l.info;
  return p.batch * p.outH * p.outW * p.channels * p.kH * p.kW;
}

function passesOf(l: Layer): readonly Pass[] {
  return l.kind === 'pool' ? ['forward', 'backprop-input'] : PASSES;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Median milliseconds per call of each function, timed in turns (a block of calls of each per
 * round) for at least minMs, so that load from other processes drifts over all of them alike.
 * The first call of a block is not counted: it may wake a sleeping worker thread.
 */
function timeInTurns(fns: (() => void)[], minMs: number, stat: (xs: number[]) => number): number[] {
  const block = 4;
  const samples: number[][] = fns.map(() => []);
  const start = performance.now();
  while (performance.now() - start < minMs || samples[0].length < 12) {
    fns.forEach((f, i) => {
      f();
      for (let r = 0; r < block; r++) {
        const t0 = performance.now();
        f();
        samples[i].push(performance.now() - t0);
      }
    });
  }
  return samples.map(stat);
}

function filled(be: WasmBackend, n: number): Float32Array {
  const a = be.allocFloat32(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/** The three (or two) kernel calls of one layer, on resident operands. */
function layerCalls(be: WasmBackend, l: Layer): Record<Pass, (() => void) | null> {
  if (l.kind === 'conv') {
    const c = l.info;
    const x = filled(be, c.batch * c.inH * c.inW * c.inC), w = filled(be, c.kH * c.kW * c.inC * c.outC);
    const y = filled(be, c.batch * c.outH * c.outW * c.outC);
    const dx = be.allocFloat32(x.length), dw = be.allocFloat32(w.length);
    return {
      forward: () => be.conv.conv2d(x, w, y, c),
      'backprop-input': () => be.conv.conv2dBackpropInput(y, w, dx, c),
      'backprop-filter': () => be.conv.conv2dBackpropFilter(x, y, dw, c),
    };
  }
  if (l.kind === 'pool') {
    const p = l.info;
    const x = filled(be, p.batch * p.inH * p.inW * p.channels), y = filled(be, p.batch * p.outH * p.outW * p.channels);
    const dx = be.allocFloat32(x.length);
    return {
      forward: () => be.conv.maxPool(x, y, p),
      'backprop-input': () => be.conv.maxPoolGrad(x, y, dx, p),
      'backprop-filter': null,
    };
  }
  const { k, n } = l;
  const x = filled(be, BATCH * k), w = filled(be, k * n), y = filled(be, BATCH * n);
  const dx = be.allocFloat32(x.length), dw = be.allocFloat32(w.length);
  const dims = (m: number, kk: number, nn: number, transA: boolean, transB: boolean): MatmulDims =>
    ({ batch: 1, m, k: kk, n: nn, transA, transB, aBatchStride: 0, bBatchStride: 0 });
  return {
    forward: () => be.matmul(x, w, y, dims(BATCH, k, n, false, false)),
    'backprop-input': () => be.matmul(y, w, dx, dims(BATCH, n, k, false, true)),
    'backprop-filter': () => be.matmul(x, y, dw, dims(k, BATCH, n, true, false)),
  };
}

export interface ConvBenchRow {
  layer: string;
  pass: Pass;
  flops: number;
  /** Median milliseconds per call, by thread count. */
  ms: Record<number, number>;
}

export interface PytorchResult {
  version: string;
  threads: number;
  formats: Record<'nchw' | 'nhwc', { kernels: Record<string, number>; train_us_per_image: number; infer_us_per_image: number }>;
}

export async function benchConv(opts: { threads: number[]; minMs: number; relaxed?: boolean; fastest?: boolean }): Promise<ConvBenchRow[]> {
  const backends: WasmBackend[] = [];
  for (const threads of opts.threads) {
    const be = createWasmBackend({ threads, relaxedSimd: opts.relaxed });
    if (!be) throw new Error('WebAssembly SIMD is not available on this host');
    await be.warmUp();
    backends.push(be);
  }
  const rows: ConvBenchRow[] = [];
  for (const l of MNIST_CNN) {
    const calls = backends.map((be) => layerCalls(be, l));
    for (const pass of passesOf(l)) {
      const ms = timeInTurns(calls.map((c) => c[pass]!), opts.minMs, opts.fastest ? (xs) => xs.reduce((a, b) => Math.min(a, b)) : median);
      rows.push({ layer: l.name, pass, flops: flops(l), ms: Object.fromEntries(opts.threads.map((t, i) => [t, ms[i]])) });
    }
  }
  backends.forEach((be) => be.dispose());
  return rows;
}

/** Runs scripts/pytorch-cnn.py on one core (taskset when present); null when PyTorch is not installed. */
export function runPytorch(quick: boolean, fastest: boolean): PytorchResult | null {
  const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/pytorch-cnn.py');
  const args = [script, '1', '--json', ...(quick ? ['--quick'] : []), ...(fastest ? ['--min'] : [])];
  const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const res = hasTaskset
    ? spawnSync('taskset', ['-c', '0', '/usr/bin/python3', ...args], { encoding: 'utf8' })
    : spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  const line = res.stdout?.split('\n').find((l) => l.startsWith('@@json '));
  return line ? (JSON.parse(line.slice(7)) as PytorchResult) : null;
}

/** Training = every pass of every layer except conv1's input gradient; inference = forward passes. */
function perImage(rows: ConvBenchRow[], threads: number, training: boolean): number {
  const used = rows.filter((r) => (training ? !(r.layer.startsWith('conv1') && r.pass === 'backprop-input') : r.pass === 'forward'));
  return (used.reduce((s, r) => s + r.ms[threads], 0) * 1000) / BATCH;
}

function pytorchPerImage(rows: ConvBenchRow[], pt: PytorchResult, f: 'nchw' | 'nhwc', training: boolean): number {
  const used = rows.filter((r) => (training ? !(r.layer.startsWith('conv1') && r.pass === 'backprop-input') : r.pass === 'forward'));
  return (used.reduce((s, r) => s + pt.formats[f].kernels[`${r.layer.split(' ')[0]} ${r.pass}`], 0) * 1000) / BATCH;
}

export function convTables(rows: ConvBenchRow[], threads: number[], pt: PytorchResult | null, stat = 'median'): BenchTable[] {
  const gf = (r: ConvBenchRow, ms: number | undefined) => (ms === undefined ? null : Math.round((r.flops / ms / 1e6) * 10) / 10);
  const columns = ['layer', 'pass', 'MFLOP', ...threads.map((t) => `glassbox ${t}t GFLOP/s`)];
  if (threads.length > 1) columns.push(`${threads[threads.length - 1]}t / ${threads[0]}t`);
  if (pt) columns.push('PyTorch 1t NCHW GFLOP/s', 'PyTorch 1t NHWC GFLOP/s', `glassbox ${threads[0]}t / PyTorch NCHW`);
  const table: BenchTable = {
    title: `MNIST CNN kernels, batch ${BATCH}, ${stat} call (operands resident in wasm memory; pooling: window cells read per second)`,
    columns,
    rows: rows.map((r) => {
      const cells: (string | number | null)[] = [r.layer, r.pass, Math.round(r.flops / 1e4) / 100, ...threads.map((t) => gf(r, r.ms[t]))];
      if (threads.length > 1) cells.push(Math.round((r.ms[threads[0]] / r.ms[threads[threads.length - 1]]) * 100) / 100);
      if (pt) {
        const key = `${r.layer.split(' ')[0]} ${r.pass}`;
        cells.push(gf(r, pt.formats.nchw.kernels[key]), gf(r, pt.formats.nhwc.kernels[key]));
        cells.push(Math.round((pt.formats.nchw.kernels[key] / r.ms[threads[0]]) * 100) / 100);
      }
      return cells;
    }),
  };
  const totals: BenchTable = {
    title: 'Per image, sum of the kernels above (glassbox excludes bias, activations, loss and optimiser)',
    columns: ['', ...threads.map((t) => `glassbox ${t}t us`), ...(pt ? ['PyTorch kernels NCHW us', 'PyTorch kernels NHWC us', 'PyTorch whole step NCHW us', 'PyTorch whole step NHWC us'] : [])],
    rows: (['training', 'inference'] as const).map((what) => {
      const training = what === 'training';
      const cells: (string | number | null)[] = [what, ...threads.map((t) => Math.round(perImage(rows, t, training) * 10) / 10)];
      if (pt) {
        cells.push(Math.round(pytorchPerImage(rows, pt, 'nchw', training) * 10) / 10, Math.round(pytorchPerImage(rows, pt, 'nhwc', training) * 10) / 10);
        const key = training ? 'train_us_per_image' : 'infer_us_per_image';
        cells.push(Math.round(pt.formats.nchw[key] * 10) / 10, Math.round(pt.formats.nhwc[key] * 10) / 10);
      }
      return cells;
    }),
    notes: pt ? [`PyTorch ${pt.version}, 1 thread, pinned to one core; whole step = zero_grad + forward + cross-entropy + backward + RMSprop (inference at batch 1000)`] : [],
  };
  return [table, totals];
}

function printTable(t: BenchTable): void {
  const cells = [t.columns, ...t.rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${t.title}`);
  for (const r of cells) console.log(r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
  for (const n of t.notes ?? []) console.log(`  ${n}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const ti = argv.indexOf('--threads');
  const threads = ti >= 0 ? argv[ti + 1].split(',').map(Number) : [1, 2];
  const fastest = argv.includes('--min');
  const rows = await benchConv({ threads, minMs: quick ? 150 : 600, fastest });
  const pt = argv.includes('--pytorch') ? runPytorch(quick, fastest) : null;
  if (argv.includes('--pytorch') && !pt) console.error('PyTorch not run: /usr/bin/python3 with torch not found (apt-get install python3-torch libopenblas0-pthread)');
  const tables = convTables(rows, threads, pt, fastest ? 'fastest' : 'median');
  if (argv.includes('--json')) console.log(JSON.stringify({ rows, pytorch: pt, tables }));
  else tables.forEach(printTable);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Relaxed SIMD (fused multiply-add) is on by default from Node 22; Node 20 needs the V8 flag
  // before the kernels compile (they compile on first use).
  if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
  await main();
}
