// A Sequential of Dense/Activation/Dropout/Flatten layers read into plain arrays, with its own forward pass.
// Explainers use it for exact fast paths (first-layer decomposition) and for DeepLIFT/DeepSHAP.

import type { SequentialLike } from './types.js';
import { getBackend } from '../backend/backend.js';
// The reference backend's scalar functions, so explainers compute exactly what the model computes.
import { gelu, geluGrad, sigmoid, softmaxRow, softplus } from '../backend/js/math.js';

export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'leakyRelu', 'gelu', 'softplus'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export interface DenseStep {
  kind: 'dense';
  /** Kernel [inDim, outDim], row-major. */
  w: Float32Array;
  b: Float32Array | null;
  inDim: number;
  outDim: number;
  act: Activation;
}

export interface ActivationStep {
  kind: 'activation';
  act: Activation;
}

export type Step = DenseStep | ActivationStep;

export interface Activation {
  name: ActivationName;
  alpha: number;
}

export interface DenseNet {
  inputs: number;
  outputs: number;
  steps: Step[];
}

/** Reads a Sequential model into a DenseNet; returns a reason string when some layer is not supported. */
export function denseNetOf(model: SequentialLike): DenseNet | string {
  const steps: Step[] = [];
  let width = -1;
  let inputs = -1;
  for (const layer of model.layers) {
    const config = layer.getConfig() as { activation?: unknown; alpha?: unknown };
    switch (layer.className) {
      case 'Dense': {
        const [kernel, bias] = layer.getWeights();
        if (!kernel || kernel.rank !== 2) return 'a Dense layer has no 2-D kernel (is the model built?)';
        const [inDim, outDim] = kernel.shape;
        if (width !== -1 && width !== inDim) return `Dense layer expects ${inDim} inputs but receives ${width}`;
        if (inputs === -1) inputs = inDim;
        const act = activationOf(config.activation, config.alpha);
        if (typeof act === 'string') return act;
        steps.push({ kind: 'dense', w: Float32Array.from(kernel.values), b: bias ? Float32Array.from(bias.values) : null, inDim, outDim, act });
        width = outDim;
        break;
      }
      case 'Activation': {
        const act = activationOf(config.activation, config.alpha);
        if (typeof act === 'string') return act;
        steps.push({ kind: 'activation', act });
        break;
      }
      case 'Dropout':
      case 'Flatten':
        break; // identity at inference; flattening keeps the row-major order
      default:
        return `layer ${layer.className} is not supported (Dense, Activation, Dropout and Flatten are)`;
    }
  }
  if (inputs === -1) return 'the model has no Dense layer';
  return { inputs, outputs: width, steps };
}

function activationOf(name: unknown, alpha: unknown): Activation | string {
  const n = name === undefined || name === null ? 'linear' : String(name);
  const canonical = n === 'leaky_relu' || n === 'leakyrelu' ? 'leakyRelu' : n;
  if (!(ACTIVATIONS as readonly string[]).includes(canonical)) return `activation '${n}' is not supported`;
  const a = typeof alpha === 'number' ? alpha : canonical === 'leakyRelu' ? 0.2 : 1;
  return { name: canonical as ActivationName, alpha: a };
}

/** f(x) for elementwise activations. */
export function act1(a: Activation, x: number): number {
  switch (a.name) {
    case 'linear': case 'softmax': return x;
    case 'relu': return x > 0 ? x : 0;
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return Math.tanh(x);
    case 'elu': return x > 0 ? x : a.alpha * Math.expm1(x);
    case 'leakyRelu': return x > 0 ? x : a.alpha * x;
    case 'gelu': return gelu(x);
    case 'softplus': return softplus(x);
  }
}

/** f'(x) for elementwise activations. */
export function dAct1(a: Activation, x: number): number {
  switch (a.name) {
    case 'linear': case 'softmax': return 1;
    case 'relu': return x > 0 ? 1 : 0;
    case 'sigmoid': { const s = sigmoid(x); return s * (1 - s); }
    case 'tanh': { const t = Math.tanh(x); return 1 - t * t; }
    case 'elu': return x > 0 ? 1 : a.alpha * Math.exp(x);
    case 'leakyRelu': return x > 0 ? 1 : a.alpha;
    case 'gelu': return geluGrad(x);
    case 'softplus': return sigmoid(x);
  }
}

/** Applies an activation in place to rows [n, width]; softmax is row-wise. */
export function applyActivation(a: Activation, v: Float32Array | Float64Array, n: number, width: number): void {
  if (a.name === 'linear') return;
  if (a.name === 'softmax') {
    for (let r = 0; r < n; r++) softmaxRow(v, r * width, width);
    return;
  }
  if (a.name === 'relu') {
    for (let i = 0; i < n * width; i++) if (v[i] < 0) v[i] = 0;
    return;
  }
  for (let i = 0; i < n * width; i++) v[i] = act1(a, v[i]);
}

export { softmaxRow };

/** out[n, outDim] = x[n, inDim] @ w + b: on the backend's GEMM for float32 rows, else an i-k-j loop. */
export function denseForward(step: DenseStep, x: Float32Array | Float64Array, n: number, out: Float32Array | Float64Array): void {
  const { w, b, inDim, outDim } = step;
  if (x instanceof Float32Array && out instanceof Float32Array) {
    const be = getBackend();
    be.matmul(x.subarray(0, n * inDim), w, out.subarray(0, n * outDim), { batch: 1, m: n, k: inDim, n: outDim, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
    if (b) be.biasActivation(out.subarray(0, n * outDim), b, out.subarray(0, n * outDim), n, outDim, 'linear');
    return;
  }
  for (let r = 0; r < n; r++) {
    const o = r * outDim;
    if (b) for (let j = 0; j < outDim; j++) out[o + j] = b[j];
    else out.fill(0, o, o + outDim);
    const xo = r * inDim;
    for (let k = 0; k < inDim; k++) {
      const xv = x[xo + k];
      if (xv === 0) continue;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++) out[o + j] += xv * w[wo + j];
    }
  }
}

/** g [n, outDim] times the kernel transposed, [n, inDim]: carries a gradient (or multiplier) back through a Dense step. */
export function backThroughKernel(step: DenseStep, g: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * step.inDim);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < step.inDim; i++) {
      let acc = 0;
      const wo = i * step.outDim;
      for (let j = 0; j < step.outDim; j++) acc += g[k * step.outDim + j] * step.w[wo + j];
      out[k * step.inDim + i] = acc;
    }
  }
  return out;
}

/** Runs steps[from..] on rows [n, width]; the dense step at `from` may be skipped when its output is given. */
export function forwardFrom(net: DenseNet, from: number, h: Float32Array, n: number, width: number): { values: Float32Array; width: number } {
  let cur = h;
  let w = width;
  for (let s = from; s < net.steps.length; s++) {
    const step = net.steps[s];
    if (step.kind === 'dense') {
      const out = new Float32Array(n * step.outDim);
      denseForward(step, cur, n, out);
      applyActivation(step.act, out, n, step.outDim);
      cur = out;
      w = step.outDim;
    } else {
      applyActivation(step.act, cur, n, w);
    }
  }
  return { values: cur, width: w };
}

/** The whole network on rows [n, inputs]. */
export function forwardNet(net: DenseNet, x: Float32Array, n: number): Float32Array {
  return forwardFrom(net, 0, Float32Array.from(x.subarray(0, n * net.inputs)), n, net.inputs).values;
}
