// `npm run bench`: glassbox beside its peers on the seed workload, in one invocation.
// Each training peer runs in its own child process (so peak RSS is per peer), one after another.
//   node dist/bench/main.js [--quick] [--json [file]] [--epochs N] [--limit N] [--batch 32,128]
//                           [--peers id,id] [--sections gemm,train,...]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchGemm } from './gemm.js';
import { benchCompress } from './compress.js';
import { PEERS, median, peerInfo, pytorchAvailable, runOnnxJob, runPyTorchJob, runTrainJob, withTaskset, type InferResult, type TrainJob, type TrainResult } from './peers.js';
import type { BenchOptions, BenchSection, BenchTable, Cell } from './types.js';

const RESULT_TAG = '@@bench-result ';
/** Relaxed SIMD is on by default from Node 22; on Node 20 children get the V8 flag. */
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

function nodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

// Sections run in this process (explain) get the kernels the glassbox command uses: relaxed SIMD, which the
// command switches on in Node 20 too (WebAssembly is compiled on first use, after this line).
if (nodeMajor() < 22) setFlagsFromString(RELAXED_FLAG);

/** Runs this script as a child with `args` (pinned to `cpus` when taskset exists); returns the JSON it reports. */
function child<T>(args: string[], extraNodeFlags: string[] = [], cpus = '0,1'): T {
  const script = process.argv[1];
  const res = withTaskset(cpus, process.execPath, [...process.execArgv, ...extraNodeFlags, script, ...args]);
  const line = res.stdout.split('\n').find((l) => l.startsWith(RESULT_TAG));
  if (res.status !== 0 || !line) {
    const reason = res.stderr.split('\n').find((l) => /Error|error:/.test(l)) ?? res.stderr.slice(-300);
    throw new Error(`bench child ${args.slice(0, 2).join(' ')} failed (exit ${res.status}): ${reason.trim()}`);
  }
  return JSON.parse(line.slice(RESULT_TAG.length)) as T;
}

/** One training job by any peer: node peers in a pinned child, PyTorch through its script. */
function trainPeer(job: TrainJob): TrainResult {
  const info = peerInfo(job.peer);
  process.stderr.write(`bench: training ${job.model} with ${job.peer}, batch ${job.batchSize} ...\n`);
  if (info.kind === 'pytorch') return runPyTorchJob(job);
  return child<TrainResult>(['--child', 'train', JSON.stringify(job)], info.kind === 'glassbox' ? glassboxFlags() : [], info.cpus);
}

/** Peers asked for, less PyTorch when Debian's python3-torch is not installed (said in a note). */
function availablePeers(opts: BenchOptions, notes: string[]): string[] {
  if (!opts.peers.includes('pytorch-1t') || pytorchAvailable()) return opts.peers;
  notes.push('PyTorch: not run (install Debian python3-torch and libopenblas0-pthread; /usr/bin/python3 must import torch)');
  return opts.peers.filter((p) => p !== 'pytorch-1t');
}

function glassboxFlags(): string[] {
  return nodeMajor() < 22 ? [RELAXED_FLAG] : [];
}

const gemmSection: BenchSection = {
  name: 'gemm',
  async run(opts) {
    const rows = await benchGemm({ threads: [1], relaxed: [false, true], minMs: opts.quick ? 100 : 400, includeJs: true });
    return [{
      title: 'GEMM GFLOP/s, seed model shapes (one core; kernel = operands resident in wasm memory, call = Backend.matmul incl. copies)',
      columns: ['shape', 'kernels', 'kernel GFLOP/s', 'call GFLOP/s'],
      rows: rows.map((r) => [r.shape, r.backend, r.kernelGflops, r.callGflops]),
    }];
  },
};

/** GEMM runs in a child that has relaxed SIMD enabled like the glassbox training children. */
const gemmChildSection: BenchSection = {
  name: 'gemm',
  async run(opts) {
    return child<BenchTable[]>(['--child', 'gemm', ...(opts.quick ? ['--quick'] : [])], glassboxFlags());
  },
};

