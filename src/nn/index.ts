// Layers and their building blocks.

import { dense } from './dense.js';
import { activation, dropout, flatten } from './simple-layers.js';
import { conv1d, conv2d, depthwiseConv2d, separableConv2d } from './conv.js';
import {
  averagePooling1d, averagePooling2d, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d, maxPooling1d, maxPooling2d,
} from './pooling.js';
import { batchNormalization, layerNormalization } from './normalization.js';
import { embedding, permute, reshape, zeroPadding2d } from './shape-layers.js';
import { opLayer } from './op-layer.js';
import { inputLayer } from './input-layer.js';
import { add, average, concatenate, dot, maximum, minimum, multiply, subtract } from './merge.js';
import { elu, leakyReLU, prelu, reLU, softmax, thresholdedReLU } from './activation-layers.js';

/** Layer factories, TensorFlow.js style: `layers.dense({units: 10})` (with TensorFlow.js' aliases for pooling). */
export const layers = {
  dense, activation, dropout, flatten,
  conv1d, conv2d, depthwiseConv2d, separableConv2d,
  maxPooling1d, maxPooling2d, averagePooling1d, averagePooling2d,
  maxPool1d: maxPooling1d, maxPool2d: maxPooling2d, avgPool1d: averagePooling1d, avgPool2d: averagePooling2d,
  avgPooling1d: averagePooling1d, avgPooling2d: averagePooling2d,
  globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d,
  globalMaxPool1d: globalMaxPooling1d, globalMaxPool2d: globalMaxPooling2d,
  batchNormalization, layerNormalization, reshape, zeroPadding2d, embedding,
  inputLayer, add, subtract, multiply, average, maximum, minimum, concatenate, dot,
  leakyReLU, elu, reLU, thresholdedReLU, softmax, prelu, permute, opLayer,
};

export { Layer, type LayerArgs, type LayerConfig, type SerializedLayer, type CallOptions } from './layer.js';
export { Dense, type DenseArgs } from './dense.js';
export { Activation, Dropout, Flatten } from './simple-layers.js';
export { Conv, DepthwiseConv2D, SeparableConv2D, type ConvArgs, type DepthwiseConvArgs, type SeparableConvArgs } from './conv.js';
export { GlobalPooling, Pooling, type GlobalPoolingArgs, type PoolingArgs } from './pooling.js';
export { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type NormArgs } from './normalization.js';
export { Embedding, Permute, Reshape, ZeroPadding2D, type EmbeddingArgs, type PermuteArgs, type ReshapeArgs, type ZeroPadding2DArgs } from './shape-layers.js';
export { OpLayer, type OpConstant, type OpLayerArgs } from './op-layer.js';
export { LayerStack } from './stack.js';
export type { StackConfig, GraphConfig, ModelConfig, SummaryRow, TensorSpec, Topology, NodeRef } from './topology.js';
export { LayerGraph } from './functional.js';
export { SymbolicTensor, type LayerNode } from './symbolic.js';
export { input, InputLayer, type InputArgs, type InputLayerArgs } from './input-layer.js';
export { AlphaActivation, PReLU, ReLU, Softmax, ThresholdedReLU, type AlphaArgs, type PReLUArgs, type ReLUArgs, type SoftmaxArgs, type ThresholdedReLUArgs } from './activation-layers.js';
export { Merge, ElementwiseMerge, Concatenate, Dot, type ConcatenateArgs, type DotArgs } from './merge.js';
export { deserializeLayer, registerLayer, registeredLayers } from './registry.js';
export { ACTIVATIONS, getActivation, resolveActivation, type ActivationName } from './activations.js';
export { initialize, type InitializerName, type InitializerSpec } from './initializers.js';
export { initializers, type Initializer } from './initializer-factories.js';
export { Regularizer, regularizers, type RegularizerConfig } from './regularizers.js';
