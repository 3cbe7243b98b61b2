// Reference kernels of batch normalisation over x viewed as [rows, cols] (statistics per column, i.e.
// per channel of a channels-last tensor). Statistics accumulate in float64.

/** Per-column mean and biased variance: out = [mean (cols) | variance (cols)]. */
export function moments(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + c];
    const mean = s / rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * cols + c] - mean) ** 2;
    out[c] = mean;
    out[cols + c] = v / rows;
  }
}

/** out = (x - mean) / sqrt(variance + eps) * gamma + beta per column. */
export function batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
  const scale = new Float64Array(cols);
  for (let c = 0; c < cols; c++) scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
  // Row by row, so memory is read in order (channels are the contiguous axis).
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) out[i] = (x[i] - mean[c]) * scale[c] + beta[c];
}

/**
 * dx of batchNorm. Statistics taken as constants (inference): dx = dy gamma / sqrt(var + eps). The batch's
 * own (training), so the gradient also flows through mean and variance:
 * dx = invStd (g - mean_r(g) - xhat mean_r(g xhat)), g = dy gamma, xhat = (x - mean) invStd.
 */
export function batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, eps: number, batchStats: boolean): void {
  for (let c = 0; c < cols; c++) {
    const invStd = 1 / Math.sqrt(variance[c] + eps);
    let sg = 0;
    let sgx = 0;
    if (batchStats) {
      for (let r = 0; r < rows; r++) {
        const g = dy[r * cols + c] * gamma[c];
        sg += g;
        sgx += g * (x[r * cols + c] - mean[c]) * invStd;
      }
    }
    const mg = sg / rows;
    const mgx = sgx / rows;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      const g = dy[i] * gamma[c];
      dx[i] = batchStats ? invStd * (g - mg - (x[i] - mean[c]) * invStd * mgx) : g * invStd;
    }
  }
}

/** Gradients of gamma and beta: out = [sum_r dy xhat (cols) | sum_r dy (cols)]. */
export function batchNormParamGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
  for (let c = 0; c < cols; c++) {
    const invStd = 1 / Math.sqrt(variance[c] + eps);
    let dg = 0;
    let db = 0;
    for (let r = 0; r < rows; r++) {
      const d = dy[r * cols + c];
      dg += d * (x[r * cols + c] - mean[c]) * invStd;
      db += d;
    }
    out[c] = dg;
    out[cols + c] = db;
  }
}
