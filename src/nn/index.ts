// Layers and their building blocks.

import { dense } from './dense.js';
import { activation, dropout, flatten } from './simple-layers.js';

/** Layer factories, TensorFlow.js style: `layers.dense({units: 10})`. */
export const layers = { dense, activation, dropout, flatten };

export { Layer, type LayerArgs, type LayerConfig, type SerializedLayer, type CallOptions } from './layer.js';
export { Dense, type DenseArgs } from './dense.js';
export { Activation, Dropout, Flatten } from './simple-layers.js';
export { LayerStack, type StackConfig, type SummaryRow } from './stack.js';
export { deserializeLayer, registerLayer, registeredLayers } from './registry.js';
export { ACTIVATIONS, getActivation, resolveActivation, type ActivationName } from './activations.js';
export { initialize, type InitializerName, type InitializerSpec } from './initializers.js';
export { Regularizer, regularizers, type RegularizerConfig } from './regularizers.js';
