// DeepSHAP: DeepLIFT's rescale rule averaged over a background set (Lundberg & Lee 2017), at the level of
// glassbox's layers. Dense layers pass multipliers through W exactly; elementwise activations use
// (f(x) - f(b)) / (x - b); softmax uses its Jacobian averaged along the segment from b to x (the rescale
// rule for a vector nonlinearity), corrected so the multipliers reproduce softmax(x) - softmax(b) exactly.
// Hence sum(values) = f(x) - E f(background) up to rounding: the additivity gap is a test.

import type { Tensor } from '../tensor/tensor.js';
import { prepareBackground } from './background.js';
import { callChunked } from './coalitions.js';
import { type Activation, type DenseNet, act1, backThroughKernel, dAct1, denseNetOf, softmaxRow } from './dense-net.js';
import { Explanation } from './explanation.js';
import { gaussLegendreNodes } from './dense-gradients.js';
import { resolveGroups } from './groups.js';
import {
  asModel, checkAbort, checkOptionKeys, checkRows, floatRows, groupsFrom, isSequentialLike, resolveFeatureNames, resolveOutputNames, rowsPerCall, yieldToEventLoop,
} from './predictor.js';
import type { BackgroundOptions, CommonOptions, Predictor } from './types.js';

export interface DeepShapOptions extends CommonOptions, BackgroundOptions {}

