// Exact integrated gradients for Dense-first networks without autograd: on the straight path from the
// baseline, the first layer's pre-activation is linear in alpha, so sum_k w_k grad f(point_k) is the
// first kernel times one averaged hidden-unit gradient. Checked against autograd in the tests.

import { type Activation, type DenseNet, type DenseStep, act1, backThroughKernel, dAct1, softmaxRow } from './dense-net.js';

/**
 * Attributions [T][inputs] = (x - b) * sum_k w_k d f_t / dx at b + alpha_k (x - b).
 * With `splitKinks` (Gauss-Legendre on a relu/leakyRelu first layer), the path is cut where first-layer
 * units switch, and each smooth piece gets its own Gauss-Legendre nodes (steps spread by length, at
 * least 1 per piece), so the kinks cost no accuracy.
 */
export function denseIntegratedGradients(net: DenseNet, x: Float32Array, base: Float32Array, alphasIn: Float64Array, weightsIn: Float64Array, targets: Int32Array, splitKinks = false): Float32Array[] {
  const first = net.steps[0] as DenseStep;
  const { inDim, outDim: units, w } = first;
  const zb = new Float64Array(units);
  const u = new Float64Array(units);
  if (first.b) for (let j = 0; j < units; j++) zb[j] = first.b[j];
  for (let i = 0; i < inDim; i++) {
    const bi = base[i];
    const di = x[i] - bi;
    if (bi === 0 && di === 0) continue;
    const wo = i * units;
    for (let j = 0; j < units; j++) {
      zb[j] += bi * w[wo + j];
      u[j] += di * w[wo + j];
    }
  }
  const piecewise = splitKinks && (first.act.name === 'relu' || first.act.name === 'leakyRelu');
  const [alphas, weights] = piecewise ? piecewiseNodes(zb, u, alphasIn.length) : [alphasIn, weightsIn];
  const S = alphas.length;
  const z1 = new Float64Array(S * units);
  for (let k = 0; k < S; k++) for (let j = 0; j < units; j++) z1[k * units + j] = zb[j] + alphas[k] * u[j];
  // Forward the rest, keeping each step's activation input and output for the backward pass.
  const pre: Float64Array[] = [z1];
  const post: Float64Array[] = [activate(first.act, z1, S, units)];
  const widths = [units];
  for (let s = 1; s < net.steps.length; s++) {
    const step = net.steps[s];
    const h = post[post.length - 1];
    let z: Float64Array;
    let width = widths[widths.length - 1];
    if (step.kind === 'dense') {
      z = new Float64Array(S * step.outDim);
      for (let k = 0; k < S; k++) {
        const zo = k * step.outDim;
        if (step.b) for (let j = 0; j < step.outDim; j++) z[zo + j] = step.b[j];
        for (let i = 0; i < step.inDim; i++) {
          const v = h[k * step.inDim + i];
          if (v === 0) continue;
          const wo = i * step.outDim;
          for (let j = 0; j < step.outDim; j++) z[zo + j] += v * step.w[wo + j];
        }
      }
      width = step.outDim;
    } else z = h;
    pre.push(z);
    post.push(activate(step.act, z, S, width));
    widths.push(width);
  }
  const out: Float32Array[] = [];
  for (const t of targets) {
    // Backward from output t, one row per step, weighted by the quadrature weight.
    const L = net.steps.length;
    let g: Float64Array = new Float64Array(S * widths[L - 1]);
    for (let k = 0; k < S; k++) g[k * widths[L - 1] + t] = weights[k];
    for (let s = L - 1; s >= 0; s--) {
      const step = net.steps[s];
      const width = widths[s];
      g = activationBackward(step.act, pre[s], post[s], g, S, width);
      if (s === 0) break;
      if (step.kind === 'dense') {
        g = backThroughKernel(step, g, S);
      }
    }
    // g: weighted gradient at the first layer's pre-activation, per step; sum over steps, then through W.
    const gsum = new Float64Array(units);
    for (let k = 0; k < S; k++) for (let j = 0; j < units; j++) gsum[j] += g[k * units + j];
    const attr = new Float32Array(inDim);
    for (let i = 0; i < inDim; i++) {
      const di = x[i] - base[i];
      if (di === 0) continue;
      let acc = 0;
      const wo = i * units;
      for (let j = 0; j < units; j++) acc += w[wo + j] * gsum[j];
      attr[i] = di * acc;
    }
    out.push(attr);
  }
  return out;
}

function activate(a: Activation, z: Float64Array, n: number, width: number): Float64Array {
  const y = Float64Array.from(z);
  if (a.name === 'softmax') for (let r = 0; r < n; r++) softmaxRow(y, r * width, width);
  else if (a.name !== 'linear') for (let i = 0; i < y.length; i++) y[i] = act1(a, z[i]);
  return y;
}

/** dL/dz from dL/dy for y = act(z), row-wise for softmax: dz = y * (dy - sum(dy * y)). */
function activationBackward(a: Activation, z: Float64Array, y: Float64Array, dy: Float64Array, n: number, width: number): Float64Array {
  if (a.name === 'linear') return dy;
  const dz = new Float64Array(dy.length);
  if (a.name === 'softmax') {
    for (let r = 0; r < n; r++) {
      let dot = 0;
      for (let j = 0; j < width; j++) dot += dy[r * width + j] * y[r * width + j];
      for (let j = 0; j < width; j++) dz[r * width + j] = y[r * width + j] * (dy[r * width + j] - dot);
    }
    return dz;
  }
  for (let i = 0; i < dy.length; i++) dz[i] = dy[i] === 0 ? 0 : dy[i] * dAct1(a, z[i]);
  return dz;
}

/** Gauss-Legendre nodes on each piece of [0, 1] between the points where zb + t u crosses 0. */
function piecewiseNodes(zb: Float64Array, u: Float64Array, steps: number): [Float64Array, Float64Array] {
  const cuts = [0, 1];
  for (let j = 0; j < zb.length; j++) {
    if (u[j] === 0) continue;
    const t = -zb[j] / u[j];
    if (t > 1e-9 && t < 1 - 1e-9) cuts.push(t);
  }
  cuts.sort((a, b) => a - b);
  const a: number[] = [];
  const w: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i];
    const len = cuts[i + 1] - lo;
    if (len <= 1e-12) continue;
    const n = Math.max(1, Math.ceil(steps * len));
    const [gx, gw] = gaussLegendreNodes(n);
    for (let k = 0; k < n; k++) {
      a.push(lo + len * gx[k]);
      w.push(len * gw[k]);
    }
  }
  return [Float64Array.from(a), Float64Array.from(w)];
}

const glCache = new Map<number, [Float64Array, Float64Array]>();

/** Gauss-Legendre nodes and weights on [0, 1] (weights sum to 1). */
export function gaussLegendreNodes(n: number): [Float64Array, Float64Array] {
  const hit = glCache.get(n);
  if (hit) return hit;
  const a = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    a[i] = (1 - z) / 2;
    w[i] = 1 / ((1 - z * z) * dp * dp);
  }
  glCache.set(n, [a, w]);
  return [a, w];
}
