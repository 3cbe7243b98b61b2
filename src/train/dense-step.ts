// The training fast path for stacks of Dense and Dropout layers: forward, loss gradient and backward
// run as backend kernels on buffers allocated once per fit (in WebAssembly memory on the wasm
// backend), so a step builds no autograd graph and copies nothing but its batch.
// It computes exactly what the autograd path computes; dense-step.test.ts checks the two agree.

import { Tensor } from '../tensor/tensor.js';
import { getBackend, type Backend, type FusedActivation, type MatmulDims } from '../backend/backend.js';
import type { Layer } from '../nn/layer.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/simple-layers.js';
import { isFusedActivation } from '../ops/activation.js';
import type { Variable } from '../autograd/variable.js';
import type { Rng } from '../util/random.js';
import type { Loss } from './losses.js';
import type { Optimizer } from './optimizers.js';

/** How the loss meets the last layer: fused with its activation, or on its output. */
type LossKind = 'softmaxSparse' | 'softmaxDense' | 'sigmoidBce' | 'mse' | 'mae';

interface DenseUnit {
  kind: 'dense';
  layer: Dense;
  act: FusedActivation;
  units: number;
  inputs: number;
  out: Float32Array;
  dOut: Float32Array;
  gradKernel: Float32Array;
  gradBias: Float32Array | null;
}

interface DropoutUnit {
  kind: 'dropout';
  layer: Dropout;
  units: number;
  mask: Float32Array;
  out: Float32Array;
  dOut: Float32Array;
}

type Unit = DenseUnit | DropoutUnit;

function dims(m: number, k: number, n: number, transA: boolean, transB: boolean): MatmulDims {
  return { batch: 1, m, k, n, transA, transB, aBatchStride: 0, bBatchStride: 0 };
}

/** Which loss formulation applies, or null when the fast path cannot run this model and loss. */
function lossKind(loss: Loss, lastActivation: string): LossKind | null {
  const fromLogits = loss.getConfig().fromLogits === true;
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy':
      return (lastActivation === 'softmax' && !fromLogits) || (lastActivation === 'linear' && fromLogits) ? 'softmaxSparse' : null;
    case 'categoricalCrossentropy':
      return (lastActivation === 'softmax' && !fromLogits) || (lastActivation === 'linear' && fromLogits) ? 'softmaxDense' : null;
    case 'binaryCrossentropy':
      return (lastActivation === 'sigmoid' && !fromLogits) || (lastActivation === 'linear' && fromLogits) ? 'sigmoidBce' : null;
    case 'meanSquaredError':
      return isFusedActivation(lastActivation) ? 'mse' : null;
    case 'meanAbsoluteError':
      return isFusedActivation(lastActivation) ? 'mae' : null;
    default:
      return null;
  }
}

export class DenseStep {
  private readonly backend: Backend;
  private readonly units: Unit[];
  private readonly vars: Variable[];
  private readonly grads: (Tensor | null)[];
  /** Probabilities (softmax/sigmoid) or outputs of the last batch, for metrics. */
  private readonly output: Float32Array;
  private readonly outputs: number;

  private constructor(
    private readonly kind: LossKind,
    units: Unit[],
    private readonly optimizer: Optimizer,
    private readonly batchSize: number,
    private readonly exposeProbabilities: boolean,
  ) {
    this.backend = getBackend();
    this.units = units;
    const last = units[units.length - 1] as DenseUnit;
    this.outputs = last.units;
    this.output = this.backend.allocFloat32(batchSize * this.outputs);
    // Gradients are handed to the optimiser as tensors over the reused buffers.
    this.vars = [];
    this.grads = [];
    for (const u of units) {
      if (u.kind !== 'dense' || !u.layer.trainable) continue;
      this.vars.push(u.layer.kernel!);
      this.grads.push(new Tensor(u.gradKernel, u.layer.kernel!.shape));
      if (u.layer.bias) {
        this.vars.push(u.layer.bias);
        this.grads.push(new Tensor(u.gradBias!, u.layer.bias.shape));
      }
    }
  }

