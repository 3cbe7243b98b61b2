// Scalar math shared by the reference kernels: erf and the GELU pieces.

/** erf via Abramowitz & Stegun 7.1.26 refined (max abs error ~1.2e-7), enough for float32. */
export function erf(x: number): number {
  // Uses the complementary-error-function Chebyshev fit from Numerical Recipes (erfcc).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

const INV_SQRT2 = 1 / Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** GELU, exact form: x * Phi(x). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * INV_SQRT2));
}

/** d/dx [x * Phi(x)] = Phi(x) + x * phi(x). */
export function geluGrad(x: number): number {
  return 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

export function sigmoid(x: number): number {
  // Split on sign so exp never overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function softplus(x: number): number {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), stable for large |x|.
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Softmax of v[off .. off+width) in place, shifted by the row max so exp never overflows. */
export function softmaxRow(v: Float32Array | Float64Array, off: number, width: number): void {
  let m = -Infinity;
  for (let j = 0; j < width; j++) if (v[off + j] > m) m = v[off + j];
  let s = 0;
  for (let j = 0; j < width; j++) {
    const e = Math.exp(v[off + j] - m);
    v[off + j] = e;
    s += e;
  }
  for (let j = 0; j < width; j++) v[off + j] /= s;
}
