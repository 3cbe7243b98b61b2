// A new Sequential from new layers that takes over a model's name, metadata and compile config (loss,
// metrics, a fresh optimiser of the same settings): what every compression step returns.

import type { Layer } from '../nn/layer.js';
import { Sequential } from '../train/sequential.js';

export function copyCompiled(model: Sequential, layers: Layer[]): Sequential {
  const out = new Sequential({ name: model.name, layers });
  const compiled = model.compileConfig;
  if (compiled) out.compile({ optimizer: compiled.optimizer, loss: compiled.loss, metrics: compiled.metrics });
  out.metadata = structuredClone(model.metadata ?? {});
  return out;
}
