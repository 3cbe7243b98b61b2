// The compress benchmark: int8 against float32 on the seed model, one thread, in one process — the dense
// product's kernels (GFLOP/s, a multiply-add counted 2) on resident operands, and the whole seed MLP's batched
// inference (rows/s, timed in turns) with its accuracy, after a short training run.

import { createWasmBackend, type WasmBackend } from '../backend/wasm/index.js';
import { setBackend, registerBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import { Dense } from '../nn/dense.js';
import { sequential } from '../train/sequential.js';
import { setSeed } from '../util/random.js';
import { quantizeModel } from '../compress/quantize.js';
import { accuracyOf, measureThroughput, pairedSpeedup } from '../compress/measure.js';
import type { BenchOptions, BenchTable, Cell } from './types.js';
import { timeMedian } from './gemm.js';

/** float32 GEMM + bias/relu against the int8 dense product, both on operands resident in wasm memory. */
function denseKernels(be: WasmBackend, m: number, k: number, n: number, minMs: number): Cell[][] {
  const x = be.allocFloat32(m * k).map(() => Math.random());
  const w = be.allocFloat32(k * n).map(() => Math.random() - 0.5);
  const y = be.allocFloat32(m * n);
  const bias = be.allocFloat32(n);
  const block = (bytes: number) => {
    const f = be.allocFloat32(Math.ceil(bytes / 4) + 4);
    return { keep: f, bytes: new Int8Array(f.buffer, f.byteOffset, bytes) };
  };
  const xq = block(m * k), wq = block(n * k);
  xq.bytes.forEach((_, i) => (xq.bytes[i] = (i * 37) % 128));
  wq.bytes.forEach((_, i) => (wq.bytes[i] = ((i * 91) % 255) - 127));
  const mult = new Float32Array(n).fill(1e-3);
  const dims = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const flops = 2 * m * k * n;
  const fl = timeMedian(() => {
    be.matmul(x, w, y, dims);
    be.biasActivation(y, bias, y, m, n, 'relu');
  }, minMs);
  const q = timeMedian(() => be.linearU7(xq.bytes, wq.bytes, mult, bias, y, { m, k, n, zeroPoint: 0, relu: true }), minMs);
  const qz = timeMedian(() => be.quantizeU7(x, xq.bytes, 1 / 127, 0), minMs);
  const shape = `${m}x${k}x${n}`;
  void [xq.keep, wq.keep];
  return [
    [shape, 'float32 GEMM + bias + relu', be.variant, flops / fl / 1e6, 1],
    [shape, `int8 (${be.int8.path})`, be.variant, flops / q / 1e6, fl / q],
    [shape, 'int8 + quantising its input', be.variant, flops / (q + qz) / 1e6, fl / (q + qz)],
  ];
}

/** The child's work: both kernel variants, then the seed MLP float vs int8. */
export async function benchCompress(opts: BenchOptions): Promise<BenchTable[]> {
  const minMs = opts.quick ? 100 : 400;
  const kernelRows: Cell[][] = [];
  for (const relaxed of [false, true]) {
    const be = createWasmBackend({ threads: 1, relaxedSimd: relaxed });
    if (!be) continue;
    kernelRows.push(...denseKernels(be, 1000, 784, 64, minMs));
    be.dispose();
  }
  // The seed model, trained briefly, on a one-thread wasm backend.
  const be = createWasmBackend({ threads: 1 })!;
  registerBackend('wasm-1t', () => be);
  setBackend('wasm-1t');
  setSeed(1);
  const d = await loadMnist({ trainLimit: opts.trainLimit });
  const model = sequential({ layers: [new Dense({ units: 64, activation: 'relu', inputShape: [784] }), new Dense({ units: 10, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(d.trainImages, d.trainLabels, { epochs: opts.epochs, batchSize: 32, verbose: 0, shuffleSeed: 1 });
  const q = quantizeModel(model, d.trainImages.slice([0], [1000])).model;
  const [f, i] = measureThroughput([model, q], d.testImages, { rounds: opts.quick ? 3 : 9, batchSize: 1000 });
  const accF = accuracyOf(model, d.testImages, d.testLabels), accQ = accuracyOf(q, d.testImages, d.testLabels);
  be.dispose();
  return [
    { title: 'int8 dense product vs float32 (one thread, operands resident in wasm memory; GFLOP/s counts a multiply-add as 2)', columns: ['shape', 'kernel', 'build', 'GFLOP/s', 'speed-up vs float32'], rows: kernelRows },
    {
      title: `Seed MLP inference, float32 vs int8 post-training quantisation (one thread, 10k test rows in batches of 1000, timed in turns; trained ${opts.epochs} epoch(s) on ${opts.trainLimit} rows)`,
      columns: ['model', 'rows/s (median round)', 'rows per CPU-second', 'test accuracy', 'speed-up (median of per-round ratios)', 'speed-up in CPU time'],
      rows: [
        ['float32', f.median, f.cpuMedian, accF, 1, 1],
        [`int8 (${be.int8.path})`, i.median, i.cpuMedian, accQ, pairedSpeedup(f, i), pairedSpeedup(f, i, 'cpu')],
      ],
    },
  ];
}
