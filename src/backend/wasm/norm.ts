// The wasm backend's batch-normalisation kernels: per-channel sums in WebAssembly (f64 accumulators),
// the per-channel coefficients in JavaScript (one value per channel), then one SIMD affine pass.
// Same semantics as src/backend/js/norm.ts, the reference they are tested against.

import type { WasmRuntime } from './runtime.js';

type F = Float32Array;

export class WasmNorm {
  constructor(private readonly rt: WasmRuntime) {}

  /** Per-channel mean and biased variance of the data at px (already in wasm memory), as f64 arrays. */
  private stats(px: number, rows: number, cols: number): { mean: Float64Array; variance: Float64Array; pm: number } {
    const rt = this.rt;
    const acc = rt.alloc(cols * 4);
    rt.exports.channelSums(0, px, 0, 0, rows, cols, acc);
    const f64 = () => new Float64Array(rt.memory.buffer, acc, cols);
    const mean = Float64Array.from(f64(), (s) => s / rows);
    const pm = rt.alloc(cols);
    rt.view().set(mean, pm >> 2);
    rt.exports.channelSums(1, px, 0, pm, rows, cols, acc);
    const variance = Float64Array.from(f64(), (s) => s / rows);
    return { mean, variance, pm };
  }

  /** Given statistics, or the batch's own. */
  private statsOf(px: number, mean: F | null, variance: F | null, rows: number, cols: number) {
    if (mean && variance) return { mean: Float64Array.from(mean), variance: Float64Array.from(variance), pm: this.rt.put(mean) };
    return this.stats(px, rows, cols);
  }

  moments(x: F, out: F, rows: number, cols: number): void {
    const rt = this.rt;
    rt.reset();
    const { mean, variance } = this.stats(rt.put(x), rows, cols);
    for (let c = 0; c < cols; c++) {
      out[c] = mean[c];
      out[cols + c] = variance[c];
    }
  }

  /** out = dy * a + x * b + c per channel (dy null: no dy term). */
  private affine(px: number, pd: number, a: Float64Array | null, b: Float64Array, c: Float64Array, out: F, rows: number, cols: number): void {
    const rt = this.rt;
    const [pa, pb, pc] = [a ?? b, b, c].map((v) => {
      const p = rt.alloc(cols);
      rt.view().set(v, p >> 2);
      return p;
    });
    const po = rt.outPtr(out);
    rt.exports.channelAffine(px, pd, pa, pb, pc, po, rows, cols);
    rt.finish(po, out);
  }

  batchNorm(x: F, mean: F | null, variance: F | null, gamma: F, beta: F, out: F, rows: number, cols: number, eps: number): void {
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const s = this.statsOf(px, mean, variance, rows, cols);
    const scale = new Float64Array(cols);
    const shift = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      scale[c] = gamma[c] / Math.sqrt(s.variance[c] + eps);
      shift[c] = beta[c] - s.mean[c] * scale[c];
    }
    this.affine(px, 0, null, scale, shift, out, rows, cols);
  }

  /** Sums over rows of dy and dy (x - mean), with the statistics used. */
  private gradSums(px: number, dy: F, mean: F | null, variance: F | null, rows: number, cols: number) {
    const rt = this.rt;
    const s = this.statsOf(px, mean, variance, rows, cols);
    const pd = rt.put(dy);
    const acc = rt.alloc(cols * 4);
    rt.exports.channelSums(2, px, pd, s.pm, rows, cols, acc);
    const sums = new Float64Array(rt.memory.buffer, acc, 2 * cols).slice();
    return { ...s, pd, sumDy: sums.subarray(0, cols), sumDyX: sums.subarray(cols) };
  }

  batchNormParamGrad(x: F, mean: F | null, variance: F | null, dy: F, out: F, rows: number, cols: number, eps: number): void {
    const rt = this.rt;
    rt.reset();
    const g = this.gradSums(rt.put(x), dy, mean, variance, rows, cols);
    for (let c = 0; c < cols; c++) {
      out[c] = g.sumDyX[c] / Math.sqrt(g.variance[c] + eps);
      out[cols + c] = g.sumDy[c];
    }
  }

  /**
   * Given statistics: dx = dy gamma invStd. The batch's own: dx = invStd (g - mean(g) - xhat mean(g xhat)), g = dy
   * gamma, which is dy (gamma invStd) + x (-invStd^2 mgx) + (mean invStd^2 mgx - invStd mg) per channel.
   */
  batchNormGrad(x: F, mean: F | null, variance: F | null, gamma: F, dy: F, dx: F, rows: number, cols: number, eps: number): void {
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const batch = !(mean && variance);
    const a = new Float64Array(cols);
    const b = new Float64Array(cols);
    const c = new Float64Array(cols);
    if (!batch) {
      for (let j = 0; j < cols; j++) a[j] = gamma[j] / Math.sqrt(variance![j] + eps);
      this.affine(px, rt.put(dy), a, b, c, dx, rows, cols);
      return;
    }
    const g = this.gradSums(px, dy, null, null, rows, cols);
    for (let j = 0; j < cols; j++) {
      const invStd = 1 / Math.sqrt(g.variance[j] + eps);
      const mg = (gamma[j] * g.sumDy[j]) / rows;
      const mgx = (gamma[j] * invStd * g.sumDyX[j]) / rows;
      a[j] = gamma[j] * invStd;
      b[j] = -invStd * invStd * mgx;
      c[j] = g.mean[j] * invStd * invStd * mgx - invStd * mg;
    }
    this.affine(px, g.pd, a, b, c, dx, rows, cols);
  }
}
