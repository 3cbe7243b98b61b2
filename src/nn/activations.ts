// Activation functions by name, the registry layers resolve `activation: 'relu'` through.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';

export const ACTIVATIONS = {
  linear: (x: Tensor) => x,
  relu: ops.relu,
  relu6: ops.relu6,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  softmax: (x: Tensor) => ops.softmax(x),
  softplus: ops.softplus,
  elu: (x: Tensor) => ops.elu(x),
  leakyRelu: (x: Tensor) => ops.leakyRelu(x),
  gelu: ops.gelu,
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;

/** Accepts Keras spellings too ('leaky_relu'), so configs from Python/TF.js load. */
const ALIASES: Record<string, ActivationName> = { leaky_relu: 'leakyRelu', leakyrelu: 'leakyRelu', none: 'linear' };

export function resolveActivation(name: string | undefined | null): ActivationName {
  if (name === undefined || name === null) return 'linear';
  const key = (name in ACTIVATIONS ? name : ALIASES[name] ?? ALIASES[name.toLowerCase()]) as ActivationName | undefined;
  if (!key) {
    throw new Error(`unknown activation '${name}'; use one of: ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return key;
}

export function getActivation(name: string | undefined | null): (x: Tensor) => Tensor {
  return ACTIVATIONS[resolveActivation(name)];
}
