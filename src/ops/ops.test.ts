import { describe, expect, it } from 'vitest';
import * as ops from './index.js';
import { Tensor } from '../tensor/tensor.js';
import { checkGradients, randomTensor, awayFromZero, positive } from '../../test/gradcheck.js';
import '../backend/js/index.js';

const close = (t: Tensor, expected: number[], digits = 5) =>
  Array.from(t.values).forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));

describe('elementwise values', () => {
  it('computes arithmetic with broadcasting', () => {
    const a = ops.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = ops.tensor1d([10, 20, 30]);
    expect(ops.add(a, b).arraySync()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(ops.sub(a, 1).arraySync()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(ops.mul(ops.tensor2d([[2], [3]]), b).arraySync()).toEqual([[20, 40, 60], [30, 60, 90]]);
    close(ops.div(a, 2), [0.5, 1, 1.5, 2, 2.5, 3]);
    close(ops.pow(a, 2), [1, 4, 9, 16, 25, 36]);
  });

  it('rejects shapes that cannot broadcast, naming both', () => {
    expect(() => ops.add(ops.zeros([2, 3]), ops.zeros([4]))).toThrow(/\[2,3\] and \[4\]/);
  });

  it('computes activations', () => {
    const x = ops.tensor1d([-2, -0.5, 0, 0.5, 2]);
    close(ops.relu(x), [0, 0, 0, 0.5, 2]);
    close(ops.sigmoid(x), [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))));
    close(ops.tanh(x), [-2, -0.5, 0, 0.5, 2].map(Math.tanh));
    close(ops.softplus(x), [-2, -0.5, 0, 0.5, 2].map((v) => Math.log1p(Math.exp(v))));
    close(ops.leakyRelu(x, 0.1), [-0.2, -0.05, 0, 0.5, 2]);
    close(ops.elu(x), [Math.expm1(-2), Math.expm1(-0.5), 0, 0.5, 2]);
    // GELU reference values (exact erf form): gelu(1) = 0.8413447, gelu(-1) = -0.1586553
    close(ops.gelu(ops.tensor1d([1, -1])), [0.8413447, -0.1586553]);
  });

  it('softmax rows sum to one and survive huge logits', () => {
    const s = ops.softmax(ops.tensor2d([[1000, 1001, 1002], [-5, 0, 5]]));
    expect(Array.from(s.values).every(Number.isFinite)).toBe(true);
    close(ops.sum(s, 1), [1, 1]);
    close(ops.logSoftmax(ops.tensor1d([0, 0])), [Math.log(0.5), Math.log(0.5)]);
  });

  it('where picks sides without leaking infinities', () => {
    const y = ops.where(ops.tensor1d([1, 0, 1], undefined, 'bool'), ops.tensor1d([1, 2, 3]), ops.tensor1d([Infinity, 5, NaN]));
    expect(Array.from(y.values)).toEqual([1, 5, 3]);
  });

  it('comparisons give bool tensors', () => {
    const c = ops.greater(ops.tensor1d([1, 2, 3]), 2);
    expect(c.dtype).toBe('bool');
    expect(Array.from(c.values)).toEqual([0, 0, 1]);
  });
});

