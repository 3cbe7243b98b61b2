// The int8 registry ops as functions on tensors (the layers in quantized-layers.ts call these).

import type { Tensor } from '../tensor/tensor.js';
import { runOp } from '../ops/run.js';
import type { OpAttrs, QuantParams } from '../ops/registry/attrs.js';

/** float32 -> int8 in 0..127: clamp(roundHalfEven(x / scale) + zeroPoint, 0, 127). */
export function quantize(x: Tensor, p: QuantParams): Tensor {
  return runOp('quantize', [x], { scale: p.scale, zeroPoint: p.zeroPoint });
}

/** act((xq - zp) inputScale @ (w wScale)ᵀ + b) with exact int32 sums: xq [rows, k], w int8 [units, k]. */
export function quantizedLinear(xq: Tensor, w: Tensor, wScale: Tensor, bias: Tensor | null, attrs: OpAttrs['quantizedLinear']): Tensor {
  return runOp('quantizedLinear', bias ? [xq, w, wScale, bias] : [xq, w, wScale], attrs);
}

/** The conv form of quantizedLinear: xq [batch, h, w, inC], w int8 [outC, kH, kW, inC]. */
export function quantizedConv2d(xq: Tensor, w: Tensor, wScale: Tensor, bias: Tensor | null, attrs: OpAttrs['quantizedConv2d']): Tensor {
  return runOp('quantizedConv2d', bias ? [xq, w, wScale, bias] : [xq, w, wScale], attrs);
}
