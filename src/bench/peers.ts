// The benchmark's workloads, each run in its own child process so peak RSS is per peer:
// the seed model (784 -> Dense 64 ReLU -> Dense 10 softmax, Adam 1e-3, sparse categorical
// cross-entropy) trained on MNIST by glassbox or TensorFlow.js, then inference on the 10k test rows.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';

export interface TrainJob {
  peer: string;
  batchSize: number;
  epochs: number;
  trainLimit: number;
  /** Where the glassbox peer writes its trained model as ONNX (for the onnxruntime peer). */
  onnxOut?: string;
}

export interface TrainResult {
  peer: string;
  label: string;
  batchSize: number;
  /** Wall seconds of each epoch (over trainLimit examples). */
  epochSeconds: number[];
  testAccuracy: number;
  /** Rows per second predicting the 10k test rows in batches of 1000 (median of runs). */
  inferRowsPerSec: number;
  peakRssMb: number;
  detail: string;
}

export interface InferJob {
  peer: 'onnxruntime';
  model: string;
}

export interface PeerInfo {
  id: string;
  label: string;
  kind: 'glassbox' | 'tfjs';
}

export const PEERS: PeerInfo[] = [
  { id: 'glassbox-wasm-1t', label: 'glassbox wasm, 1 thread', kind: 'glassbox' },
  { id: 'glassbox-wasm-2t', label: 'glassbox wasm, 2 threads', kind: 'glassbox' },
  { id: 'glassbox-js', label: 'glassbox js reference', kind: 'glassbox' },
  { id: 'tfjs-wasm', label: 'TensorFlow.js 4.22 wasm', kind: 'tfjs' },
  { id: 'tfjs-cpu', label: 'TensorFlow.js 4.22 cpu', kind: 'tfjs' },
];

const INFER_BATCH = 1000;
const INFER_RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function argmaxAccuracy(probs: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + best]) best = c;
    if (best === labels[r]) correct++;
  }
  return correct / labels.length;
}

export async function runTrainJob(job: TrainJob): Promise<TrainResult> {
  const info = PEERS.find((p) => p.id === job.peer);
  if (!info) throw new Error(`bench: unknown peer '${job.peer}'; known: ${PEERS.map((p) => p.id).join(', ')}`);
  return info.kind === 'glassbox' ? runGlassbox(job, info) : runTfjs(job, info);
}