  /**
   * A step for this model and loss, or null when it has layers, regularisers or a loss the fast
   * path does not cover (then training takes the general autograd path).
   */
  static plan(layers: readonly Layer[], loss: Loss, optimizer: Optimizer, inputWidth: number, batchSize: number): DenseStep | null {
    const last = layers[layers.length - 1];
    if (!(last instanceof Dense)) return null;
    const kind = lossKind(loss, last.activation);
    if (!kind) return null;
    const backend = getBackend();
    const units: Unit[] = [];
    let width = inputWidth;
    for (const layer of layers) {
      if (layer instanceof Dropout) {
        units.push({
          kind: 'dropout', layer, units: width, mask: backend.allocFloat32(batchSize * width),
          out: backend.allocFloat32(batchSize * width), dOut: backend.allocFloat32(batchSize * width),
        });
        continue;
      }
      if (!(layer instanceof Dense) || !layer.built || layer.kernel!.rank !== 2) return null;
      if (layer.kernelRegularizer || layer.biasRegularizer || layer.activityRegularizer) return null;
      const isLast = layer === last;
      // The last layer's softmax/sigmoid is folded into the loss; hidden layers need a fused activation.
      const act = isLast && kind !== 'mse' && kind !== 'mae' ? 'linear' : layer.activation;
      if (!isFusedActivation(act)) return null;
      units.push({
        kind: 'dense', layer, act, units: layer.units, inputs: width,
        out: backend.allocFloat32(batchSize * layer.units), dOut: backend.allocFloat32(batchSize * layer.units),
        gradKernel: backend.allocFloat32(width * layer.units), gradBias: layer.bias ? backend.allocFloat32(layer.units) : null,
      });
      width = layer.units;
    }
    return new DenseStep(kind, units, optimizer, batchSize, last.activation !== 'linear');
  }

  /** Buffers this step reads its batch from most cheaply (in backend memory). */
  allocBatch(width: number): Float32Array {
    return this.backend.allocFloat32(this.batchSize * width);
  }

  /** One optimiser step on rows of x (flattened [rows, inputs]) and targets y; returns the mean loss (no update if not finite). */
  step(x: Float32Array, y: ArrayLike<number>, rows: number, rng: Rng): number {
    const be = this.backend;
    let input = x;
    for (const u of this.units) {
      const out = u.out.subarray(0, rows * u.units);
      if (u.kind === 'dropout') {
        dropoutForward(input, u.mask.subarray(0, rows * u.units), out, u.layer.rate, rng);
      } else {
        be.matmul(input, u.layer.kernel!.values as Float32Array, out, dims(rows, u.inputs, u.units, false, false));
        be.biasActivation(out, u.layer.bias ? (u.layer.bias.values as Float32Array) : null, out, rows, u.units, u.act);
      }
      input = out;
    }
    const last = this.units[this.units.length - 1] as DenseUnit;
    const loss = this.lossAndGradient(last.out, y, rows, last.dOut);
    if (!Number.isFinite(loss)) return loss;
    for (let i = this.units.length - 1; i >= 0; i--) {
      const u = this.units[i];
      const dOut = u.dOut.subarray(0, rows * u.units);
      const prev = i > 0 ? this.units[i - 1] : null;
      const dIn = prev ? prev.dOut.subarray(0, rows * prev.units) : null;
      const layerInput = prev ? prev.out.subarray(0, rows * prev.units) : x;
      if (u.kind === 'dropout') {
        if (dIn) for (let j = 0; j < dIn.length; j++) dIn[j] = dOut[j] * u.mask[j];
        continue;
      }
      if (u !== last || this.kind === 'mse' || this.kind === 'mae') activationBackward(u.act, u.out.subarray(0, rows * u.units), dOut);
      // z = x W + b: dW = xᵀ dz, db = column sums of dz, dx = dz Wᵀ (skipped for the input batch).
      be.matmul(layerInput, dOut, u.gradKernel, dims(u.inputs, rows, u.units, true, false));
      if (u.gradBias) columnSums(dOut, rows, u.units, u.gradBias);
      if (dIn) be.matmul(dOut, u.layer.kernel!.values as Float32Array, dIn, dims(rows, u.units, u.inputs, false, true));
    }
    this.optimizer.applyGradients(this.vars, this.grads);
    return loss;
  }