describe('reductions and shape ops', () => {
  const x = ops.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  it('reduces along any axes', () => {
    expect(ops.sum(x).item()).toBe(36);
    expect(ops.sum(x, 0).arraySync()).toEqual([[6, 8], [10, 12]]);
    expect(ops.sum(x, [0, 2]).arraySync()).toEqual([14, 22]);
    expect(ops.mean(x, -1, true).shape).toEqual([2, 2, 1]);
    expect(ops.max(x, 1).arraySync()).toEqual([[3, 4], [7, 8]]);
    expect(ops.min(x, [0, 1]).arraySync()).toEqual([1, 2]);
    expect(ops.argMax(ops.tensor2d([[1, 9, 3], [7, 2, 0]])).arraySync()).toEqual([1, 0]);
    close(ops.logSumExp(ops.tensor1d([1000, 1000])), [1000 + Math.log(2)], 2);
  });
  it('reshapes, transposes, slices, concatenates, gathers', () => {
    expect(ops.reshape(x, [4, -1]).shape).toEqual([4, 2]);
    expect(() => ops.reshape(x, [3, 3])).toThrow(/cannot reshape \[2,2,2\]/);
    expect(ops.transpose(ops.tensor2d([[1, 2, 3], [4, 5, 6]])).arraySync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(ops.transpose(x, [2, 0, 1]).arraySync()).toEqual([[[1, 3], [5, 7]], [[2, 4], [6, 8]]]);
    expect(ops.slice(x, [1, 0, 1], [1, 2, 1]).arraySync()).toEqual([[[6], [8]]]);
    expect(ops.concat([ops.tensor2d([[1, 2]]), ops.tensor2d([[3, 4]])], 0).arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(ops.concat([ops.tensor2d([[1], [2]]), ops.tensor2d([[3], [4]])], 1).arraySync()).toEqual([[1, 3], [2, 4]]);
    expect(ops.stack([ops.tensor1d([1, 2]), ops.tensor1d([3, 4])], 1).arraySync()).toEqual([[1, 3], [2, 4]]);
    expect(ops.gather(ops.tensor2d([[1, 2], [3, 4], [5, 6]]), [2, 0]).arraySync()).toEqual([[5, 6], [1, 2]]);
    expect(ops.oneHot(ops.tensor1d([2, 0], undefined, 'int32'), 3).arraySync()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(() => ops.oneHot(ops.tensor1d([3], undefined, 'int32'), 3)).toThrow(/outside \[0, 3\)/);
    expect(ops.split(ops.range(0, 6), [2, 4]).map((t) => t.shape)).toEqual([[2], [4]]);
  });
  it('multiplies matrices in every transpose combination', () => {
    const a = ops.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const b = ops.tensor2d([[1, 0, 2], [0, 1, 3]]);
    const expected = [[1, 2, 8], [3, 4, 18], [5, 6, 28]];
    expect(ops.matMul(a, b).arraySync()).toEqual(expected);
    expect(ops.matMul(ops.transpose(a), b, true).arraySync()).toEqual(expected);
    expect(ops.matMul(a, ops.transpose(b), false, true).arraySync()).toEqual(expected);
    expect(ops.matMul(ops.transpose(a), ops.transpose(b), true, true).arraySync()).toEqual(expected);
    expect(() => ops.matMul(a, a)).toThrow(/inner dimensions differ/);
  });
});

describe('gradients match finite differences', () => {
  const shape = [3, 4];
  const unary: [string, (x: Tensor) => Tensor, Tensor][] = [
    ['neg', ops.neg, randomTensor(shape)],
    ['exp', ops.exp, randomTensor(shape)],
    ['log', ops.log, positive(shape)],
    ['sqrt', ops.sqrt, positive(shape)],
    ['abs', ops.abs, awayFromZero(shape)],
    ['square', ops.square, randomTensor(shape)],
    ['relu', ops.relu, awayFromZero(shape)],
    ['sigmoid', ops.sigmoid, randomTensor(shape, 1, -3, 3)],
    ['tanh', ops.tanh, randomTensor(shape)],
    ['softplus', ops.softplus, randomTensor(shape, 1, -3, 3)],
    ['elu', (x) => ops.elu(x, 0.7), awayFromZero(shape)],
    ['leakyRelu', (x) => ops.leakyRelu(x, 0.1), awayFromZero(shape)],
    ['gelu', ops.gelu, randomTensor(shape, 1, -3, 3)],
    ['reciprocal', ops.reciprocal, awayFromZero(shape)],
    ['softmax', (x) => ops.softmax(x), randomTensor(shape, 1, -2, 2)],
    ['softmax axis 0', (x) => ops.softmax(x, 0), randomTensor(shape, 1, -2, 2)],
    ['logSoftmax', (x) => ops.logSoftmax(x), randomTensor(shape, 1, -2, 2)],
    ['sum all', (x) => ops.sum(x), randomTensor(shape)],
    ['sum axis 0', (x) => ops.sum(x, 0), randomTensor(shape)],
    ['mean axis 1 keepDims', (x) => ops.mean(x, 1, true), randomTensor(shape)],
    ['max axis 1', (x) => ops.max(x, 1), randomTensor(shape)],
    ['min all', (x) => ops.min(x), randomTensor(shape)],
    ['prod axis 0', (x) => ops.prod(x, 0), awayFromZero(shape)],
    ['logSumExp', (x) => ops.logSumExp(x, 1), randomTensor(shape)],
    ['reshape', (x) => ops.reshape(x, [2, 6]), randomTensor(shape)],
    ['transpose', (x) => ops.transpose(x), randomTensor(shape)],
    ['slice', (x) => ops.slice(x, [1, 1], [2, 2]), randomTensor(shape)],
    ['gather', (x) => ops.gather(x, [2, 0, 2]), randomTensor(shape)],
    ['gather axis 1', (x) => ops.gather(x, [3, 1], 1), randomTensor(shape)],
    ['broadcastTo', (x) => ops.broadcastTo(ops.reshape(x, [1, 3, 4]), [2, 3, 4]), randomTensor(shape)],
    ['clipByValue', (x) => ops.clipByValue(x, -0.5, 0.5), awayFromZero(shape, 3, 0.1, 0.4)],
    ['split', (x) => ops.mul(ops.split(x, 2, 1)[1], 2), randomTensor(shape)],
    ['where', (x) => ops.where(ops.greater(x, 0), ops.square(x), ops.neg(x)), awayFromZero(shape)],
  ];
  for (const [name, f, x] of unary) it(name, () => checkGradients(f, [x]));

  const a = randomTensor([3, 4], 2);
  const b = randomTensor([3, 4], 3);
  const row = randomTensor([4], 4);
  const binary: [string, (a: Tensor, b: Tensor) => Tensor, Tensor, Tensor][] = [
    ['add', ops.add, a, b],
    ['add broadcast row', ops.add, a, row],
    ['sub broadcast column', ops.sub, a, randomTensor([3, 1], 5)],
    ['mul', ops.mul, a, b],
    ['mul broadcast', ops.mul, row, a],
    ['div', ops.div, a, awayFromZero([3, 4], 6)],
    ['pow', ops.pow, positive([3, 4], 7), randomTensor([3, 4], 8)],
    ['maximum', ops.maximum, a, b],
    ['minimum', ops.minimum, a, b],
    ['matMul', (x, y) => ops.matMul(x, y), randomTensor([3, 5], 9), randomTensor([5, 2], 10)],
    ['matMul transA', (x, y) => ops.matMul(x, y, true), randomTensor([5, 3], 9), randomTensor([5, 2], 10)],
    ['matMul transB', (x, y) => ops.matMul(x, y, false, true), randomTensor([3, 5], 9), randomTensor([2, 5], 10)],
    ['matMul both', (x, y) => ops.matMul(x, y, true, true), randomTensor([5, 3], 9), randomTensor([2, 5], 10)],
    ['matMul batched', (x, y) => ops.matMul(x, y), randomTensor([2, 3, 4], 9), randomTensor([2, 4, 2], 10)],
    ['matMul batch broadcast', (x, y) => ops.matMul(x, y), randomTensor([2, 3, 4], 9), randomTensor([4, 2], 10)],
    ['concat', (x, y) => ops.concat([x, y], 1), a, randomTensor([3, 2], 11)],
    ['stack', (x, y) => ops.stack([x, y], 1), a, b],
    ['squaredDifference', ops.squaredDifference, a, b],
  ];
  for (const [name, f, x, y] of binary) it(name, () => checkGradients(f, [x, y]));

  it('linear (fused dense) for each activation', () => {
    for (const act of ['linear', 'relu', 'sigmoid', 'tanh'] as const) {
      // Step small enough that no pre-activation crosses relu's kink.
      checkGradients((x, w, bias) => ops.linear(x, w, bias, act), [randomTensor([4, 3], 1), randomTensor([3, 5], 2), randomTensor([5], 3)], { step: 1e-3 });
    }
  });

  it('sparse softmax cross-entropy equals the composite and has the right gradient', () => {
    const logits = randomTensor([4, 3], 5, -3, 3);
    const labels = ops.tensor1d([0, 2, 1, 2], undefined, 'int32');
    const fused = ops.sparseSoftmaxCrossEntropy(logits, labels);
    const composite = ops.softmaxCrossEntropy(logits, ops.oneHot(labels, 3));
    Array.from(fused.values).forEach((v, i) => expect(v).toBeCloseTo(composite.values[i], 5));
    checkGradients((z) => ops.sparseSoftmaxCrossEntropy(z, labels), [logits]);
    checkGradients((z) => ops.softmaxCrossEntropy(z, ops.oneHot(labels, 3)), [logits]);
    checkGradients((z) => ops.sigmoidCrossEntropy(z, ops.tensor2d([[0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 1, 0]])), [logits]);
    expect(() => ops.sparseSoftmaxCrossEntropy(logits, ops.tensor1d([0, 1, 3, 0], undefined, 'int32'))).toThrow(/label 3 in row 2/);
  });
});

describe('erf', () => {
  it('matches reference values (Abramowitz & Stegun table 7.1) to float32 precision', async () => {
    const { erf } = await import('./registry/special.js');
    const table: [number, number][] = [[0, 0], [0.05, 0.0563719777970166], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108], [2, 0.9953222650189527], [3, 0.9999779095030014], [-0.7, -0.6778011938374184]];
    for (const [x, want] of table) expect(Math.abs(erf(x) - want)).toBeLessThan(2e-7);
  });
});
