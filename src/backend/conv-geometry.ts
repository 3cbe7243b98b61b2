// Output sizes and padding of convolutions and pooling (TensorFlow's 'valid'/'same' rules), the
// plain-data descriptions both backends' conv and pool kernels take, and their size checks.

/** A 2-D convolution over channels-last tensors: x [batch, inH, inW, inC] -> out [batch, outH, outW, outC]. */
export interface ConvInfo {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number;
  dilationH: number; dilationW: number;
  /** Zero rows above / columns left of the input; bottom/right padding is implied by the output size. */
  padTop: number; padLeft: number;
}

/** A pooling window over channels-last tensors: x [batch, inH, inW, channels] -> out [batch, outH, outW, channels]. */
export interface PoolInfo {
  batch: number; inH: number; inW: number; channels: number;
  outH: number; outW: number; kH: number; kW: number;
  strideH: number; strideW: number; padTop: number; padLeft: number;
}

/** 'valid', 'same', or explicit [before, after] zero padding per spatial axis ([[top, bottom], [left, right]]). */
export type Padding = 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]];

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

/**
 * TensorFlow's output size and leading pad along one axis:
 * 'valid' out = ceil((in - (k-1)*d) / s), no padding;
 * 'same' out = ceil(in / s), pad total = max((out-1)*s + (k-1)*d + 1 - in, 0), padBefore = floor(total / 2).
 */
