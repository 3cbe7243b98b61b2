// On a compute thread: one shard explained with the run's method and options, as the whole run would explain its rows.

import { Tensor } from '../tensor/tensor.js';
import { getBackend, setBackend } from '../backend/backend.js';
import { runExplainer } from '../explain/run.js';
import type { LayersModel } from '../train/layers-model.js';
import { loadModel } from '../io/save-load.js';
import { arithmetic, type ExplainRunSpec } from './explain-spec.js';
import { encodeExplanation, type EncodedExplanation } from './explanation-codec.js';
import { PayloadError } from './validate.js';

/** Everything a shard needs, checked by the worker's main thread (explain-shard.ts). */
export interface ShardInputs {
  spec: ExplainRunSpec;
  firstRow: number;
  rows: Float32Array;
  predictions: Float32Array;
  background: Float32Array;
  backgroundWeights: Float32Array | null;
  modelJson: string;
  weights: Uint8Array;
}

/** Models kept loaded between shards, by content hash (a run's shards reuse one model). */
const MODELS_KEPT = 4;
const models = new Map<string, LayersModel>();

export async function compute(p: ShardInputs, progress: (done: number) => void): Promise<EncodedExplanation> {
  const { spec } = p;
  if (getBackend().name !== spec.backend) setBackend(spec.backend);
  if (arithmetic() !== spec.arithmetic) {
    throw new PayloadError(`this worker computes with ${arithmetic()} kernels, the submitter with ${spec.arithmetic}, so the last bits would differ from a local run: ` +
      'run workers and submitter on the same Node version and CPU type (on Node 20 the glassbox command turns on relaxed SIMD; in your own program start node with --experimental-wasm-relaxed-simd)');
  }
  const model = await cachedModel(`${spec.model.json}:${spec.model.weights}`, p);
  const n = p.rows.length / spec.rowShape.reduce((a, b) => a * b, 1);
  const bgData = new Tensor(p.background, [spec.background.rows, ...spec.rowShape]);
  const background = p.backgroundWeights ? { data: bgData, weights: p.backgroundWeights } : bgData;
  const e = await runExplainer(spec.method, model, new Tensor(p.rows, [n, ...spec.rowShape]), {
    ...spec.options, background, shard: { firstRow: p.firstRow, predictions: p.predictions }, onProgress: (q: { done: number }) => progress(q.done),
  });
  return encodeExplanation(e);
}

async function cachedModel(id: string, p: ShardInputs): Promise<LayersModel> {
  let model = models.get(id);
  if (!model) {
    // loadModel checks the document's digest, sizes and CRC before it builds anything; a bad model is not retried.
    model = await loadModel({ modelJson: p.modelJson, weights: p.weights }).catch((e: Error) => {
      throw new PayloadError(`model from Redis: ${e.message}`);
    });
    if (models.size >= MODELS_KEPT) models.delete(models.keys().next().value!);
  }
  models.delete(id);
  models.set(id, model);
  return model;
}