const trainSection: BenchSection = {
  name: 'train',
  async run(opts) {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-bench-'));
    const onnxPath = join(dir, 'seed.onnx');
    const results: TrainResult[] = [];
    const notes: string[] = [];
    try {
      for (const batchSize of opts.batchSizes) {
        for (const peer of availablePeers(opts, notes)) {
          const job: TrainJob = { peer, model: 'mlp', batchSize, epochs: opts.epochs, trainLimit: opts.trainLimit };
          if (peer === 'glassbox-wasm-1t' && batchSize === opts.batchSizes[0]) job.onnxOut = onnxPath;
          results.push(trainPeer(job));
        }
      }
      let onnx: InferResult | null = null;
      let onnxNote = 'onnxruntime-node: not run (needs the glassbox-wasm-1t peer to export the model)';
      if (opts.peers.includes('glassbox-wasm-1t')) {
        try {
          process.stderr.write('bench: inference with onnxruntime-node ...\n');
          onnx = child<InferResult>(['--child', 'onnx', JSON.stringify({ peer: 'onnxruntime', model: onnxPath })]);
          onnxNote = '';
        } catch (e) {
          onnxNote = `onnxruntime-node: failed (${(e as Error).message.split('\n')[0]})`;
        }
      }
      return trainingTables(results, onnx, [onnxNote, ...notes].filter(Boolean), opts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function trainingTables(results: TrainResult[], onnx: InferResult | null, notes: string[], opts: BenchOptions): BenchTable[] {
  const scale = 60000 / opts.trainLimit;
  const perEpoch = (r: TrainResult) => median(r.epochSeconds) * scale;
  const base = (b: number) => results.find((r) => r.peer === 'glassbox-wasm-1t' && r.batchSize === b);
  const train: BenchTable = {
    title: `Training, seed model on MNIST (${opts.trainLimit} examples/epoch${scale !== 1 ? ', times scaled to 60k' : ''}, ${opts.epochs} epoch(s), median epoch)`,
    columns: ['peer', 'batch', 's/epoch (60k)', 'samples/s', 'test accuracy', 'peak RSS MB', 'glassbox 1t speedup vs peer', 'detail'],
    rows: results.map((r) => {
      const g = base(r.batchSize);
      return [r.label, r.batchSize, perEpoch(r), 60000 / perEpoch(r), r.testAccuracy, r.peakRssMb, g ? perEpoch(r) / perEpoch(g) : null, r.detail];
    }),
    notes: ['speedup = peer seconds per epoch / glassbox (wasm, 1 thread) seconds per epoch at the same batch size'],
  };
  const firstBatch = opts.batchSizes[0];
  const inferRows: Cell[][] = results
    .filter((r) => r.batchSize === firstBatch)
    .map((r) => [r.label, r.inferRowsPerSec, r.testAccuracy, r.detail]);
  if (onnx) inferRows.push([onnx.label, onnx.inferRowsPerSec, onnx.testAccuracy, onnx.detail]);
  const g = results.find((r) => r.peer === 'glassbox-wasm-1t' && r.batchSize === firstBatch);
  const infer: BenchTable = {
    title: 'Inference: 10k MNIST test rows in batches of 1000 (model trained above at the first batch size)',
    columns: ['peer', 'rows/s', 'test accuracy', 'detail', 'glassbox 1t / peer'],
    rows: inferRows.map((r) => [...r, g ? g.inferRowsPerSec / (r[1] as number) : null]),
    notes,
  };
  return [train, infer];
}

/**
 * TensorFlow.js' MNIST example CNN at batch 64 on 12k digits: glassbox (1 and 2 threads), PyTorch (1 thread),
 * TF.js cpu (on fewer digits: it is slow; times per image) and TF.js wasm, which has no kernel for the
 * conv filter gradient and cannot train it (the run records TF.js' own error).
 */
const cnnSection: BenchSection = {
  name: 'cnn',
  async run(opts) {
    const notes: string[] = [];
    const digits = opts.quick ? 3000 : 12000;
    const results: TrainResult[] = [];
    for (const peer of availablePeers(opts, notes)) {
      if (peer === 'glassbox-js') continue;
      const slow = peer.startsWith('tfjs');
      const job: TrainJob = { peer, model: 'cnn', batchSize: 64, epochs: slow ? 1 : opts.quick ? 1 : 2, trainLimit: slow ? (opts.quick ? 256 : 1280) : digits };
      try {
        results.push(trainPeer(job));
      } catch (e) {
        const info = peerInfo(peer);
        results.push({ peer, label: info.label, model: 'cnn', batchSize: 64, trainLimit: job.trainLimit, epochSeconds: [], testAccuracy: NaN, inferRowsPerSec: NaN, peakRssMb: NaN, detail: '', failed: (e as Error).message });
      }
    }
    const perImageMs = (r: TrainResult) => (r.epochSeconds.length ? (median(r.epochSeconds.slice(-1)) / r.trainLimit) * 1000 : NaN);
    const base = results.find((r) => r.peer === 'glassbox-wasm-1t');
    const rows: Cell[][] = results.map((r) => r.failed
      ? [r.label, null, null, null, null, null, `cannot train: ${r.failed}`]
      : [r.label, perImageMs(r) * digits / 1000, perImageMs(r) * 1000, r.testAccuracy, r.inferRowsPerSec, base ? perImageMs(r) / perImageMs(base) : null, `${r.detail}; ${r.trainLimit} digits, last epoch of ${r.epochSeconds.length}`]);
    return [{
      title: `Training the TensorFlow.js MNIST example CNN (conv 3x3 16-32-32, two 2x2 max-pools, dense 64; RMSprop 1e-3, batch 64), times for ${digits} digits`,
      columns: ['peer', `s/epoch (${digits})`, 'us/image', 'test accuracy', 'inference rows/s', 'glassbox 1t speed-up vs peer', 'detail'],
      rows,
      notes: [...notes, 'test accuracy after the peer\'s epochs on its digits (TF.js peers train on fewer); inference: 10k test rows in batches of 1000'],
    }];
  },
};

/** int8 against float32 (src/bench/compress.ts), in a child with relaxed SIMD enabled like the training children. */
const compressSection: BenchSection = {
  name: 'compress',
  async run(opts) {
    process.stderr.write('bench: int8 vs float32 ...\n');
    return child<BenchTable[]>(['--child', 'compress', JSON.stringify(opts)], glassboxFlags());
  },
};

function formatCell(c: Cell): string {
  if (c === null) return '-';
  if (typeof c === 'string') return c;
  if (Number.isInteger(c)) return String(c);
  if (Math.abs(c) >= 1000) return Math.round(c).toLocaleString('en-US');
  if (Math.abs(c) >= 100) return c.toFixed(0);
  if (Math.abs(c) >= 10) return c.toFixed(1);
  return c.toFixed(c < 1 ? 3 : 2);
}

/** A GitHub-flavoured markdown table, so the README can take it verbatim. */
export function formatTable(t: BenchTable): string {
  const lines = [`### ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`];
  for (const r of t.rows) lines.push(`| ${r.map(formatCell).join(' | ')} |`);
  for (const n of t.notes ?? []) lines.push('', n);
  return lines.join('\n');
}

function parseArgs(argv: string[]): { opts: BenchOptions; json: string | null; sections: string[] | null } {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
  };
  const known = new Set(['--quick', '--json', '--epochs', '--limit', '--batch', '--peers', '--sections']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`bench: unknown option ${a}; known: ${[...known].join(' ')}`);
  const num = (name: string, dflt: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${name} expects a positive integer, got '${v}'`);
    return n;
  };
  const peers = value('--peers')?.split(',') ?? PEERS.map((p) => p.id).filter((id) => id !== 'glassbox-js' || quick);
  for (const p of peers) if (!PEERS.some((q) => q.id === p)) throw new Error(`bench: unknown peer '${p}'; known: ${PEERS.map((q) => q.id).join(', ')}`);
  const opts: BenchOptions = {
    quick,
    trainLimit: Math.min(60000, num('--limit', quick ? 6000 : 60000)),
    epochs: num('--epochs', quick ? 1 : 2),
    batchSizes: (value('--batch') ?? '32,128').split(',').map(Number),
    peers,
  };
  const json = argv.includes('--json') ? value('--json') ?? '-' : null;
  return { opts, json, sections: value('--sections')?.split(',') ?? null };
}

async function childMain(argv: string[]): Promise<void> {
  const kind = argv[1];
  let result: unknown;
  if (kind === 'train') result = await runTrainJob(JSON.parse(argv[2]) as TrainJob);
  else if (kind === 'onnx') result = await runOnnxJob(JSON.parse(argv[2]));
  else if (kind === 'gemm') result = await gemmSection.run({ quick: argv.includes('--quick') } as BenchOptions);
  else if (kind === 'compress') result = await benchCompress(JSON.parse(argv[2]) as BenchOptions);
  else throw new Error(`bench: unknown child job '${kind}'`);
  process.stdout.write(`${RESULT_TAG}${JSON.stringify(result)}\n`);
  // Worker threads are unref'd, but exit explicitly so no handle keeps a child alive.
  process.exit(0);
}

async function loadExtraSections(): Promise<BenchSection[]> {
  // Hook for src/bench/explain.ts (explainer speed): `export const sections: BenchSection[]`.
  const spec = './explain.js';
  try {
    const mod = (await import(spec)) as { sections?: BenchSection[] };
    return mod.sections ?? [];
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw e;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childMain(argv);
  const { opts, json, sections } = parseArgs(argv);
  const all = [gemmChildSection, trainSection, cnnSection, compressSection, ...(await loadExtraSections())];
  const chosen = sections ? all.filter((s) => sections.includes(s.name)) : all;
  const tables: BenchTable[] = [];
  const header = `glassbox bench — node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}${opts.quick ? ' (--quick)' : ''}`;
  if (json !== '-') console.log(`${header}\n`);
  for (const s of chosen) {
    for (const t of await s.run(opts)) {
      tables.push(t);
      if (json !== '-') console.log(`${formatTable(t)}\n`);
    }
  }
  if (json) {
    const doc = JSON.stringify({ header, options: opts, tables }, null, 2);
    if (json === '-') console.log(doc);
    else writeFileSync(json, doc);
  }
}

await main();
