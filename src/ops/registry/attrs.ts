// Every op's name and the plain-data attributes it carries: the vocabulary of graphs and plans.

import type { ArgReduceOp, BinaryOp, FusedActivation, ReduceOp, UnaryOp } from '../../backend/backend.js';
import type { DType } from '../../tensor/tensor.js';
import type { Padding } from '../../backend/conv-geometry.js';

/** Strides, padding and dilations of a convolution (channels-last; filter [kH, kW, inC, outC or multiplier]). */
export interface ConvGeometry {
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
}

/** A pooling window: size, strides and padding. */
export interface PoolGeometry {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

export interface OpAttrs {
  /** y = fn(x) elementwise. */
  unary: { fn: UnaryOp; alpha: number };
  /** dx = dy * fn'(x); inputs x, y, dy. */
  unaryGrad: { fn: UnaryOp; alpha: number };
  /** NumPy-broadcast elementwise a fn b. */
  binary: { fn: BinaryOp };
  /** cond ? a : b, broadcast together; inputs cond, a, b. */
  select: Record<string, never>;
  cast: { dtype: DType };
  /** op(a) @ op(b), rank 2 or 3 (batch first, a rank-2 operand broadcasts). */
  matMul: { transA: boolean; transB: boolean };
  /** act(x @ W + b): inputs x [rows, in], W [in, out], optional b [out]. */
  linear: { act: FusedActivation };
  /** dz = dy * act'(z) from y = act(z); inputs y, dy. */
  activationGrad: { act: FusedActivation };
  reduce: { fn: ReduceOp; axes: number[]; keepDims: boolean };
  argReduce: { fn: ArgReduceOp; axis: number };
  /** Same values, new (fully specified) shape; shares storage. */
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  broadcastTo: { shape: number[] };
  slice: { begin: number[]; size: number[] };
  /** Constant padding: [before, after] per axis. */
  pad: { paddings: [number, number][]; value: number };
  concat: { axis: number };
  /** Slices of x along `axis` at integer indices; inputs x, indices. */
  gather: { axis: number };
  /** The adjoint of gather: sums updates into zeros with `dim` entries along `axis`; inputs updates, indices. */
  scatterAdd: { axis: number; dim: number };
  oneHot: { depth: number; on: number; off: number };
  /** Along the last axis. */
  softmax: Record<string, never>;
  logSoftmax: Record<string, never>;
  /** -log softmax(logits)[label] per row; inputs logits [rows, classes], labels [rows]. */
  sparseSoftmaxCE: Record<string, never>;
  /** (probabilities - onehot(labels)) * dy per row; inputs softmax(logits), labels, dy. */
  sparseSoftmaxCEGrad: Record<string, never>;
  /** DeepLIFT's rescale multiplier (f(x) - f(r)) / (x - r) per element; inputs x, r, y = f(x), yr = f(r). */
  secantSlope: { fn: UnaryOp; alpha: number };
  /** 1 / x where x is non-zero, else 0. */
  reciprocalOrZero: Record<string, never>;
  /** DeepLIFT through softmax (averaged Jacobian, exact on the difference); inputs zx, zr, yx, yr, dy. */
  softmaxRescaleGrad: Record<string, never>;
  /** act(conv(x, w) + b): inputs x [batch, h, w, inC], w [kH, kW, inC, outC], optional b [outC]. */
  conv2d: ConvGeometry & { act: FusedActivation };
  /** dy, w -> dx: the adjoint of conv2d in its input. */
  conv2dBackpropInput: ConvGeometry & { inShape: number[] };
  /** x, dy -> dw: the adjoint of conv2d in its filter. */
  conv2dBackpropFilter: ConvGeometry & { filterShape: number[] };
  /** Per-channel convolution, w [kH, kW, inC, multiplier], output channel ic * multiplier + m. */
  depthwiseConv2d: ConvGeometry & { act: FusedActivation };
  depthwiseConv2dBackpropInput: ConvGeometry & { inShape: number[] };
  depthwiseConv2dBackpropFilter: ConvGeometry & { filterShape: number[] };
  maxPool: PoolGeometry;
  /** x, dy -> dx: each window's gradient to its first maximum. */
  maxPoolGrad: PoolGeometry;
  avgPool: PoolGeometry;
  /** dy -> dx; padded cells do not count in the averages. */
  avgPoolGrad: PoolGeometry & { inShape: number[] };
  /** Per-channel (last axis) mean and biased variance: x -> [2, channels]. */
  moments: Record<string, never>;
  /**
   * (x - mean) / sqrt(variance + eps) * gamma + beta per channel (last axis); inputs x, mean, variance, gamma, beta.
   * batchStats: mean and variance are x's own statistics (training), so x's gradient also flows through them.
   */
  batchNorm: { eps: number; batchStats: boolean };
  /** dx of batchNorm; inputs x, mean, variance, gamma, dy. */
  batchNormGrad: { eps: number; batchStats: boolean };
  /** [dgamma; dbeta] of batchNorm: inputs x, mean, variance, dy -> [2, channels]. */
  batchNormParamGrad: { eps: number };
  /** Side effect: variable = momentum * variable + (1 - momentum) * value (batch-norm moving statistics); inputs variable, value. */
  movingAverage: { momentum: number };
  /** Inverted-dropout mask: 1/(1-rate) with probability 1-rate, else 0; drawn from the run's generator. */
  dropoutMask: { rate: number; shape: number[] };
  /** The error function, elementwise (ONNX's Erf; GELU's exact form uses it). */
  erf: Record<string, never>;
  /**
   * Rows repeated over a grid: the output has prod(grid) rows, row-major over the grid axes; x's rows
   * run over the grid axes listed in `axes` (in order), and are repeated along the others.
   */
  repeatRows: { grid: number[]; axes: number[] };
  /** float32 -> int8 activations in 0..127: clamp(roundHalfEven(x / scale) + zeroPoint, 0, 127) (compress/). */
  quantize: QuantParams;
  /**
   * act(dequantised x @ dequantised wᵀ + b): inputs xq int8 [rows, k] (quantised with inputScale and
   * inputZeroPoint), w int8 [units, k], wScale float32 [units] (per-unit symmetric scales), optional bias [units].
   */
  quantizedLinear: { act: FusedActivation; inputScale: number; inputZeroPoint: number };
  /** quantizedLinear as a conv: inputs xq int8 [batch, h, w, inC], w int8 [outC, kH, kW, inC], wScale [outC], optional bias. */
  quantizedConv2d: ConvGeometry & { act: FusedActivation; inputScale: number; inputZeroPoint: number };
}

/** An int8 activation's quantisation: real value = (q - zeroPoint) * scale, q in 0..127. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export type OpName = keyof OpAttrs;
