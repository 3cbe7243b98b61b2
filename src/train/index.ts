// Training: losses, optimisers, schedules, metrics, callbacks and the Sequential model.

export { Sequential, sequential, type CompileArgs, type CompileConfig, type FitArgs, type ModelMetadata, type TrainingState } from './sequential.js';
export { losses, getLoss, type Loss, type LossSpec } from './losses.js';
export { train, getOptimizer, type OptimizerSpec, Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, type OptimizerConfig, type NamedTensor } from './optimizers.js';
export { schedules, scheduleFromConfig, type LearningRateSchedule } from './schedules.js';
export { getMetric, rocAuc, type Metric } from './metrics.js';
export { Callback, CallbackList, EarlyStopping, History, callbacks, type CallbackHooks, type Logs, type TrainingParams } from './callbacks.js';
export { ProgressLogger } from './progress.js';
