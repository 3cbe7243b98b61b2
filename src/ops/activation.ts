// Row-wise softmax and log-softmax, and the fused dense op (x @ W + b, then an activation).

import { getBackend, type FusedActivation } from '../backend/backend.js';
import { record } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeAxis } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { exp, mul, sub, square } from './elementwise.js';
import { matMul } from './matmul.js';
import { sum } from './reduce.js';
import { transpose } from './transform.js';

/** Moves `axis` last so row-wise kernels apply, returning the way back. */
function withAxisLast(x: Tensor, axis: number, f: (rows: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank, 'softmax');
  if (a === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  perm[a] = x.rank - 1;
  perm[x.rank - 1] = a;
  return transpose(f(transpose(x, perm)), perm);
}

/** log(softmax(x)) along the last axis (or `axis`), computed without overflow. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const $x = toTensor(x);
  if ($x.rank === 0) throw new Error('logSoftmax: needs a tensor of rank >= 1');
  return withAxisLast($x, axis, (t) => {
    const cols = t.shape[t.rank - 1];
    const f = (t.dtype === 'float32' ? t : cast(t, 'float32')).values as Float32Array;
    const y = new Tensor(getBackend().logSoftmax(f, t.size / cols, cols), t.shape);
    // d logsoftmax: dx = dy - softmax(x) * sum(dy) along the row.
    return record(y, 'logSoftmax', [t], (dy) => [sub(dy, mul(exp(y), sum(dy, -1, true)))]);
  });
}

/** softmax(x) = exp(logSoftmax(x)); the gradient follows from the two primitives. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

const FUSED = new Set<string>(['linear', 'relu', 'sigmoid', 'tanh']);

export function isFusedActivation(name: string): name is FusedActivation {
  return FUSED.has(name);
}

/**
 * act(x @ W + b) in two kernels (GEMM, then bias + activation), the core of a Dense layer.
 * x: [rows, in], W: [in, out], b: [out] or null.
 */
export function linear(x: TensorLike, kernel: TensorLike, bias: TensorLike | null, activation: FusedActivation = 'linear'): Tensor {
  const $x = toTensor(x);
  const $w = toTensor(kernel);
  const $b = bias === null ? null : toTensor(bias);
  if ($x.rank !== 2 || $w.rank !== 2 || $x.shape[1] !== $w.shape[0]) {
    throw new Error(`linear: expected x [rows, ${$w.shape[0]}] for kernel ${formatShape($w.shape)}, got x ${formatShape($x.shape)}`);
  }
  const rows = $x.shape[0];
  const cols = $w.shape[1];
  if ($b && ($b.rank !== 1 || $b.shape[0] !== cols)) {
    throw new Error(`linear: bias must have shape [${cols}], got ${formatShape($b.shape)}`);
  }
  const z = getBackend().matmul($x.values as Float32Array, $w.values as Float32Array, {
    batch: 1, m: rows, k: $x.shape[1], n: cols, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0,
  });
  const y = new Tensor(getBackend().biasActivation(z, $b ? ($b.values as Float32Array) : null, rows, cols, activation), [rows, cols]);
  const inputs = $b ? [$x, $w, $b] : [$x, $w];
  return record(y, 'linear', inputs, (dy) => {
    const dz = activationBackward(activation, y, dy);
    // z = x W + b: dx = dz Wᵀ, dW = xᵀ dz, db = sum of dz over rows.
    const grads: (Tensor | null)[] = [$x.gradScope ? matMul(dz, $w, false, true) : null, matMul($x, dz, true, false)];
    if ($b) grads.push(sum(dz, 0));
    return grads;
  });
}

/** dL/dz from dL/dy and y = act(z), for the fused activations. */
function activationBackward(act: FusedActivation, y: Tensor, dy: Tensor): Tensor {
  switch (act) {
    case 'linear':
      return dy;
    case 'relu': {
      // relu' = [y > 0]
      const out = new Float32Array(y.size);
      const yv = y.values;
      const dv = dy.values;
      for (let i = 0; i < out.length; i++) out[i] = yv[i] > 0 ? dv[i] : 0;
      return new Tensor(out, y.shape);
    }
    case 'sigmoid':
      return mul(dy, mul(y, sub(1, y))); // s' = s (1 - s)
    case 'tanh':
      return mul(dy, sub(1, square(y))); // tanh' = 1 - tanh^2
  }
}
