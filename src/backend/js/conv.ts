// Reference convolution and pooling kernels: plain loops over channels-last float32 tensors,
// written to be read. Sums are accumulated in float64. The wasm kernels are tested against these.
//
// Shapes: x [batch, inH, inW, inC], out/dy [batch, outH, outW, outC]; conv filters in TF layout
// [kH, kW, inC, outC], depthwise filters [kH, kW, inC, multiplier] with output channel
// ic * multiplier + m. Input row iy = oy * strideH + ky * dilationH - padTop (likewise columns);
// rows and columns outside the input read as zero. Every output array is fully overwritten.

import { checkConvOperands, checkPoolOperands, type ConvInfo, type PoolInfo } from '../conv-geometry.js';

/** Calls f(iy, ix, ky, kx) for every kernel tap of output (oy, ox) that lands inside the input. */
function forEachTap(c: ConvInfo, oy: number, ox: number, f: (iy: number, ix: number, ky: number, kx: number) => void): void {
  for (let ky = 0; ky < c.kH; ky++) {
    const iy = oy * c.strideH + ky * c.dilationH - c.padTop;
    if (iy < 0 || iy >= c.inH) continue;
    for (let kx = 0; kx < c.kW; kx++) {
      const ix = ox * c.strideW + kx * c.dilationW - c.padLeft;
      if (ix >= 0 && ix < c.inW) f(iy, ix, ky, kx);
    }
  }
}

/** Calls f(b, oy, ox, o) for every output position, o = flat offset of its first channel. */
function forEachOutput(batch: number, outH: number, outW: number, channels: number, f: (b: number, oy: number, ox: number, o: number) => void): void {
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) f(b, oy, ox, ((b * outH + oy) * outW + ox) * channels);
    }
  }
}

/**
 * Calls f(xi, wi, yi) for every product x[xi] * w[wi] that conv2d adds into y[yi]. The forward
 * pass and both gradients are sums over these same terms, which is what makes them adjoints.
 */
function forEachConvTerm(c: ConvInfo, f: (xi: number, wi: number, yi: number) => void): void {
  forEachOutput(c.batch, c.outH, c.outW, c.outC, (b, oy, ox, o) => {
    forEachTap(c, oy, ox, (iy, ix, ky, kx) => {
      const xi = ((b * c.inH + iy) * c.inW + ix) * c.inC;
      for (let ic = 0; ic < c.inC; ic++) {
        const wi = ((ky * c.kW + kx) * c.inC + ic) * c.outC;
        for (let oc = 0; oc < c.outC; oc++) f(xi + ic, wi + oc, o + oc);
      }
    });
  });
}

/** The terms of depthwiseConv2d: output channel j = ic * M + m reads input channel ic = floor(j / M), M = outC / inC. */
function forEachDepthwiseTerm(c: ConvInfo, f: (xi: number, wi: number, yi: number) => void): void {
  const multiplier = c.outC / c.inC;
  forEachOutput(c.batch, c.outH, c.outW, c.outC, (b, oy, ox, o) => {
    forEachTap(c, oy, ox, (iy, ix, ky, kx) => {
      const xi = ((b * c.inH + iy) * c.inW + ix) * c.inC;
      // In TF layout [kH, kW, inC, M] the filter's (ic, m) pairs are already in output-channel order.
      const wi = (ky * c.kW + kx) * c.outC;
      for (let j = 0; j < c.outC; j++) f(xi + Math.floor(j / multiplier), wi + j, o + j);
    });
  });
}

/** out[b, oy, ox, oc] = sum over taps and ic of x[b, iy, ix, ic] * w[ky, kx, ic, oc]. */
export function conv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
  checkConvOperands('conv2d', c, x.length, w.length, out.length, false);
  const acc = new Float64Array(out.length);
  forEachConvTerm(c, (xi, wi, yi) => (acc[yi] += x[xi] * w[wi]));
  out.set(acc);
}

/** dx = the adjoint of conv2d in x: each term's dy[yi] * w[wi] added to dx[xi]. */
export function conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
  checkConvOperands('conv2dBackpropInput', c, dx.length, w.length, dy.length, false);
  const acc = new Float64Array(dx.length);
  forEachConvTerm(c, (xi, wi, yi) => (acc[xi] += dy[yi] * w[wi]));
  dx.set(acc);
}

/** dw = the adjoint of conv2d in w: each term's x[xi] * dy[yi] added to dw[wi]. */
export function conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
  checkConvOperands('conv2dBackpropFilter', c, x.length, dw.length, dy.length, false);
  const acc = new Float64Array(dw.length);
  forEachConvTerm(c, (xi, wi, yi) => (acc[wi] += x[xi] * dy[yi]));
  dw.set(acc);
}

/** out[b, oy, ox, ic*M + m] = sum over taps of x[b, iy, ix, ic] * w[ky, kx, ic, m], M = outC / inC. */
export function depthwiseConv2d(x: Float32Array, w: Float32Array, out: Float32Array, c: ConvInfo): void {
  checkConvOperands('depthwiseConv2d', c, x.length, w.length, out.length, true);
  const acc = new Float64Array(out.length);
  forEachDepthwiseTerm(c, (xi, wi, yi) => (acc[yi] += x[xi] * w[wi]));
  out.set(acc);
}

