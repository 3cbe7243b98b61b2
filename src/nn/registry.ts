// Layer classes by name, so a saved topology ({className, config}) can be rebuilt without evaluating code.

import { Layer, type SerializedLayer } from './layer.js';
import { Dense } from './dense.js';
import { Activation, Dropout, Flatten } from './simple-layers.js';
import { Conv, DepthwiseConv2D, SeparableConv2D } from './conv.js';
import { GlobalPooling, Pooling } from './pooling.js';
import { BatchNormalization, LayerNormalization } from './normalization.js';
import { Embedding, Permute, Reshape, ZeroPadding2D } from './shape-layers.js';
import { OpLayer } from './op-layer.js';
import { InputLayer } from './input-layer.js';
import { Concatenate, Dot, ElementwiseMerge } from './merge.js';
import { AlphaActivation, PReLU, ReLU, Softmax, ThresholdedReLU } from './activation-layers.js';

type LayerFactory = (config: Record<string, unknown>) => Layer;

const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

registerLayer('Dense', (c) => new Dense(c as unknown as ConstructorParameters<typeof Dense>[0]));
registerLayer('Activation', (c) => new Activation(c as unknown as ConstructorParameters<typeof Activation>[0]));
registerLayer('Dropout', (c) => new Dropout(c as unknown as ConstructorParameters<typeof Dropout>[0]));
registerLayer('Flatten', (c) => new Flatten(c));
registerLayer('Conv1D', (c) => new Conv(c as never, 1));
registerLayer('Conv2D', (c) => new Conv(c as never, 2));
registerLayer('DepthwiseConv2D', (c) => new DepthwiseConv2D(c as never));
registerLayer('SeparableConv2D', (c) => new SeparableConv2D(c as never));
for (const kind of ['max', 'avg'] as const) {
  for (const rank of [1, 2] as const) {
    const name = kind === 'max' ? 'Max' : 'Average';
    registerLayer(`${name}Pooling${rank}D`, (c) => new Pooling(c, kind, rank));
    registerLayer(`Global${name}Pooling${rank}D`, (c) => new GlobalPooling(c, kind, rank));
  }
}
registerLayer('BatchNormalization', (c) => new BatchNormalization(c as never));
registerLayer('LayerNormalization', (c) => new LayerNormalization(c as never));
registerLayer('Reshape', (c) => new Reshape(c as never));
registerLayer('ZeroPadding2D', (c) => new ZeroPadding2D(c as never));
registerLayer('Embedding', (c) => new Embedding(c as never));
registerLayer('InputLayer', (c) => new InputLayer(c as never));
for (const kind of ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'] as const) registerLayer(kind, (c) => new ElementwiseMerge(c, kind));
registerLayer('Concatenate', (c) => new Concatenate(c as never));
registerLayer('Dot', (c) => new Dot(c as never));
registerLayer('LeakyReLU', (c) => new AlphaActivation(c, 'LeakyReLU'));
registerLayer('ELU', (c) => new AlphaActivation(c, 'ELU'));
registerLayer('ReLU', (c) => new ReLU(c as never));
registerLayer('ThresholdedReLU', (c) => new ThresholdedReLU(c as never));
registerLayer('Softmax', (c) => new Softmax(c as never));
registerLayer('PReLU', (c) => new PReLU(c as never));
registerLayer('Permute', (c) => new Permute(c as never));
registerLayer('Op', (c) => new OpLayer(c as never));

export function registeredLayers(): string[] {
  return [...factories.keys()];
}

export function deserializeLayer(spec: SerializedLayer): Layer {
  if (!spec || typeof spec !== 'object' || typeof spec.className !== 'string') {
    throw new Error('deserializeLayer: expected {className, config}');
  }
  const factory = factories.get(spec.className);
  if (!factory) {
    throw new Error(`unknown layer type '${spec.className}'; glassbox knows: ${registeredLayers().join(', ')}`);
  }
  return factory({ ...(spec.config ?? {}) });
}
