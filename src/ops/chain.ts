// Chainable methods on Tensor (x.add(y).relu()), as TensorFlow.js offers them.

import { Tensor } from '../tensor/tensor.js';
import { cast, clone, type TensorLike } from './creation.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as tr from './transform.js';
import { matMul } from './matmul.js';
import { logSoftmax, softmax } from './activation.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    equal(b: TensorLike): Tensor;
    notEqual(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    lessEqual(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    greaterEqual(b: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softplus(): Tensor;
    clipByValue(lo: number, hi: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matMul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor;
    sum(axis?: number | number[], keepDims?: boolean): Tensor;
    mean(axis?: number | number[], keepDims?: boolean): Tensor;
    max(axis?: number | number[], keepDims?: boolean): Tensor;
    min(axis?: number | number[], keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number[]): Tensor;
    slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
    cast(dtype: DType): Tensor;
    clone(): Tensor;
    /** Prints the tensor (TensorFlow.js' x.print()); `verbose` adds its dtype and size. */
    print(verbose?: boolean): void;
  }
}

const p = Tensor.prototype;
p.add = function (b) { return ew.add(this, b); };
p.sub = function (b) { return ew.sub(this, b); };
p.mul = function (b) { return ew.mul(this, b); };
p.div = function (b) { return ew.div(this, b); };
p.pow = function (b) { return ew.pow(this, b); };
p.maximum = function (b) { return ew.maximum(this, b); };
p.minimum = function (b) { return ew.minimum(this, b); };
p.equal = function (b) { return ew.equal(this, b); };
p.notEqual = function (b) { return ew.notEqual(this, b); };
p.less = function (b) { return ew.less(this, b); };
p.lessEqual = function (b) { return ew.lessEqual(this, b); };
p.greater = function (b) { return ew.greater(this, b); };
p.greaterEqual = function (b) { return ew.greaterEqual(this, b); };
p.neg = function () { return ew.neg(this); };
p.exp = function () { return ew.exp(this); };
p.log = function () { return ew.log(this); };
p.sqrt = function () { return ew.sqrt(this); };
p.abs = function () { return ew.abs(this); };
p.square = function () { return ew.square(this); };
p.relu = function () { return ew.relu(this); };
p.sigmoid = function () { return ew.sigmoid(this); };
p.tanh = function () { return ew.tanh(this); };
p.softplus = function () { return ew.softplus(this); };
p.clipByValue = function (lo, hi) { return ew.clipByValue(this, lo, hi); };
p.softmax = function (axis) { return softmax(this, axis); };
p.logSoftmax = function (axis) { return logSoftmax(this, axis); };
p.matMul = function (b, ta, tb) { return matMul(this, b, ta, tb); };
p.sum = function (axis, keep) { return red.sum(this, axis, keep); };
p.mean = function (axis, keep) { return red.mean(this, axis, keep); };
p.max = function (axis, keep) { return red.max(this, axis, keep); };
p.min = function (axis, keep) { return red.min(this, axis, keep); };
p.argMax = function (axis) { return red.argMax(this, axis); };
p.argMin = function (axis) { return red.argMin(this, axis); };
p.reshape = function (shape) { return tr.reshape(this, shape); };
p.flatten = function () { return tr.flatten(this); };
p.transpose = function (perm) { return tr.transpose(this, perm); };
p.expandDims = function (axis) { return tr.expandDims(this, axis); };
p.squeeze = function (axis) { return tr.squeeze(this, axis); };
p.slice = function (begin, size) { return tr.slice(this, begin, size); };
p.gather = function (indices, axis) { return tr.gather(this, indices, axis); };
p.cast = function (dtype) { return cast(this, dtype); };
p.clone = function () { return clone(this); };
p.print = function (verbose = false) {
  console.log(verbose ? `${this.toString()}\n  dtype ${this.dtype}, size ${this.size}` : this.toString());
};