  /** The last batch's model outputs (probabilities where the model ends in softmax/sigmoid). */
  lastOutput(rows: number): Tensor {
    const last = this.units[this.units.length - 1] as DenseUnit;
    const values = this.exposeProbabilities || this.kind === 'mse' || this.kind === 'mae' ? this.output : last.out;
    return new Tensor(values.subarray(0, rows * this.outputs), [rows, this.outputs]);
  }

  /** Mean loss over the batch; writes dLoss/d(last pre-activation, or output for mse/mae) into dz. */
  private lossAndGradient(z: Float32Array, y: ArrayLike<number>, rows: number, dz: Float32Array): number {
    const C = this.outputs;
    const out = this.output;
    let total = 0;
    switch (this.kind) {
      case 'softmaxSparse':
      case 'softmaxDense':
        for (let r = 0; r < rows; r++) {
          const o = r * C;
          let max = -Infinity;
          for (let c = 0; c < C; c++) if (z[o + c] > max) max = z[o + c];
          let sum = 0;
          for (let c = 0; c < C; c++) sum += Math.exp(z[o + c] - max);
          const lse = max + Math.log(sum);
          let weight = 1;
          if (this.kind === 'softmaxSparse') {
            total += lse - z[o + y[r]];
          } else {
            weight = 0;
            for (let c = 0; c < C; c++) {
              total -= y[o + c] * (z[o + c] - lse);
              weight += y[o + c];
            }
          }
          // d/dz of -sum_c y_c (z_c - lse) = softmax * sum(y) - y.
          for (let c = 0; c < C; c++) {
            const p = Math.exp(z[o + c] - lse);
            out[o + c] = p;
            dz[o + c] = (p * weight - (this.kind === 'softmaxSparse' ? +(c === y[r]) : y[o + c])) / rows;
          }
        }
        return total / rows;
      case 'sigmoidBce':
        for (let i = 0; i < rows * C; i++) {
          const v = z[i];
          const t = y[i];
          total += Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
          const p = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
          out[i] = p;
          dz[i] = (p - t) / (rows * C);
        }
        return total / (rows * C);
      case 'mse':
      case 'mae':
        for (let i = 0; i < rows * C; i++) {
          const e = z[i] - y[i];
          out[i] = z[i];
          if (this.kind === 'mse') {
            total += e * e;
            dz[i] = (2 * e) / (rows * C);
          } else {
            total += Math.abs(e);
            dz[i] = Math.sign(e) / (rows * C);
          }
        }
        return total / (rows * C);
    }
  }
}

/** Inverted dropout with the same draws, in the same order, as the Dropout layer's call. */
function dropoutForward(x: Float32Array, mask: Float32Array, out: Float32Array, rate: number, rng: Rng): void {
  const keep = 1 - rate;
  for (let i = 0; i < out.length; i++) {
    mask[i] = rng.next() < keep ? 1 / keep : 0;
    out[i] = x[i] * mask[i];
  }
}

/** dz = dy * act'(z) in place, from the activation's output y. */
function activationBackward(act: FusedActivation, y: Float32Array, d: Float32Array): void {
  switch (act) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < d.length; i++) if (!(y[i] > 0)) d[i] = 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < d.length; i++) d[i] *= y[i] * (1 - y[i]);
      return;
    case 'tanh':
      for (let i = 0; i < d.length; i++) d[i] *= 1 - y[i] * y[i];
      return;
  }
}

function columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += x[o + c];
  }
}
