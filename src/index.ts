// glassbox: deep learning in TypeScript that is fast to train and explains itself.

import './backend/js/index.js';
import './backend/wasm/index.js';

export { Tensor, type DType, type TypedArray, type NestedArray } from './tensor/tensor.js';
export * from './ops/index.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './autograd/grad.js';
export { noGrad } from './autograd/tape.js';
export { Variable, variable } from './autograd/variable.js';
export { backendNames, type Backend } from './backend/backend.js';
export { setBackend, getBackend, backend, ready, tidy, dispose, keep, memory, print, type MemoryInfo } from './compat/runtime.js';
export * as util from './compat/util.js';
export { Rng, setSeed, getRng } from './util/random.js';
export * from './nn/index.js';
export * from './train/index.js';
export {
  loadMnist, loadMnistSync, loadCsv, parseCsv, readCsvTable, MinMaxScaler, StandardScaler, scalerFromJSON, TabularEncoder, TablePipeline, prepareTable,
  trainTestSplit, type TableRecord,
} from './data/index.js';
export * as data from './data/index.js';
export * from './io/index.js';
export * as explain from './distributed/explain-namespace.js';
export { startWorker, DISTRIBUTED_METHODS, type WorkerOptions, type RunningWorker } from './distributed/index.js';
export * as compress from './compress/index.js';
export * from './tables/index.js';
export { Explanation, type Predictor } from './explain/index.js';
export { writeReport, buildReportHtml, type ReportOptions, type ReportEvaluation } from './report/index.js';
