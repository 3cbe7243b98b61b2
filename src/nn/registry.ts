// Layer classes by name, so a saved topology ({className, config}) can be rebuilt without evaluating code.

import { Layer, type SerializedLayer } from './layer.js';
import { Dense } from './dense.js';
import { Activation, Dropout, Flatten } from './simple-layers.js';

type LayerFactory = (config: Record<string, unknown>) => Layer;

const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

registerLayer('Dense', (c) => new Dense(c as unknown as ConstructorParameters<typeof Dense>[0]));
registerLayer('Activation', (c) => new Activation(c as unknown as ConstructorParameters<typeof Activation>[0]));
registerLayer('Dropout', (c) => new Dropout(c as unknown as ConstructorParameters<typeof Dropout>[0]));
registerLayer('Flatten', (c) => new Flatten(c));

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
