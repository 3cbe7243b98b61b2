// glassbox for browsers: everything that needs no file system. Models load from bytes
// (loadModelFromArtifacts) and data comes from arrays (CSV parsing and files are Node-only for now).

import './backend/js/index.js';
import './backend/wasm/index.js';
import { modelFromArtifacts, type ModelArtifacts } from './io/artifacts.js';
import type { Tensor } from './tensor/tensor.js';
import type { LayersModel } from './train/layers-model.js';

export { Tensor, type DType, type TypedArray, type NestedArray } from './tensor/tensor.js';
export * from './ops/index.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './autograd/grad.js';
export { noGrad } from './autograd/tape.js';
export { Variable, variable } from './autograd/variable.js';
export { backendNames, type Backend } from './backend/backend.js';
export { setBackend, getBackend, backend, ready, tidy, dispose, keep, memory, print, type MemoryInfo } from './compat/runtime.js';
export * as util from './compat/util.js';
export * as data from './data/dataset.js';
export { precompileKernels } from './backend/wasm/runtime.js';
export { Rng, setSeed, getRng } from './util/random.js';
export * from './nn/index.js';
export * from './train/index.js';
export { MinMaxScaler, StandardScaler, scalerFromJSON } from './data/scalers.js';
export { trainTestSplit } from './data/split.js';
export { toArtifacts, type ModelArtifacts } from './io/artifacts.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export * as explain from './explain/index.js';
export * as compress from './compress/index.js';
export { Explanation, type Predictor } from './explain/index.js';

/** Rebuilds a model from `toArtifacts` output (model.json text + safetensors bytes), checking every size first. */
export function loadModelFromArtifacts<Y extends Tensor | Tensor[] = Tensor>(artifacts: ModelArtifacts): LayersModel<Y> {
  return modelFromArtifacts(artifacts).model as LayersModel<Y>;
}