/** The adjoint of depthwiseConv2d in x. */
export function depthwiseConv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
  checkConvOperands('depthwiseConv2dBackpropInput', c, dx.length, w.length, dy.length, true);
  const acc = new Float64Array(dx.length);
  forEachDepthwiseTerm(c, (xi, wi, yi) => (acc[xi] += dy[yi] * w[wi]));
  dx.set(acc);
}

/** The adjoint of depthwiseConv2d in w. */
export function depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
  checkConvOperands('depthwiseConv2dBackpropFilter', c, x.length, dw.length, dy.length, true);
  const acc = new Float64Array(dw.length);
  forEachDepthwiseTerm(c, (xi, wi, yi) => (acc[wi] += x[xi] * dy[yi]));
  dw.set(acc);
}

/** The pooling window as a ConvInfo (one channel group, no dilation), for forEachTap. */
function windowOf(p: PoolInfo): ConvInfo {
  return {
    batch: p.batch, inH: p.inH, inW: p.inW, inC: p.channels, outH: p.outH, outW: p.outW, outC: p.channels,
    kH: p.kH, kW: p.kW, strideH: p.strideH, strideW: p.strideW, dilationH: 1, dilationW: 1, padTop: p.padTop, padLeft: p.padLeft,
  };
}

/**
 * The window cell maxPool picks for one channel: the first maximum in row-major window order;
 * a NaN wins (and the first NaN stays). Padding never wins. -1 when the window holds no input cell.
 */
function argMaxCell(x: Float32Array, p: PoolInfo, b: number, oy: number, ox: number, ch: number): number {
  let best = -1;
  forEachTap(windowOf(p), oy, ox, (iy, ix) => {
    const i = ((b * p.inH + iy) * p.inW + ix) * p.channels + ch;
    if (best < 0 || (!Number.isNaN(x[best]) && (x[i] > x[best] || Number.isNaN(x[i])))) best = i;
  });
  return best;
}

/** out = the maximum of each window (padding excluded); -Infinity for a window over padding only. */
export function maxPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
  checkPoolOperands('maxPool', p, [x.length], [out.length]);
  forEachOutput(p.batch, p.outH, p.outW, p.channels, (b, oy, ox, o) => {
    for (let ch = 0; ch < p.channels; ch++) {
      const i = argMaxCell(x, p, b, oy, ox, ch);
      out[o + ch] = i < 0 ? -Infinity : x[i];
    }
  });
}

/** dx = each dy added to the input cell its window's maximum came from (recomputed from x). */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
  checkPoolOperands('maxPoolGrad', p, [x.length, dx.length], [dy.length]);
  dx.fill(0);
  forEachOutput(p.batch, p.outH, p.outW, p.channels, (b, oy, ox, o) => {
    for (let ch = 0; ch < p.channels; ch++) {
      const i = argMaxCell(x, p, b, oy, ox, ch);
      if (i >= 0) dx[i] += dy[o + ch];
    }
  });
}

/** Number of input cells (padding excluded) in the window of output (oy, ox). */
function windowCount(p: PoolInfo, oy: number, ox: number): number {
  let n = 0;
  forEachTap(windowOf(p), oy, ox, () => n++);
  return n;
}

/** out = the mean of each window over its input cells only (TF: padding is not counted); 0 for an empty window. */
export function avgPool(x: Float32Array, out: Float32Array, p: PoolInfo): void {
  checkPoolOperands('avgPool', p, [x.length], [out.length]);
  const acc = new Float64Array(p.channels);
  forEachOutput(p.batch, p.outH, p.outW, p.channels, (b, oy, ox, o) => {
    acc.fill(0);
    forEachTap(windowOf(p), oy, ox, (iy, ix) => {
      const xi = ((b * p.inH + iy) * p.inW + ix) * p.channels;
      for (let ch = 0; ch < p.channels; ch++) acc[ch] += x[xi + ch];
    });
    const n = windowCount(p, oy, ox);
    for (let ch = 0; ch < p.channels; ch++) out[o + ch] = n > 0 ? acc[ch] / n : 0;
  });
}

/** The adjoint of avgPool: dy / count added to every input cell of the window. */
export function avgPoolGrad(dy: Float32Array, dx: Float32Array, p: PoolInfo): void {
  checkPoolOperands('avgPoolGrad', p, [dx.length], [dy.length]);
  const acc = new Float64Array(dx.length);
  forEachOutput(p.batch, p.outH, p.outW, p.channels, (b, oy, ox, o) => {
    const n = windowCount(p, oy, ox);
    forEachTap(windowOf(p), oy, ox, (iy, ix) => {
      const xi = ((b * p.inH + iy) * p.inW + ix) * p.channels;
      for (let ch = 0; ch < p.channels; ch++) acc[xi + ch] += dy[o + ch] / n;
    });
  });
  dx.set(acc);
}
