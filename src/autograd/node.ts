// A recorded op: its inputs and the vector-Jacobian product that maps dL/dy to dL/dinputs.

import type { Tensor } from '../tensor/tensor.js';

export interface GradNode {
  readonly opName: string;
  readonly inputs: readonly Tensor[];
  /** Given dL/dy (same shape as the output), returns dL/dx for each input (null where not needed). */
  readonly vjp: (dy: Tensor) => readonly (Tensor | null)[];
}
