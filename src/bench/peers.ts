// The benchmark's workloads, each run in its own child process so peak RSS is per peer: the seed MLP
// (784 -> Dense 64 ReLU -> Dense 10 softmax, Adam 1e-3) or TensorFlow.js' MNIST example CNN (conv 3x3
// 16-32-32, two 2x2 max-pools, dense 64, RMSprop 1e-3), trained on MNIST by glassbox, TensorFlow.js or
// PyTorch, then inference on the 10k test rows.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export type BenchModel = 'mlp' | 'cnn';

export interface TrainJob {
  peer: string;
  model: BenchModel;
  batchSize: number;
  epochs: number;
  trainLimit: number;
  /** Where the glassbox peer writes its trained model as ONNX (for the onnxruntime peer). */
  onnxOut?: string;
}

export interface TrainResult {
  peer: string;
  label: string;
  model: BenchModel;
  batchSize: number;
  trainLimit: number;
  /** Wall seconds of each epoch (over trainLimit examples). */
  epochSeconds: number[];
  testAccuracy: number;
  /** Rows per second predicting the 10k test rows in batches of 1000 (median of runs). */
  inferRowsPerSec: number;
  peakRssMb: number;
  detail: string;
  /** Set when the peer could not run the job at all (the reason, as the peer reported it). */
  failed?: string;
}

export interface InferJob {
  peer: 'onnxruntime';
  model: string;
}

export interface PeerInfo {
  id: string;
  label: string;
  kind: 'glassbox' | 'tfjs' | 'pytorch';
  /** CPUs the child is pinned to (taskset), so one-thread peers do not share a core with the bench. */
  cpus: string;
}

export const PEERS: PeerInfo[] = [
  { id: 'glassbox-wasm-1t', label: 'glassbox wasm, 1 thread', kind: 'glassbox', cpus: '0' },
  { id: 'glassbox-wasm-2t', label: 'glassbox wasm, 2 threads', kind: 'glassbox', cpus: '0,1' },
  { id: 'glassbox-js', label: 'glassbox js reference', kind: 'glassbox', cpus: '0' },
  { id: 'pytorch-1t', label: 'PyTorch, 1 thread', kind: 'pytorch', cpus: '0' },
  { id: 'tfjs-wasm', label: 'TensorFlow.js 4.22 wasm', kind: 'tfjs', cpus: '0' },
  { id: 'tfjs-cpu', label: 'TensorFlow.js 4.22 cpu', kind: 'tfjs', cpus: '0' },
];

const INFER_BATCH = 1000;
const INFER_RUNS = 5;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function argmaxAccuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + best]) best = c;
    if (best === labels[r]) correct++;
  }
  return correct / labels.length;
}

export function peerInfo(id: string): PeerInfo {
  const info = PEERS.find((p) => p.id === id);
  if (!info) throw new Error(`bench: unknown peer '${id}'; known: ${PEERS.map((p) => p.id).join(', ')}`);
  return info;
}

/** Runs a node-side job (glassbox or TF.js) in this process. */
export async function runTrainJob(job: TrainJob): Promise<TrainResult> {
  const info = peerInfo(job.peer);
  if (info.kind === 'pytorch') throw new Error('bench: PyTorch jobs run through runPyTorchJob');
  return info.kind === 'glassbox' ? runGlassbox(job, info) : runTfjs(job, info);
}

/** Times epochs and inference the same way for every node-side peer. */
async function timed(job: TrainJob, info: PeerInfo, fit: (onEpoch: { begin(): void; end(): void }) => Promise<void>, predict: () => ArrayLike<number>, labels: ArrayLike<number>, detail: string): Promise<TrainResult> {
  const epochSeconds: number[] = [];
  let t0 = 0;
  await fit({ begin: () => void (t0 = performance.now()), end: () => void epochSeconds.push((performance.now() - t0) / 1000) });
  const testAccuracy = argmaxAccuracy(predict(), labels, 10);
  const times: number[] = [];
  for (let r = 0; r < INFER_RUNS; r++) {
    const t = performance.now();
    predict();
    times.push((performance.now() - t) / 1000);
  }
  return {
    peer: job.peer, label: info.label, model: job.model, batchSize: job.batchSize, trainLimit: job.trainLimit, epochSeconds, testAccuracy,
    inferRowsPerSec: labels.length / median(times), peakRssMb: peakRssMb(), detail,
  };
}

