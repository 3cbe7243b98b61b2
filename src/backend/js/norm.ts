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

/** Mean and variance per column: given, or the batch's own when null. */
function stats(x: Float32Array, mean: Float32Array | null, variance: Float32Array | null, rows: number, cols: number): [ArrayLike<number>, ArrayLike<number>] {
  if (mean && variance) return [mean, variance];
  const m = new Float32Array(2 * cols);
  moments(x, m, rows, cols);
  return [m.subarray(0, cols), m.subarray(cols)];
}

/** out = (x - mean) / sqrt(variance + eps) * gamma + beta per column; mean/variance null: the batch's. */
export function batchNorm(x: Float32Array, mean: Float32Array | null, variance: Float32Array | null, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
  const [m, v] = stats(x, mean, variance, rows, cols);
  const scale = new Float64Array(cols);
  for (let c = 0; c < cols; c++) scale[c] = gamma[c] / Math.sqrt(v[c] + eps);
  // Row by row, so memory is read in order (channels are the contiguous axis).
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) out[i] = (x[i] - m[c]) * scale[c] + beta[c];
}

/**
 * dx of batchNorm. With given statistics (inference): dx = dy gamma / sqrt(var + eps). With the batch's
 * own (training), the gradient also flows through mean and variance:
 * dx = invStd (g - mean_r(g) - xhat mean_r(g xhat)), g = dy gamma, xhat = (x - mean) invStd.
 */
export function batchNormGrad(x: Float32Array, mean: Float32Array | null, variance: Float32Array | null, gamma: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, eps: number): void {
  const batch = !(mean && variance);
  const [m, v] = stats(x, mean, variance, rows, cols);
  for (let c = 0; c < cols; c++) {
    const invStd = 1 / Math.sqrt(v[c] + eps);
    let sg = 0;
    let sgx = 0;
    if (batch) {
      for (let r = 0; r < rows; r++) {
        const g = dy[r * cols + c] * gamma[c];
        sg += g;
        sgx += g * (x[r * cols + c] - m[c]) * invStd;
      }
    }
    const mg = sg / rows;
    const mgx = sgx / rows;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      const g = dy[i] * gamma[c];
      dx[i] = batch ? invStd * (g - mg - (x[i] - m[c]) * invStd * mgx) : g * invStd;
    }
  }
}

/** Gradients of gamma and beta: out = [sum_r dy xhat (cols) | sum_r dy (cols)]. */
export function batchNormParamGrad(x: Float32Array, mean: Float32Array | null, variance: Float32Array | null, dy: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void {
  const [m, v] = stats(x, mean, variance, rows, cols);
  for (let c = 0; c < cols; c++) {
    const invStd = 1 / Math.sqrt(v[c] + eps);
    let dg = 0;
    let db = 0;
    for (let r = 0; r < rows; r++) {
      const d = dy[r * cols + c];
      dg += d * (x[r * cols + c] - m[c]) * invStd;
      db += d;
    }
    out[c] = dg;
    out[cols + c] = db;
  }
}
