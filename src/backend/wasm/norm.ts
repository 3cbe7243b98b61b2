// The wasm backend's batch-normalisation kernels: per-channel sums in WebAssembly, the per-channel
// coefficients in JavaScript (one value per channel, in float64), then one SIMD affine pass.
// Same semantics as src/backend/js/norm.ts, the reference they are tested against.

import type { WasmRuntime } from './runtime.js';

type F = Float32Array;

export class WasmNorm {
  constructor(private readonly rt: WasmRuntime) {}

  /** Sums of kind `kind` (see channelSums in kernels.as) as a fresh f64 array of cols (or 2 cols). */
  private sums(kind: 0 | 1 | 2, px: number, pd: number, pm: number, rows: number, cols: number): Float64Array {
    const rt = this.rt;
    const acc = rt.alloc(cols * 4);
    rt.exports.channelSums(kind, px, pd, pm, rows, cols, acc);
    return new Float64Array(rt.memory.buffer, acc, kind === 2 ? 2 * cols : cols).slice();
  }

  moments(x: F, out: F, rows: number, cols: number): void {
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const mean = this.sums(0, px, 0, 0, rows, cols).map((s) => s / rows);
    // The variance is taken about the mean rounded to float32, as the kernels read it.
    out.set(mean);
    const pm = rt.put(out.subarray(0, cols));
    const sq = this.sums(1, px, 0, pm, rows, cols);
    for (let c = 0; c < cols; c++) out[cols + c] = sq[c] / rows;
  }

  /** out = dy * a + x * b + c per channel (dy pointer 0: no dy term). */
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

  batchNorm(x: F, mean: F, variance: F, gamma: F, beta: F, out: F, rows: number, cols: number, eps: number): void {
    const rt = this.rt;
    rt.reset();
    const scale = new Float64Array(cols);
    const shift = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
      shift[c] = beta[c] - mean[c] * scale[c];
    }
    this.affine(rt.put(x), 0, null, scale, shift, out, rows, cols);
  }

  batchNormParamGrad(x: F, mean: F, variance: F, dy: F, out: F, rows: number, cols: number, eps: number): void {
    const rt = this.rt;
    rt.reset();
    const s = this.sums(2, rt.put(x), rt.put(dy), rt.put(mean), rows, cols);
    for (let c = 0; c < cols; c++) {
      out[c] = s[cols + c] / Math.sqrt(variance[c] + eps);
      out[cols + c] = s[c];
    }
  }

  /**
   * Statistics as constants: dx = dy gamma invStd. The batch's own: dx = invStd (g - mean(g) - xhat mean(g xhat)),
   * g = dy gamma, which is dy (gamma invStd) + x (-invStd^2 mgx) + (mean invStd^2 mgx - invStd mg) per channel.
   */
  batchNormGrad(x: F, mean: F, variance: F, gamma: F, dy: F, dx: F, rows: number, cols: number, eps: number, batchStats: boolean): void {
    const rt = this.rt;
    rt.reset();
    const px = rt.put(x);
    const pd = rt.put(dy);
    const a = new Float64Array(cols);
    const b = new Float64Array(cols);
    const c = new Float64Array(cols);
    const s = batchStats ? this.sums(2, px, pd, rt.put(mean), rows, cols) : null;
    for (let j = 0; j < cols; j++) {
      const invStd = 1 / Math.sqrt(variance[j] + eps);
      a[j] = gamma[j] * invStd;
      if (!s) continue;
      const mg = (gamma[j] * s[j]) / rows;
      const mgx = (gamma[j] * invStd * s[cols + j]) / rows;
      b[j] = -invStd * invStd * mgx;
      c[j] = mean[j] * invStd * invStd * mgx - invStd * mg;
    }
    this.affine(px, pd, a, b, c, dx, rows, cols);
  }
}
