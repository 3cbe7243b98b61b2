// Weight penalties added to the loss: L_reg = L + l1 * sum|w| + l2 * sum w^2.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';

export interface RegularizerConfig {
  l1?: number;
  l2?: number;
}

export class Regularizer {
  readonly l1: number;
  readonly l2: number;
  constructor({ l1 = 0, l2 = 0 }: RegularizerConfig = {}) {
    for (const [k, v] of Object.entries({ l1, l2 })) {
      if (!Number.isFinite(v) || v < 0) throw new Error(`regularizer: ${k} must be a non-negative number, got ${v}`);
    }
    this.l1 = l1;
    this.l2 = l2;
  }

  /** The penalty for one weight tensor, as a scalar tensor (differentiable). */
  apply(w: Tensor): Tensor {
    let penalty = ops.scalar(0);
    if (this.l1 > 0) penalty = ops.add(penalty, ops.mul(ops.sum(ops.abs(w)), this.l1));
    if (this.l2 > 0) penalty = ops.add(penalty, ops.mul(ops.sum(ops.square(w)), this.l2));
    return penalty;
  }

  getConfig(): RegularizerConfig {
    return { l1: this.l1, l2: this.l2 };
  }
}

export const regularizers = {
  l1: (config: { l1?: number } = {}) => new Regularizer({ l1: config.l1 ?? 0.01 }),
  l2: (config: { l2?: number } = {}) => new Regularizer({ l2: config.l2 ?? 0.01 }),
  l1l2: (config: RegularizerConfig = {}) => new Regularizer({ l1: config.l1 ?? 0.01, l2: config.l2 ?? 0.01 }),
};

export type RegularizerSpec = Regularizer | RegularizerConfig | 'l1' | 'l2' | 'l1l2';

export function toRegularizer(spec: RegularizerSpec | undefined | null): Regularizer | null {
  if (spec === undefined || spec === null) return null;
  if (spec instanceof Regularizer) return spec;
  if (typeof spec === 'string') {
    const make = regularizers[spec];
    if (!make) throw new Error(`unknown regularizer '${spec}'; use l1, l2 or l1l2`);
    return make();
  }
  return new Regularizer(spec);
}
