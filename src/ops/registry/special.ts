// Special functions that have no backend kernel: erf, computed in TypeScript (ONNX graphs use it for GELU).

import type { OpAttrs } from './attrs.js';
import { mul, num, un } from './emit.js';
import type { OpDef } from './types.js';

/**
 * erf(x) through erfc's Chebyshev fit (Numerical Recipes' erfcc, fractional error below 1.2e-7 everywhere),
 * below float32's resolution for |erf| >= 1e-1 and accurate to 1e-8 absolute near 0 by the series.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 0.1) {
    // erf(x) = 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42), truncation below 1e-11 here.
    const x2 = x * x;
    return 1.1283791670955126 * x * (1 - x2 / 3 + (x2 * x2) / 10 - (x2 * x2 * x2) / 42);
  }
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

export const erfOp: OpDef<OpAttrs['erf']> = {
  infer: ([x]) => {
    if (x.dtype !== 'float32') throw new Error(`erf: expected a float32 tensor, got ${x.dtype}; cast it first`);
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: () => (_be, [x], out) => {
    for (let i = 0; i < out.length; i++) out[i] = erf(x[i]);
  },
  // d erf(x) / dx = 2 / sqrt(pi) * exp(-x^2).
  vjp: (e, { inputs: [x], dy }) => [mul(e, dy, mul(e, num(e, 2 / Math.sqrt(Math.PI)), un(e, 'exp', un(e, 'neg', un(e, 'square', x)))))],
  // The rescale rule runs a backend unary function at midpoints, which erf is not: DeepSHAP names the op and refuses.
  deeplift: 'none',
  onnx: (e, { inputs: [x] }) => e.node('Erf', [x]),
};
