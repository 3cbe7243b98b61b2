// Small dense linear algebra in float64 for the regression inside KernelSHAP and LIME.

/** Solves A x = b for symmetric A [n, n] (copied) with several right-hand sides B [n, k]; Gaussian elimination with partial pivoting. */
export function solve(a: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  const A = Float64Array.from(a);
  const B = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    if (Math.abs(A[p * n + c]) < 1e-300) throw new Error('solve: the system is singular');
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j], A[c * n + j]];
      for (let j = 0; j < k; j++) [B[c * k + j], B[p * k + j]] = [B[p * k + j], B[c * k + j]];
    }
    const piv = A[c * n + c];
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c] / piv;
      if (f === 0) continue;
      for (let j = c; j < n; j++) A[r * n + j] -= f * A[c * n + j];
      for (let j = 0; j < k; j++) B[r * k + j] -= f * B[c * k + j];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    for (let j = 0; j < k; j++) {
      let s = B[c * k + j];
      for (let r = c + 1; r < n; r++) s -= A[c * n + r] * B[r * k + j];
      B[c * k + j] = s / A[c * n + c];
    }
  }
  return B;
}

/** Inverse of a symmetric positive definite matrix [n, n]. */
export function inverse(a: Float64Array, n: number): Float64Array {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return solve(a, eye, n, n);
}

export interface RidgeFit {
  /** Coefficients [p, k]. */
  coef: Float64Array;
  /** Intercepts [k]. */
  intercept: Float64Array;
  /** Weighted R^2 per output [k]. */
  r2: Float64Array;
  /** Standard errors of the coefficients [p, k] (sigma^2 (X'WX + aI)^-1 diagonal, weights read as precisions). */
  se: Float64Array;
}

/**
 * Weighted ridge regression with an unpenalised intercept (sklearn Ridge with sample_weight):
 * X [n, p], Y [n, k], weights [n]; columns `cols` of X only (default all). `withSe` = false skips
 * the standard errors and the matrix inverse they need.
 */
export function weightedRidge(X: Float64Array | Float32Array | Uint8Array, n: number, p: number, Y: Float64Array, k: number, w: Float64Array, alpha: number, cols?: number[], withSe = true): RidgeFit {
  const use = cols ?? Array.from({ length: p }, (_, i) => i);
  const q = use.length;
  let sw = 0;
  const xm = new Float64Array(q);
  const ym = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    sw += w[r];
    for (let a = 0; a < q; a++) xm[a] += w[r] * X[r * p + use[a]];
    for (let j = 0; j < k; j++) ym[j] += w[r] * Y[r * k + j];
  }
  for (let a = 0; a < q; a++) xm[a] /= sw;
  for (let j = 0; j < k; j++) ym[j] /= sw;
  const A = new Float64Array(q * q);
  const B = new Float64Array(q * k);
  const xc = new Float64Array(q);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < q; a++) xc[a] = X[r * p + use[a]] - xm[a];
    const wr = w[r];
    for (let a = 0; a < q; a++) {
      const wa = wr * xc[a];
      if (wa === 0) continue;
      for (let c = a; c < q; c++) A[a * q + c] += wa * xc[c];
      for (let j = 0; j < k; j++) B[a * k + j] += wa * (Y[r * k + j] - ym[j]);
    }
  }
  for (let a = 0; a < q; a++) {
    for (let c = 0; c < a; c++) A[a * q + c] = A[c * q + a];
    A[a * q + a] += alpha;
  }
  const coefQ = q > 0 ? solve(A, B, q, k) : new Float64Array(0);
  const inv = q > 0 && withSe ? inverse(A, q) : new Float64Array(0);
  const coef = new Float64Array(p * k);
  const se = new Float64Array(p * k);
  const intercept = Float64Array.from(ym);
  for (let a = 0; a < q; a++) for (let j = 0; j < k; j++) {
    coef[use[a] * k + j] = coefQ[a * k + j];
    intercept[j] -= coefQ[a * k + j] * xm[a];
  }
  const ssr = new Float64Array(k);
  const sst = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      let pred = intercept[j];
      for (let a = 0; a < q; a++) pred += coefQ[a * k + j] * X[r * p + use[a]];
      ssr[j] += w[r] * (Y[r * k + j] - pred) ** 2;
      sst[j] += w[r] * (Y[r * k + j] - ym[j]) ** 2;
    }
  }
  const r2 = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    r2[j] = sst[j] > 0 ? 1 - ssr[j] / sst[j] : 1;
    // Weights read as precisions: Var(coef) = sigma^2 (X'WX)^-1 with sigma^2 = sum w e^2 / (n - q - 1).
    const sigma2 = ssr[j] / Math.max(1, n - q - 1);
    if (withSe) for (let a = 0; a < q; a++) se[use[a] * k + j] = Math.sqrt(Math.max(0, sigma2 * inv[a * q + a]));
  }
  return { coef, intercept, r2, se };
}
