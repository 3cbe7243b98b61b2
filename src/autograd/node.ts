// A recorded op: its name, inputs, attributes and the registry's gradient rule for it.

import type { Tensor } from '../tensor/tensor.js';
import type { VjpRule } from '../ops/registry/types.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  /** The op's VJP rule from the registry ('none': the op has no gradient, e.g. a gradient kernel). */
  readonly vjp: VjpRule<unknown> | 'none';
}