async function runGlassbox(job: TrainJob, info: PeerInfo): Promise<TrainResult> {
  const gb = await import('../index.js');
  const wasm = await import('../backend/wasm/index.js');
  let detail = 'js reference backend';
  if (job.peer === 'glassbox-js') {
    gb.setBackend('js');
  } else {
    gb.setBackend('wasm');
    const be = gb.getBackend();
    if (!(be instanceof wasm.WasmBackend)) throw new Error('bench: WebAssembly SIMD is unavailable here');
    be.setThreads(job.peer === 'glassbox-wasm-2t' ? 2 : 1);
    await be.warmUp();
    detail = `kernels: ${be.variant}, ${be.threads} thread(s)`;
  }
  const data = await gb.loadMnist({ trainLimit: job.trainLimit });
  gb.setSeed(1);
  const model = gb.sequential({
    layers: [gb.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), gb.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: gb.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const epochSeconds: number[] = [];
  let t0 = 0;
  await model.fit(data.trainImages, data.trainLabels, {
    epochs: job.epochs, batchSize: job.batchSize, shuffle: true, verbose: 0,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onEpochEnd: () => { epochSeconds.push((performance.now() - t0) / 1000); },
    },
  });
  const predict = () => model.predict(data.testImages, { batchSize: INFER_BATCH }).values as Float32Array;
  const probs = predict();
  const testAccuracy = argmaxAccuracy(probs, data.testLabels.values, 10);
  const times: number[] = [];
  for (let r = 0; r < INFER_RUNS; r++) {
    const t = performance.now();
    predict();
    times.push((performance.now() - t) / 1000);
  }
  if (job.onnxOut) writeFileSync(job.onnxOut, await exportOnnx(model));
  return {
    peer: job.peer, label: info.label, batchSize: job.batchSize, epochSeconds, testAccuracy,
    inferRowsPerSec: data.testImages.shape[0] / median(times), peakRssMb: peakRssMb(), detail,
  };
}

/** The trained seed model as ONNX bytes, through the io exporter. */
async function exportOnnx(model: import('../train/sequential.js').Sequential): Promise<Uint8Array> {
  const { toOnnx } = await import('../io/onnx-export.js');
  return toOnnx(model);
}

function tfjsWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

async function runTfjs(job: TrainJob, info: PeerInfo): Promise<TrainResult> {
  const tf = await import('@tensorflow/tfjs');
  if (job.peer === 'tfjs-wasm') {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    // Local files only: no network.
    setWasmPaths(tfjsWasmDir());
    await tf.setBackend('wasm');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  const gb = await import('../data/mnist.js');
  const data = await gb.loadMnist({ trainLimit: job.trainLimit });
  const n = data.trainImages.shape[0];
  const x = tf.tensor2d(data.trainImages.values as Float32Array, [n, 784]);
  const y = tf.tensor1d(Float32Array.from(data.trainLabels.values), 'float32');
  const testN = data.testImages.shape[0];
  const xt = tf.tensor2d(data.testImages.values as Float32Array, [testN, 784]);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const epochSeconds: number[] = [];
  let t0 = 0;
  await model.fit(x, y, {
    epochs: job.epochs, batchSize: job.batchSize, shuffle: true, verbose: 0,
    callbacks: {
      onEpochBegin: async () => { t0 = performance.now(); },
      onEpochEnd: async () => { epochSeconds.push((performance.now() - t0) / 1000); },
    },
  });
  const predict = () => {
    const out = model.predict(xt, { batchSize: INFER_BATCH }) as import('@tensorflow/tfjs').Tensor;
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  };
  const testAccuracy = argmaxAccuracy(predict(), data.testLabels.values, 10);
  const times: number[] = [];
  for (let r = 0; r < INFER_RUNS; r++) {
    const t = performance.now();
    predict();
    times.push((performance.now() - t) / 1000);
  }
  return {
    peer: job.peer, label: info.label, batchSize: job.batchSize, epochSeconds, testAccuracy,
    inferRowsPerSec: testN / median(times), peakRssMb: peakRssMb(), detail: `backend ${tf.getBackend()}`,
  };
}

export interface InferResult {
  label: string;
  inferRowsPerSec: number;
  testAccuracy: number;
  peakRssMb: number;
  detail: string;
}

/** onnxruntime-node (one intra-op thread) on the glassbox model exported as ONNX. */
export async function runOnnxJob(job: InferJob): Promise<InferResult> {
  const ort = await import('onnxruntime-node');
  const gb = await import('../data/mnist.js');
  const data = await gb.loadMnist({ trainLimit: 1 });
  const session = await ort.InferenceSession.create(job.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input = session.inputNames[0];
  const rows = data.testImages.shape[0];
  const xs = data.testImages.values as Float32Array;
  const run = async () => {
    const out = new Float32Array(rows * 10);
    for (let r = 0; r < rows; r += INFER_BATCH) {
      const b = Math.min(INFER_BATCH, rows - r);
      const feeds = { [input]: new ort.Tensor('float32', xs.subarray(r * 784, (r + b) * 784), [b, 784]) };
      const res = await session.run(feeds);
      out.set(res[session.outputNames[0]].data as Float32Array, r * 10);
    }
    return out;
  };
  const testAccuracy = argmaxAccuracy(await run(), data.testLabels.values, 10);
  const times: number[] = [];
  for (let r = 0; r < INFER_RUNS; r++) {
    const t = performance.now();
    await run();
    times.push((performance.now() - t) / 1000);
  }
  return { label: 'onnxruntime-node 1.30 (1 thread)', inferRowsPerSec: rows / median(times), testAccuracy, peakRssMb: peakRssMb(), detail: 'glassbox model exported to ONNX' };
}
