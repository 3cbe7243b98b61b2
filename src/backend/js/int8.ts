// Reference int8 inference kernels (compress/): quantising activations to 0..127 and the int8 dense and
// conv products with their float epilogue, as plain loops. The wasm kernels must match them bit for bit.

import type { ConvInfo } from '../conv-geometry.js';
import type { Int8Dims } from '../backend.js';

/** Rounds half to even, as WebAssembly's nearest and ONNX's QuantizeLinear do (Math.round rounds half up). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One value quantised: clamp(roundHalfEven(f32(x / scale)) + zeroPoint, 0, 127); NaN gives 0. */
export function quantizeValue(x: number, scale: number, zeroPoint: number): number {
  const v = roundHalfEven(Math.fround(x / scale)) + zeroPoint;
  return v >= 127 ? 127 : v >= 0 ? v : 0;
}

export function quantizeU7(x: Float32Array, out: Int8Array, scale: number, zeroPoint: number): void {
  const s = Math.fround(scale);
  for (let i = 0; i < x.length; i++) out[i] = quantizeValue(x[i], s, zeroPoint);
}

/** act(f32(sum) * mult + bias) with float32 rounding at each step, as the wasm epilogue computes it. */
function epilogue(sum: number, mult: number, bias: number, relu: boolean): number {
  const v = Math.fround(Math.fround(Math.fround(sum) * mult) + bias);
  return relu && !(v > 0) ? 0 : v;
}

export function linearU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, d: Int8Dims): void {
  const { m, k, n, zeroPoint, relu } = d;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let q = 0; q < k; q++) sum += (x[i * k + q] - zeroPoint) * w[j * k + q];
      out[i * n + j] = epilogue(sum, mult[j], bias ? bias[j] : 0, relu);
    }
  }
}

/**
 * Channels-last conv over u7 input x [batch, inH, inW, inC] with filter w [outC, kH, kW, inC] (one row
 * per output channel): taps outside the input hold the zero point, so they add nothing.
 */
export function conv2dU7(x: Int8Array, w: Int8Array, mult: Float32Array, bias: Float32Array | null, out: Float32Array, c: ConvInfo, zeroPoint: number, relu: boolean): void {
  const taps = c.kH * c.kW * c.inC;
  for (let b = 0; b < c.batch; b++) {
    for (let oy = 0; oy < c.outH; oy++) {
      for (let ox = 0; ox < c.outW; ox++) {
        const o = ((b * c.outH + oy) * c.outW + ox) * c.outC;
        for (let oc = 0; oc < c.outC; oc++) {
          let sum = 0;
          for (let ky = 0; ky < c.kH; ky++) {
            const iy = oy * c.strideH + ky * c.dilationH - c.padTop;
            if (iy < 0 || iy >= c.inH) continue;
            for (let kx = 0; kx < c.kW; kx++) {
              const ix = ox * c.strideW + kx * c.dilationW - c.padLeft;
              if (ix < 0 || ix >= c.inW) continue;
              const xi = ((b * c.inH + iy) * c.inW + ix) * c.inC;
              const wi = oc * taps + (ky * c.kW + kx) * c.inC;
              for (let ic = 0; ic < c.inC; ic++) sum += (x[xi + ic] - zeroPoint) * w[wi + ic];
            }
          }
          out[o + oc] = epilogue(sum, mult[oc], bias ? bias[oc] : 0, relu);
        }
      }
    }
  }
}
