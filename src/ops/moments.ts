// tf.moments: mean and (biased) variance along axes.

import type { Tensor } from '../tensor/tensor.js';
import { toTensor, type TensorLike } from './creation.js';
import { mean } from './reduce.js';
import { square, sub } from './elementwise.js';

/** Mean and biased variance of x over `axes` (default: all), as TensorFlow.js' tf.moments. */
export function moments(x: TensorLike, axes?: number | number[], keepDims = false): { mean: Tensor; variance: Tensor } {
  const $x = toTensor(x);
  const m = mean($x, axes, true);
  const variance = mean(square(sub($x, m)), axes, keepDims);
  return { mean: keepDims ? m : mean($x, axes, false), variance };
}