export async function deepShap(predictor: Predictor, x: Tensor, opts: DeepShapOptions = {}): Promise<Explanation> {
  checkOptionKeys('deepShap', opts, ['background', 'summarize', 'maxBackground']);
  checkRows(x);
  if (!isSequentialLike(predictor)) {
    throw new Error('deepShap: needs a glassbox Sequential model (its layers carry the rescale rules); for a plain function use kernelShap or gradientShap');
  }
  const net = denseNetOf(predictor);
  if (typeof net === 'string') throw new Error(`deepShap: ${net}; use kernelShap or gradientShap for this model`);
  const rows = x.shape[0];
  const inputs = x.size / rows;
  if (net.inputs !== inputs) throw new Error(`deepShap: the model takes ${net.inputs} inputs but rows have ${inputs}`);
  const seed = opts.seed ?? 0;
  const bg = prepareBackground(opts, x.shape.slice(1), seed, 'deepShap');
  const model = asModel(predictor, x.shape.slice(1));
  const data = floatRows(x);
  const maxRows = rowsPerCall(opts);
  const preds = await callChunked(model, data, rows, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const bgPred = await callChunked(model, bg.rows, bg.n, inputs, { maxRowsPerCall: maxRows, signal: opts.signal });
  const K = net.outputs;
  const inputNames = resolveFeatureNames(opts, model, inputs);
  const groups = resolveGroups(groupsFrom(opts, model), inputs, inputNames);
  const G = groups.members.length;
  const base = new Float32Array(rows * K);
  const fnull = new Float64Array(K);
  for (let b = 0; b < bg.n; b++) for (let k = 0; k < K; k++) fnull[k] += bg.weights[b] * bgPred[b * K + k];
  const bgTraces = Array.from({ length: bg.n }, (_, b) => trace(net, bg.rows.subarray(b * inputs, (b + 1) * inputs)));
  const values = new Float32Array(rows * G * K);
  let gap = 0;
  for (let r = 0; r < rows; r++) {
    checkAbort(opts.signal);
    const xr = data.subarray(r * inputs, (r + 1) * inputs);
    const tx = trace(net, xr);
    const phi = new Float64Array(inputs * K);
    for (let b = 0; b < bg.n; b++) {
      const m = multipliers(net, tx, bgTraces[b]); // [K, inputs]
      const w = bg.weights[b];
      for (let i = 0; i < inputs; i++) {
        const d = w * (xr[i] - bg.rows[b * inputs + i]);
        if (d === 0) continue;
        for (let k = 0; k < K; k++) phi[i * K + k] += m[k * inputs + i] * d;
      }
    }
    for (let k = 0; k < K; k++) {
      base[r * K + k] = fnull[k];
      let s = 0;
      for (let g = 0; g < G; g++) {
        let v = 0;
        for (const i of groups.members[g]) v += phi[i * K + k];
        values[(r * G + g) * K + k] = v;
        s += v;
      }
      gap = Math.max(gap, Math.abs(s - (preds[r * K + k] - fnull[k])));
    }
    opts.onProgress?.({ method: 'deep-shap', done: r + 1, total: rows });
    await yieldToEventLoop();
  }
  return new Explanation({
    method: 'deep-shap', settings: { seed, backgroundRows: bg.n, rule: 'rescale' }, kind: 'local', rows, features: G, outputs: K, values,
    stdErrors: null, baseValues: base, predictions: preds, data, inputShape: x.shape.slice(1), featureNames: groups.names, inputNames,
    groups: groups.groups, outputNames: resolveOutputNames(opts, model, K), targets: null, diagnostics: { additivityGap: gap },
  });
}

/** Inputs of every step's activation (pre) and outputs (post), in float64. */
interface Trace {
  /** For each step: the layer input (dense) and the activation input/output. */
  pre: Float64Array[];
  post: Float64Array[];
}

function trace(net: DenseNet, x: Float32Array): Trace {
  let h: Float64Array = Float64Array.from(x);
  const pre: Float64Array[] = [];
  const post: Float64Array[] = [];
  for (const step of net.steps) {
    let z: Float64Array;
    if (step.kind === 'dense') {
      z = new Float64Array(step.outDim);
      if (step.b) for (let j = 0; j < step.outDim; j++) z[j] = step.b[j];
      for (let i = 0; i < step.inDim; i++) {
        const v = h[i];
        if (v === 0) continue;
        for (let j = 0; j < step.outDim; j++) z[j] += v * step.w[i * step.outDim + j];
      }
    } else z = h;
    const y = activate(step.act, z);
    pre.push(z);
    post.push(y);
    h = y;
  }
  return { pre, post };
}

function activate(a: Activation, z: Float64Array): Float64Array {
  const y = Float64Array.from(z);
  if (a.name === 'softmax') softmaxRow(y, 0, y.length);
  else if (a.name !== 'linear') for (let i = 0; i < y.length; i++) y[i] = act1(a, z[i]);
  return y;
}

/** Multipliers [K, inputs]: d(output k) / d(input i) under the rescale rule, from x's and b's traces. */
function multipliers(net: DenseNet, tx: Trace, tb: Trace): Float64Array {
  const K = net.outputs;
  let width = K;
  let m: Float64Array = new Float64Array(K * K);
  for (let k = 0; k < K; k++) m[k * K + k] = 1;
  for (let s = net.steps.length - 1; s >= 0; s--) {
    const step = net.steps[s];
    m = throughActivation(step.act, tx.pre[s], tb.pre[s], tx.post[s], tb.post[s], m, K, width);
    if (step.kind === 'dense') {
      // m_in[k, i] = sum_j m[k, j] W[i, j]
      m = backThroughKernel(step, m, K);
      width = step.inDim;
    }
  }
  return m;
}

function throughActivation(a: Activation, zx: Float64Array, zb: Float64Array, yx: Float64Array, yb: Float64Array, m: Float64Array, K: number, width: number): Float64Array {
  if (a.name === 'linear') return m;
  if (a.name !== 'softmax') {
    // Rescale: m_in = m_out * (f(x) - f(b)) / (x - b), or f' at the midpoint when x and b (nearly) coincide.
    const out = new Float64Array(m.length);
    for (let j = 0; j < width; j++) {
      const d = zx[j] - zb[j];
      const r = Math.abs(d) > 1e-7 ? (yx[j] - yb[j]) / d : dAct1(a, 0.5 * (zx[j] + zb[j]));
      for (let k = 0; k < K; k++) out[k * width + j] = m[k * width + j] * r;
    }
    return out;
  }
  // Softmax: average Jacobian along the segment (16-point Gauss-Legendre), then a rank-one correction so
  // that Jbar (zx - zb) = softmax(zx) - softmax(zb) exactly.
  const n = width;
  const J = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let q = 0; q < GL16_X.length; q++) {
    const t = GL16_X[q];
    for (let i = 0; i < n; i++) y[i] = zb[i] + t * (zx[i] - zb[i]);
    softmaxRow(y, 0, n);
    for (let o = 0; o < n; o++) for (let i = 0; i < n; i++) J[o * n + i] += GL16_W[q] * ((o === i ? y[o] : 0) - y[o] * y[i]);
  }
  let dz2 = 0;
  for (let i = 0; i < n; i++) dz2 += (zx[i] - zb[i]) ** 2;
  if (dz2 > 0) {
    for (let o = 0; o < n; o++) {
      let jd = 0;
      for (let i = 0; i < n; i++) jd += J[o * n + i] * (zx[i] - zb[i]);
      const res = yx[o] - yb[o] - jd;
      for (let i = 0; i < n; i++) J[o * n + i] += (res * (zx[i] - zb[i])) / dz2;
    }
  }
  const out = new Float64Array(K * n);
  for (let k = 0; k < K; k++) for (let o = 0; o < n; o++) {
    const mk = m[k * width + o];
    if (mk === 0) continue;
    for (let i = 0; i < n; i++) out[k * n + i] += mk * J[o * n + i];
  }
  return out;
}

const [GL16_X, GL16_W] = gaussLegendreNodes(16);
