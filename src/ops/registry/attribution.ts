// Ops of attribution plans: DeepLIFT's secant slope for elementwise nonlinearities and its rule for softmax.

import type { OpAttrs } from './attrs.js';
import type { OpDef } from './types.js';
import { gaussLegendreNodes } from '../../util/quadrature.js';
import { formatShape, sizeOf } from '../../tensor/shape.js';

/** Below this |x - r| the secant (f(x) - f(r)) / (x - r) is replaced by the derivative at the midpoint. */
const NEAR = 1e-6;

/**
 * The secant slope (f(x) - f(r)) / (x - r) of an elementwise function, per element: DeepLIFT's rescale
 * multiplier, exact for the difference it explains. Inputs x, r, y = f(x), yr = f(r).
 */
export const secantSlope: OpDef<OpAttrs['secantSlope']> = {
  infer: ([x, r, y, yr], { fn }) => {
    for (const v of [r, y, yr]) {
      if (v.shape.length !== x.shape.length || v.shape.some((d, i) => d !== x.shape[i])) {
        throw new Error(`secantSlope(${fn}): x, r, f(x) and f(r) must have one shape, got ${formatShape(x.shape)} and ${formatShape(v.shape)}`);
      }
    }
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: ([x], _o, { fn, alpha }) => {
    const n = sizeOf(x.shape);
    const near = new Int32Array(n);
    return (be, [xv, rv, yv, yr], out) => {
      let count = 0;
      for (let i = 0; i < n; i++) {
        const d = xv[i] - rv[i];
        if (Math.abs(d) > NEAR * (1 + Math.abs(xv[i]))) out[i] = (yv[i] - yr[i]) / d;
        else near[count++] = i;
      }
      if (count === 0) return;
      // Where x and r (almost) coincide, the derivative at their midpoint: the limit of the secant.
      const mid = new Float32Array(count);
      for (let k = 0; k < count; k++) mid[k] = 0.5 * (xv[near[k]] + rv[near[k]]);
      const fmid = new Float32Array(count);
      const slope = new Float32Array(count);
      be.unary(fn, mid, fmid, alpha);
      be.unaryGrad(fn, mid, fmid, new Float32Array(count).fill(1), slope, alpha);
      for (let k = 0; k < count; k++) out[near[k]] = slope[k];
    };
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

/** 1 / x, and 0 where x is 0: DeepLIFT's division by an input difference that only non-zero differences need. */
export const reciprocalOrZero: OpDef<OpAttrs['reciprocalOrZero']> = {
  infer: ([x]) => ({ shape: [...x.shape], dtype: 'float32' }),
  prepare: () => (_be, [x], out) => {
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 / x[i] : 0;
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

const [GL16_X, GL16_W] = gaussLegendreNodes(16);

function softmaxInto(z: Float64Array, out: Float64Array): void {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (let i = 0; i < z.length; i++) s += out[i] = Math.exp(z[i] - m);
  for (let i = 0; i < z.length; i++) out[i] /= s;
}

/**
 * DeepLIFT through a row-wise softmax: the Jacobian averaged along the segment from r to x (16-point
 * Gauss-Legendre), corrected by a rank-one term so that J (zx - zr) = softmax(zx) - softmax(zr)
 * exactly; dz = Jᵀ dy per row. Inputs zx, zr, yx, yr, dy.
 */
export const softmaxRescaleGrad: OpDef<OpAttrs['softmaxRescaleGrad']> = {
  infer: ([z]) => ({ shape: [...z.shape], dtype: 'float32' }),
  prepare: ([z]) => {
    const n = z.shape[z.shape.length - 1];
    const rows = z.shape.reduce((a, b) => a * b, 1) / n;
    const J = new Float64Array(n * n);
    const seg = new Float64Array(n);
    const y = new Float64Array(n);
    const dz = new Float64Array(n);
    return (_be, [zx, zr, yx, yr, dy], out) => {
      for (let r = 0; r < rows; r++) {
        const o = r * n;
        J.fill(0);
        for (let q = 0; q < GL16_X.length; q++) {
          for (let i = 0; i < n; i++) seg[i] = zr[o + i] + GL16_X[q] * (zx[o + i] - zr[o + i]);
          softmaxInto(seg, y);
          for (let a = 0; a < n; a++) for (let i = 0; i < n; i++) J[a * n + i] += GL16_W[q] * ((a === i ? y[a] : 0) - y[a] * y[i]);
        }
        let dz2 = 0;
        for (let i = 0; i < n; i++) dz2 += (dz[i] = zx[o + i] - zr[o + i]) ** 2;
        if (dz2 > 0) {
          for (let a = 0; a < n; a++) {
            let jd = 0;
            for (let i = 0; i < n; i++) jd += J[a * n + i] * dz[i];
            const res = yx[o + a] - yr[o + a] - jd;
            for (let i = 0; i < n; i++) J[a * n + i] += (res * dz[i]) / dz2;
          }
        }
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let a = 0; a < n; a++) s += dy[o + a] * J[a * n + i];
          out[o + i] = s;
        }
      }
    };
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};
