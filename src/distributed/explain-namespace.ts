// `gb.explain` in Node: every explainer, plus explain.distributed (rows explained by BullMQ workers).

export * from '../explain/index.js';
export { distributed, type DistributedOptions } from './explain-distributed.js';