export function convGeometry(inSize: number, k: number, stride: number, dilation: number, padding: 'valid' | 'same'): { out: number; padBefore: number } {
  checkPositiveInt('input size', inSize);
  checkPositiveInt('kernel size', k);
  checkPositiveInt('stride', stride);
  checkPositiveInt('dilation', dilation);
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') {
    if (span > inSize) {
      throw new Error(`a kernel spanning ${span} (size ${k}, dilation ${dilation}) does not fit an input of size ${inSize} with 'valid' padding; use padding 'same' or a smaller kernel`);
    }
    return { out: Math.ceil((inSize - span + 1) / stride), padBefore: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + span - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** Output size and leading pad along one axis for any Padding (explicit padding: floor((in + pads - span) / s) + 1). */
function axisGeometry(inSize: number, k: number, stride: number, dilation: number, padding: Padding, axis: 0 | 1): { out: number; padBefore: number } {
  if (typeof padding === 'string') return convGeometry(inSize, k, stride, dilation, padding);
  const [before, after] = padding[axis];
  if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) {
    throw new Error(`explicit padding must be non-negative integers, got [${before}, ${after}]`);
  }
  checkPositiveInt('kernel size', k);
  checkPositiveInt('stride', stride);
  checkPositiveInt('dilation', dilation);
  const span = (k - 1) * dilation + 1;
  if (span > inSize + before + after) {
    throw new Error(`a kernel spanning ${span} does not fit an input of size ${inSize} padded by [${before}, ${after}]`);
  }
  return { out: Math.floor((inSize + before + after - span) / stride) + 1, padBefore: before };
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function checkShape(what: string, shape: readonly number[], rank: number): void {
  if (shape.length !== rank || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${what} must have rank ${rank} with non-negative integer sizes, got [${shape.join(', ')}]`);
  }
}

/**
 * ConvInfo of conv2d: x [batch, inH, inW, inC], filter [kH, kW, inC, outC] (TF layout).
 * strides and dilations are one number for both axes or [h, w].
 */
export function conv2dInfo(
  xShape: readonly number[], filterShape: readonly number[], strides: number | readonly [number, number],
  padding: Padding, dilations: number | readonly [number, number] = 1,
): ConvInfo {
  return filterInfo('conv2d', xShape, filterShape, strides, padding, dilations);
}

/** ConvInfo of depthwiseConv2d: filter [kH, kW, inC, multiplier]; outC = inC * multiplier. */
export function depthwiseConv2dInfo(
  xShape: readonly number[], filterShape: readonly number[], strides: number | readonly [number, number],
  padding: Padding, dilations: number | readonly [number, number] = 1,
): ConvInfo {
  return filterInfo('depthwiseConv2d', xShape, filterShape, strides, padding, dilations);
}

function filterInfo(
  op: 'conv2d' | 'depthwiseConv2d', xShape: readonly number[], filterShape: readonly number[],
  strides: number | readonly [number, number], padding: Padding, dilations: number | readonly [number, number],
): ConvInfo {
  checkShape(`${op} input`, xShape, 4);
  checkShape(`${op} filter`, filterShape, 4);
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, fInC, last] = filterShape;
  if (fInC !== inC) throw new Error(`${op}: the input has ${inC} channels but the filter [${filterShape.join(', ')}] expects ${fInC}`);
  return spatialInfo(batch, inH, inW, inC, op === 'conv2d' ? last : inC * last, kH, kW, strides, padding, dilations);
}

function spatialInfo(
  batch: number, inH: number, inW: number, inC: number, outC: number, kH: number, kW: number,
  strides: number | readonly [number, number], padding: Padding, dilations: number | readonly [number, number],
): ConvInfo {
  const [strideH, strideW] = pair(strides);
  const [dilationH, dilationW] = pair(dilations);
  const h = axisGeometry(inH, kH, strideH, dilationH, padding, 0);
  const w = axisGeometry(inW, kW, strideW, dilationW, padding, 1);
  return {
    batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW, strideH, strideW,
    dilationH, dilationW, padTop: h.padBefore, padLeft: w.padBefore,
  };
}

/** PoolInfo of a poolSize window over x [batch, inH, inW, channels]; strides default to the pool size (Keras). */
export function poolInfo(
  xShape: readonly number[], poolSize: number | readonly [number, number],
  strides: number | readonly [number, number] = poolSize, padding: Padding = 'valid',
): PoolInfo {
  checkShape('pooling input', xShape, 4);
  const [batch, inH, inW, channels] = xShape;
  const [kH, kW] = pair(poolSize);
  const [strideH, strideW] = pair(strides);
  const h = axisGeometry(inH, kH, strideH, 1, padding, 0);
  const w = axisGeometry(inW, kW, strideW, 1, padding, 1);
  return { batch, inH, inW, channels, outH: h.out, outW: w.out, kH, kW, strideH, strideW, padTop: h.padBefore, padLeft: w.padBefore };
}

/** Multiply-adds of conv2d (and of each of its two backward passes). */
export function conv2dMacs(c: ConvInfo): number {
  return c.batch * c.outH * c.outW * c.outC * c.kH * c.kW * c.inC;
}

function checkInfoFields(fn: string, info: object): void {
  for (const [k, v] of Object.entries(info)) {
    const min = k.startsWith('pad') || k === 'batch' || k.startsWith('out') || k.startsWith('in') || k === 'channels' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${k} must be an integer >= ${min}, got ${v}`);
  }
}

function checkLength(fn: string, what: string, got: number, shape: number[]): void {
  const want = shape.reduce((a, b) => a * b, 1);
  if (got !== want) throw new Error(`${fn}: ${what} has ${got} elements but [${shape.join(', ')}] needs ${want}`);
}

/**
 * Checks a conv kernel's operand lengths against its ConvInfo (filter [kH, kW, inC, outC], or
 * [kH, kW, inC, outC / inC] when depthwise). Throws an error naming the operand.
 */
export function checkConvOperands(fn: string, c: ConvInfo, xLen: number, wLen: number, outLen: number, depthwise: boolean): void {
  checkInfoFields(fn, c);
  if (depthwise && c.inC > 0 && c.outC % c.inC !== 0) throw new Error(`${fn}: outC ${c.outC} is not a multiple of inC ${c.inC}`);
  checkLength(fn, 'the input', xLen, [c.batch, c.inH, c.inW, c.inC]);
  checkLength(fn, 'the filter', wLen, [c.kH, c.kW, c.inC, depthwise ? (c.inC > 0 ? c.outC / c.inC : 0) : c.outC]);
  checkLength(fn, 'the output', outLen, [c.batch, c.outH, c.outW, c.outC]);
}

/** Checks pooling operand lengths (input-shaped and output-shaped arrays) against a PoolInfo. */
export function checkPoolOperands(fn: string, p: PoolInfo, inputLens: number[], outputLens: number[]): void {
  checkInfoFields(fn, p);
  for (const n of inputLens) checkLength(fn, 'an input-shaped operand', n, [p.batch, p.inH, p.inW, p.channels]);
  for (const n of outputLens) checkLength(fn, 'an output-shaped operand', n, [p.batch, p.outH, p.outW, p.channels]);
}
