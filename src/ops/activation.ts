// Row-wise softmax and log-softmax, and the fused dense op (x @ W + b, then an activation).

import type { FusedActivation } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { normalizeAxis } from '../tensor/shape.js';
import { cast, toTensor, type TensorLike } from './creation.js';
import { transpose } from './transform.js';
import { runOp } from './run.js';
import { integerArg } from './args.js';

const axisArgOf = (op: string, axis: number) => (axis < 0 ? -integerArg(op, 'dim', -axis, 1) : integerArg(op, 'dim', axis));

/** Moves `axis` last so row-wise kernels apply, then moves it back. */
function withAxisLast(x: Tensor, axis: number, op: string, f: (rows: Tensor) => Tensor): Tensor {
  if (x.rank === 0) throw new Error(`${op}: needs a tensor of rank >= 1`);
  const a = normalizeAxis(axis, x.rank, op);
  const t = x.dtype === 'float32' ? x : cast(x, 'float32');
  if (a === x.rank - 1) return f(t);
  const perm = x.shape.map((_, i) => i);
  perm[a] = x.rank - 1;
  perm[x.rank - 1] = a;
  return transpose(f(transpose(t, perm)), perm);
}

/** log(softmax(x)) along the last axis (or `axis`), computed without overflow. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return withAxisLast(toTensor(x, undefined, "logSoftmax: argument 'logits'"), axisArgOf('logSoftmax', axis), 'logSoftmax', (t) => runOp('logSoftmax', [t], {}));
}

/** softmax along the last axis (or `axis`), shifted by the row max so exp never overflows. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return withAxisLast(toTensor(x, undefined, "softmax: argument 'logits'"), axisArgOf('softmax', axis), 'softmax', (t) => runOp('softmax', [t], {}));
}

const FUSED = new Set<string>(['linear', 'relu', 'sigmoid', 'tanh']);

export function isFusedActivation(name: string): name is FusedActivation {
  return FUSED.has(name);
}

/**
 * act(x @ W + b) as one op (GEMM, then bias + activation in place), the core of a Dense layer.
 * x: [rows, in], W: [in, out], b: [out] or null.
 */
export function linear(x: TensorLike, kernel: TensorLike, bias: TensorLike | null, activation: FusedActivation = 'linear'): Tensor {
  const inputs = [toTensor(x), toTensor(kernel)];
  if (bias !== null) inputs.push(toTensor(bias));
  return runOp('linear', inputs, { act: activation });
}
