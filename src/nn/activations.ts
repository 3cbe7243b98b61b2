// Activation functions by name, the registry layers resolve `activation: 'relu'` through.

import type { Tensor } from '../tensor/tensor.js';
import type { FusedActivation } from '../backend/backend.js';
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
  if (typeof name !== 'string') throw new Error(`activation must be a name (one of: ${Object.keys(ACTIVATIONS).join(', ')}), got ${typeof name}`);
  const key = (name in ACTIVATIONS ? name : ALIASES[name] ?? ALIASES[name.toLowerCase()]) as ActivationName | undefined;
  if (!key) {
    throw new Error(`unknown activation '${name}'; use one of: ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return key;
}

export function getActivation(name: string | undefined | null): (x: Tensor) => Tensor {
  return ACTIVATIONS[resolveActivation(name)];
}

/**
 * How a layer applies an activation after its linear op: relu and tanh fuse into the kernel's epilogue;
 * any other (sigmoid and softmax among them, so a fused cross-entropy can find the logits) runs as its own op.
 */
export function splitActivation(name: ActivationName): { fused: FusedActivation; after: ((x: Tensor) => Tensor) | null } {
  if (name === 'relu' || name === 'tanh') return { fused: name, after: null };
  return { fused: 'linear', after: name === 'linear' ? null : ACTIVATIONS[name] };
}
