// explain.distributed: the rows split into shards, explained by BullMQ workers, merged into the Explanation a local run gives.

import { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../backend/backend.js';
import { LayersModel } from '../train/layers-model.js';
import { toArtifacts } from '../io/artifacts.js';
import { shapleyPredictions } from '../explain/shapley-common.js';
import type { Explanation } from '../explain/explanation.js';
import type { Progress, WeightedBackground } from '../explain/types.js';
import { checkRows, floatRows } from '../explain/predictor.js';
import { BLOB_TTL_SECONDS, BlobStore } from './blobs.js';
import { f32ToBase64, f32ToBytes } from './codec.js';
import { DISTRIBUTED_METHODS, arithmetic, checkOptions, checkRunSpec, isDistributedMethod, type ExplainRunSpec, type ShardJobData } from './explain-spec.js';
import { decodeExplanation } from './explanation-codec.js';
import { DEFAULT_QUEUE, checkQueueName, keyPrefix, newRunId, runKey, runPartKey } from './keys.js';
import { mergeShards } from './merge.js';
import { connectRedis } from './redis.js';
import { runJobs, type RunJob } from './run-tracker.js';

export interface DistributedOptions {
  /** redis:// or rediss:// URL of the Redis the workers use. */
  redis: string;
  /** Queue name (default 'glassbox'); workers must use the same. */
  queue?: string;
  /** Rows per job (default: about 32 shards, 1 to 100 rows each). Results do not depend on it. */
  shardRows?: number;
  /** Fail after Redis has been unreachable this long (default 30 s). */
  redisTimeoutMs?: number;
  background?: Tensor | WeightedBackground;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  [option: string]: unknown;
}

/** Default shard size: enough shards to spread over workers and bound what a killed worker loses. */
export function defaultShardRows(rows: number): number {
  return Math.max(1, Math.min(100, Math.ceil(rows / 32)));
}

/**
 * Explains rows of x with `method` on the queue's workers; identical (bit for bit) to runExplainer(method, model, x, options)
 * with the same seed, whatever the shard size or number of workers. The model must be a glassbox model, Sequential or functional (it travels as its
 * saved artifacts); the other options are those of the method.
 */
export async function distributed(method: string, model: unknown, x: Tensor, options: DistributedOptions): Promise<Explanation> {
  if (!isDistributedMethod(method)) {
    throw new Error(`explain.distributed: ${method} does not distribute yet (methods that do: ${DISTRIBUTED_METHODS.join(', ')}); run it locally`);
  }
  if (!(model instanceof LayersModel)) throw new Error('explain.distributed: the model must be a glassbox model, Sequential or functional (it travels to workers as its saved artifacts; a function cannot)');
  const { redis: url, queue: queueOpt, shardRows: shardOpt, redisTimeoutMs, background, onProgress, signal, ...rest } = options;
  const queue = checkQueueName(queueOpt ?? DEFAULT_QUEUE);
  checkRows(x);
  if (!background) throw new Error(`explain.distributed: ${method} needs a background set: pass { background: rows }`);
  const sent = checkOptions(method, rest, 'explain.distributed');
  const rows = x.shape[0];
  const rowShape = x.shape.slice(1);
  const width = x.size / rows;
  const shardRows = shardOpt ?? defaultShardRows(rows);
  if (!Number.isInteger(shardRows) || shardRows < 1) throw new Error(`explain.distributed: shardRows must be a positive integer, got ${shardRows}`);
  const bg = background instanceof Tensor ? { data: background, weights: null } : background;
  checkRows(bg.data, 'background');
  if (bg.data.shape.slice(1).join() !== rowShape.join()) {
    throw new Error(`explain.distributed: background rows have shape [${bg.data.shape.slice(1)}] but the explained rows have [${rowShape}]`);
  }
  // f(x) over the whole set in one chunked call, as a local run computes it; each shard gets its rows' part.
  const fx = await shapleyPredictions(model, x, { ...sent, signal } as object);
  const outputs = fx.length / rows;
  const data = floatRows(x);
  const redis = await connectRedis(url);
  try {
    const blobs = new BlobStore(redis, keyPrefix(queue));
    const artifacts = toArtifacts(model);
    const runId = newRunId();
    const spec: ExplainRunSpec = {
      v: 1, method, backend: getBackend().name === 'js' ? 'js' : 'wasm', arithmetic: arithmetic(),
      model: { json: await blobs.put(new TextEncoder().encode(artifacts.modelJson), 'model.json'), weights: await blobs.put(artifacts.weights, 'model weights') },
      rowShape, rows, outputs,
      background: {
        data: await blobs.put(f32ToBytes(floatRows(bg.data)), 'background rows'), rows: bg.data.shape[0],
        weights: bg.weights ? await blobs.put(f32ToBytes(Float32Array.from(bg.weights)), 'background weights') : null,
      },
      options: sent,
    };
    // What the worker will read must pass the worker's checks: check it here, before anything is queued.
    checkRunSpec(JSON.parse(JSON.stringify(spec)));
    const specKey = runKey(queue, runId);
    await redis.set(specKey, JSON.stringify(spec), 'EX', BLOB_TTL_SECONDS);
    const jobs: RunJob[] = [];
    const partKeys: string[] = [];
    const bounds: [number, number][] = [];
    for (let start = 0, shard = 0; start < rows; start += shardRows, shard++) {
      const end = Math.min(rows, start + shardRows);
      const key = runPartKey(queue, runId, `rows:${shard}`);
      partKeys.push(key);
      const rowsHash = await blobs.put(f32ToBytes(data.subarray(start * width, end * width)), `rows ${start}-${end}`, key);
      const job: ShardJobData = { runId, shard, start, end, rows: rowsHash, predictions: f32ToBase64(fx.subarray(start * outputs, end * outputs)) };
      jobs.push({ name: 'explain-shard', data: job, units: end - start, label: `shard ${shard} (rows ${start}-${end - 1})` });
      bounds.push([start, end]);
    }
    const results = await runJobs(redis, jobs, {
      url, queue, runId, runKey: specKey, partKeys, signal, redisTimeoutMs,
      onProgress: onProgress && ((done, total) => onProgress({ method, done, total })),
    });
    const parts = results.map((r, i) => {
      const [start, end] = bounds[i];
      return decodeExplanation(r, end - start, data.subarray(start * width, end * width), `result of ${jobs[i].label}`);
    });
    return mergeShards(parts, data);
  } finally {
    redis.disconnect();
  }
}
