// compress: smaller, cheaper models — parameter and FLOP counts, pruning, int8 quantisation, distillation, and the
// measured trade-off (with how far explanations moved). Importing it registers the int8 layers, so saved quantised
// models load.

export { QuantizedConv2D, QuantizedDense, type QuantizedConv2DArgs, type QuantizedDenseArgs } from './quantized-layers.js';
export { quantize, quantizedConv2d, quantizedLinear } from './ops.js';
export { activationParams, quantizeModel, quantizeWeights, type QuantizeOptions, type QuantizeResult, type QuantizedLayerReport } from './quantize.js';
export {
  applyMasks, cloneModel, fineTune, kernelSparsity, keepPruned, magnitudeMasks, prunableKernels, pruneStructured, pruneUnstructured, scheduledSparsity,
  type FineTuneData, type PruneMask, type StructuredResult, type UnstructuredOptions,
} from './prune.js';
export { distill, distillationLoss, logitsOf, softenedProbabilities, type DistillOptions } from './distill.js';
export {
  accuracyOf, folderBytes, forwardFlops, measureThroughput, modelFacts, nonzeroParams, pairedSpeedup, type ModelFacts, type ScoreSpec, type Throughput, type ThroughputOptions,
} from './measure.js';
export { averageRanks, explanationShift, spearman, type ExplanationShift, type ShiftOptions } from './shift.js';
export { formatTradeOff, summarize, tradeOffCells, tradeOffJson, type TradeOff, type TradeOffSummary } from './tradeoff.js';
