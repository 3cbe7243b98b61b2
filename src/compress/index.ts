// compress: smaller, cheaper models — parameter and FLOP counts, pruning, int8 quantisation, distillation.
// Importing it registers the int8 layers, so saved quantised models load.

export { QuantizedConv2D, QuantizedDense, type QuantizedConv2DArgs, type QuantizedDenseArgs } from './quantized-layers.js';
export { quantize, quantizedConv2d, quantizedLinear } from './ops.js';
export { activationParams, quantizeModel, quantizeWeights, type QuantizeOptions, type QuantizeResult, type QuantizedLayerReport } from './quantize.js';
