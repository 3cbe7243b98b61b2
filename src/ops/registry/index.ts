// The op registry: one typed definition per op. A missing entry is a compile error, so every op
// has a shape rule, a kernel, a gradient rule, a DeepLIFT rule and an ONNX mapping slot.

import type { OpAttrs, OpName } from './attrs.js';
import type { OpDef } from './types.js';
import { binary, cast, select, unary, unaryGrad } from './elementwise.js';
import { activationGrad, linear, matMul } from './linalg.js';
import { argReduce, reduce } from './reduce.js';
import { broadcastTo, concat, gather, oneHot, pad, reshape, scatterAdd, slice, transpose } from './movement.js';
import { dropoutMask, logSoftmax, movingAverage, softmax, sparseSoftmaxCE, sparseSoftmaxCEGrad } from './nn.js';
import {
  avgPool, avgPoolGrad, conv2d, conv2dBackpropFilter, conv2dBackpropInput, depthwiseConv2d, depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput, maxPool, maxPoolGrad,
} from './conv.js';
import { reciprocalOrZero, secantSlope, softmaxRescaleGrad } from './attribution.js';
import { repeatRows } from './rows.js';
import { batchNorm, batchNormGrad, batchNormParamGrad, moments } from './norm.js';
import { erfOp } from './special.js';
import { quantize, quantizedConv2d, quantizedLinear } from './quantized.js';

export type OpTable = { [P in OpName]: OpDef<OpAttrs[P]> };

export const OPS: OpTable = {
  unary, unaryGrad, binary, select, cast,
  matMul, linear, activationGrad,
  reduce, argReduce,
  reshape, transpose, broadcastTo, slice, pad, concat, gather, scatterAdd, oneHot,
  softmax, logSoftmax, sparseSoftmaxCE, sparseSoftmaxCEGrad, dropoutMask,
  conv2d, conv2dBackpropInput, conv2dBackpropFilter, depthwiseConv2d, depthwiseConv2dBackpropInput, depthwiseConv2dBackpropFilter,
  maxPool, maxPoolGrad, avgPool, avgPoolGrad, moments, batchNorm, batchNormGrad, batchNormParamGrad, movingAverage,
  secantSlope, reciprocalOrZero, softmaxRescaleGrad, repeatRows, erf: erfOp,
  quantize, quantizedLinear, quantizedConv2d,
};

export function opDef<P extends OpName>(name: P): OpDef<OpAttrs[P]> {
  return OPS[name];
}

export type { OpAttrs, OpName } from './attrs.js';
export type { DeepLiftRule, Emitter, Kernel, OnnxEmitter, OnnxRule, OpDef, RunContext, Val, ValInfo, VjpArgs, VjpRule } from './types.js';
