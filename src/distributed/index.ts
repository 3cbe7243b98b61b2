// Node only: explanations and workers over BullMQ on Redis (the queue is the engine; glassbox adds jobs and their checks).

export { distributed, defaultShardRows, type DistributedOptions } from './explain-distributed.js';
export { startWorker, type WorkerOptions, type RunningWorker, type JobHandler, type JobContext } from './worker.js';
export { DISTRIBUTED_METHODS, type DistributedMethod } from './explain-spec.js';
