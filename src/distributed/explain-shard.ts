// The worker's side of a distributed explanation: fetch and check one shard's inputs, explain them on a compute thread.

import { runKey, runPartKey } from './keys.js';
import { base64ToF32, bytesToF32, parseBoundedJson } from './codec.js';
import { siblingModule } from './compute-pool.js';
import { MAX_SPEC_BYTES, checkRunSpec, checkShardJob, type ExplainRunSpec } from './explain-spec.js';
import type { ShardInputs } from './explain-compute.js';
import { PayloadError } from './validate.js';
import type { JobContext, JobHandler } from './worker.js';
import type { BlobStore } from './blobs.js';

const COMPUTE = siblingModule('explain-compute', import.meta.url);

export function explainShardHandler(): JobHandler {
  return async (raw, ctx) => {
    const job = checkShardJob(raw);
    await ctx.watchRun(job.runId);
    const spec = await readSpec(ctx, job.runId);
    if (job.end > spec.rows) throw new PayloadError(`shard job: rows ${job.start}-${job.end} are outside the run's ${spec.rows} rows`);
    const width = spec.rowShape.reduce((a, b) => a * b, 1);
    const n = job.end - job.start;
    const bg = spec.background;
    const inputs: ShardInputs = {
      spec, firstRow: job.start,
      rows: await exactFloats(ctx.blobs, job.rows, n * width, `rows of shard ${job.shard}`, runPartKey(ctx.queue, job.runId, `rows:${job.shard}`)),
      predictions: base64ToF32(job.predictions, n * spec.outputs, 'shard job.predictions'),
      background: await exactFloats(ctx.blobs, bg.data, bg.rows * width, 'background rows'),
      backgroundWeights: bg.weights ? await exactFloats(ctx.blobs, bg.weights, bg.rows, 'background weights') : null,
      modelJson: new TextDecoder('utf-8', { fatal: true }).decode(await ctx.blobs.get(spec.model.json, 'model.json')),
      weights: await ctx.blobs.get(spec.model.weights, 'model weights'),
    };
    return ctx.compute(COMPUTE, inputs);
  };
}

async function readSpec(ctx: JobContext, runId: string): Promise<ExplainRunSpec> {
  const key = runKey(ctx.queue, runId);
  const size = await ctx.redis.strlen(key);
  if (size === 0) throw new PayloadError(`run ${runId} is not in Redis (cancelled, finished or lost); nothing to do`);
  if (size > MAX_SPEC_BYTES) throw new PayloadError(`run spec: ${size} bytes is over the ${MAX_SPEC_BYTES}-byte limit; refused`);
  return checkRunSpec(parseBoundedJson(await ctx.redis.get(key), MAX_SPEC_BYTES, 'run spec'));
}

async function exactFloats(blobs: BlobStore, hash: string, count: number, what: string, key?: string): Promise<Float32Array> {
  const bytes = await blobs.get(hash, what, count * 4, key);
  if (bytes.length !== count * 4) throw new PayloadError(`${what}: ${bytes.length} bytes, expected ${count} float32 values`);
  return bytesToF32(bytes);
}
