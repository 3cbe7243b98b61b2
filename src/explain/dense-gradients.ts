// Exact integrated gradients for Dense-first networks without autograd: on the straight path from the
// baseline, the first layer's pre-activation is linear in alpha, so sum_k w_k grad f(point_k) is the
// first kernel times one averaged hidden-unit gradient. Checked against autograd in the tests.

import { type Activation, type DenseNet, type DenseStep, act1, dAct1, softmaxRow } from './dense-net.js';

/** Attributions [T][inputs] = (x - b) * sum_k w_k d f_t / dx at b + alpha_k (x - b). */
export function denseIntegratedGradients(net: DenseNet, x: Float32Array, base: Float32Array, alphas: Float64Array, weights: Float64Array, targets: Int32Array): Float32Array[] {
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
        const prev = new Float64Array(S * step.inDim);
        for (let k = 0; k < S; k++) {
          for (let i = 0; i < step.inDim; i++) {
            let acc = 0;
            const wo = i * step.outDim;
            for (let j = 0; j < step.outDim; j++) acc += step.w[wo + j] * g[k * step.outDim + j];
            prev[k * step.inDim + i] = acc;
          }
        }
        g = prev;
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
