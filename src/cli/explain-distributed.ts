// `glassbox explain --redis URL`: the explanation run by BullMQ workers, one progress bar across them, Ctrl-C cancels the run.

import type { Tensor } from '../tensor/tensor.js';
import type { LayersModel } from '../train/layers-model.js';
import type { Explanation } from '../explain/explanation.js';
import { DISTRIBUTED_METHODS, isDistributedMethod } from '../distributed/explain-spec.js';
import { distributed } from '../distributed/explain-distributed.js';
import { PayloadError } from '../distributed/validate.js';
import { UserError } from './errors.js';
import { interruptible } from './progress-bar.js';

export interface RedisFlags {
  redis: string;
  queue?: string;
  shardRows?: number;
}

/** Runs `method` on the workers; exits 130 after removing the run's queued jobs on Ctrl-C. */
export async function explainOnWorkers(method: string, model: LayersModel, x: Tensor, options: Record<string, unknown>, flags: RedisFlags): Promise<Explanation> {
  if (!isDistributedMethod(method)) {
    throw new UserError(`--redis: ${method} does not distribute yet; use one of ${DISTRIBUTED_METHODS.join(', ')}, or run it without --redis`);
  }
  try {
    return await interruptible(`${method} on workers`, (signal, progress) => distributed(method, model, x, {
      ...options, redis: flags.redis, queue: flags.queue, shardRows: flags.shardRows, signal, onProgress: (p) => progress(p.done, p.total),
    }));
  } catch (e) {
    throw e instanceof PayloadError ? new UserError(e.message) : e;
  }
}
