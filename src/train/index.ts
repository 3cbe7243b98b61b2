// Training: losses, optimisers, schedules, metrics, callbacks and the Sequential model.

export { Sequential, sequential } from './sequential.js';
export { LayersModel } from './layers-model.js';
export { model, modelFromConfig, type ModelArgs } from './model.js';
export type { CompileArgs, CompileConfig, EvaluateArgs, FitArgs, ModelMetadata, TrainingState } from './fit-args.js';
export type { ModelData } from './validate.js';
export { getLoss, type Loss, type LossSpec } from './losses.js';
export { losses, Reduction, computeWeightedLoss } from './loss-functions.js';
export { metrics } from './metric-functions.js';
export { type FitDatasetArgs } from './fit-dataset.js';
export { train, getOptimizer, type OptimizerSpec, Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, type OptimizerConfig, type NamedTensor } from './optimizers.js';
export { schedules, scheduleFromConfig, type LearningRateSchedule } from './schedules.js';
export { getMetric, rocAuc, type Metric } from './metrics.js';
export { Callback, CallbackList, EarlyStopping, History, callbacks, type CallbackHooks, type Logs, type TrainingParams } from './callbacks.js';
export { ProgressLogger } from './progress.js';