async function runGlassbox(job: TrainJob, info: PeerInfo): Promise<TrainResult> {
  const gb = await import('../index.js');
  const wasm = await import('../backend/wasm/index.js');
  let detail = 'js reference backend';
  if (job.peer === 'glassbox-js') {
    gb.setBackend('js');
  } else {
    gb.setBackend('wasm');
    const be = gb.backend();
    if (!(be instanceof wasm.WasmBackend)) throw new Error('bench: WebAssembly SIMD is unavailable here');
    be.setThreads(job.peer === 'glassbox-wasm-2t' ? 2 : 1);
    await be.warmUp();
    detail = `kernels: ${be.variant}, ${be.threads} thread(s)`;
  }
  const data = await gb.loadMnist({ trainLimit: job.trainLimit });
  gb.setSeed(1);
  const L = gb.layers;
  const model = gb.sequential({
    layers: job.model === 'cnn'
      ? [
        L.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
        L.conv2d({ kernelSize: 3, filters: 16, activation: 'relu' }), L.maxPooling2d({ poolSize: 2, strides: 2 }),
        L.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), L.maxPooling2d({ poolSize: 2, strides: 2 }),
        L.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }), L.flatten(),
        L.dense({ units: 64, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' }),
      ]
      : [L.dense({ units: 64, activation: 'relu', inputShape: [784] }), L.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: job.model === 'cnn' ? gb.train.rmsprop(1e-3) : gb.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const result = await timed(job, info, async (on) => {
    await model.fit(data.trainImages, data.trainLabels, {
      epochs: job.epochs, batchSize: job.batchSize, shuffle: true, verbose: 0,
      callbacks: { onEpochBegin: () => on.begin(), onEpochEnd: () => on.end() },
    });
  }, () => model.predict(data.testImages, { batchSize: INFER_BATCH }).values as Float32Array, data.testLabels.values, detail);
  if (job.onnxOut) {
    const { toOnnx } = await import('../io/onnx-export.js');
    writeFileSync(job.onnxOut, toOnnx(model));
  }
  return result;
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
  const image = job.model === 'cnn' ? [28, 28, 1] : [784];
  const x = tf.tensor(data.trainImages.values as Float32Array, [n, ...image]);
  const y = tf.tensor1d(Float32Array.from(data.trainLabels.values), 'float32');
  const testN = data.testImages.shape[0];
  const xt = tf.tensor(data.testImages.values as Float32Array, [testN, ...image]);
  const model = tf.sequential();
  if (job.model === 'cnn') {
    // TensorFlow.js' own MNIST example (tfjs-examples/mnist createConvModel).
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], kernelSize: 3, filters: 16, activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    model.add(tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    model.add(tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }));
    model.add(tf.layers.flatten({}));
    model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  } else {
    model.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  }
  model.compile({ optimizer: job.model === 'cnn' ? tf.train.rmsprop(1e-3) : tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return timed(job, info, async (on) => {
    await model.fit(x, y, {
      epochs: job.epochs, batchSize: job.batchSize, shuffle: true, verbose: 0,
      callbacks: { onEpochBegin: async () => on.begin(), onEpochEnd: async () => on.end() },
    });
  }, () => {
    const out = model.predict(xt, { batchSize: INFER_BATCH }) as import('@tensorflow/tfjs').Tensor;
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  }, data.testLabels.values, `backend ${tf.getBackend()}`);
}

/** Whether Debian's PyTorch is importable by /usr/bin/python3 (python3-torch installs there). */
export function pytorchAvailable(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** PyTorch on the same job (scripts/pytorch-train.py), pinned to the peer's CPUs when taskset exists. */
export function runPyTorchJob(job: TrainJob): TrainResult {
  const info = peerInfo(job.peer);
  const args = ['scripts/pytorch-train.py', JSON.stringify({ model: job.model, batchSize: job.batchSize, epochs: job.epochs, trainLimit: job.trainLimit, threads: 1 })];
  const res = withTaskset(info.cpus, '/usr/bin/python3', args);
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.status !== 0 || !line) throw new Error(`bench: PyTorch failed (exit ${res.status}): ${res.stderr.slice(-500)}`);
  const r = JSON.parse(line) as Pick<TrainResult, 'epochSeconds' | 'testAccuracy' | 'inferRowsPerSec' | 'detail'>;
  return { ...r, peer: job.peer, label: info.label, model: job.model, batchSize: job.batchSize, trainLimit: job.trainLimit, peakRssMb: NaN };
}

/** spawnSync under `taskset -c cpus` when taskset is installed, else plainly. */
export function withTaskset(cpus: string, command: string, args: string[]) {
  const taskset = existsSync('/usr/bin/taskset') ? '/usr/bin/taskset' : null;
  const [cmd, argv] = taskset ? [taskset, ['-c', cpus, command, ...args]] : [command, args];
  return spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
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
