// Inference fast path for stacks of Dense / Dropout / Flatten layers: each chunk of rows runs
// through GEMM and bias+activation kernels on buffers reused across chunks (in WebAssembly memory
// on the wasm backend), with no graph and no intermediate tensors. Same math as layer.apply.

import { Tensor } from '../tensor/tensor.js';
import { getBackend, type FusedActivation } from '../backend/backend.js';
import { isFusedActivation } from '../ops/activation.js';
import { softmaxRow } from '../backend/js/math.js';
import type { Layer } from './layer.js';
import { Dense } from './dense.js';
import { Dropout, Flatten } from './simple-layers.js';

interface Stage {
  layer: Dense;
  act: FusedActivation;
  /** Applied after the fused part: softmax (row-wise), or null. */
  softmax: boolean;
}

/** The Dense stages of a stack, or null when some layer needs the general path. */
export function denseStages(layers: readonly Layer[]): Stage[] | null {
  const stages: Stage[] = [];
  for (const layer of layers) {
    if (layer instanceof Dropout || layer instanceof Flatten) continue; // identity at inference / a view
    if (!(layer instanceof Dense) || !layer.built || layer.activityRegularizer) return null;
    if (isFusedActivation(layer.activation)) stages.push({ layer, act: layer.activation, softmax: false });
    else if (layer.activation === 'softmax') stages.push({ layer, act: 'linear', softmax: true });
    else return null;
  }
  return stages.length > 0 ? stages : null;
}

/** Runs x [rows, inputs] through the stages in chunks; returns [rows, outputs]. */
export function denseForward(stages: Stage[], x: Tensor, chunk: number): Tensor {
  const be = getBackend();
  const rows = x.shape[0];
  const inputs = x.size / Math.max(rows, 1);
  const outputs = stages[stages.length - 1].layer.units;
  const result = new Float32Array(rows * outputs);
  const size = Math.min(chunk, rows);
  const input = be.allocFloat32(size * inputs);
  const buffers = stages.map((s) => be.allocFloat32(size * s.layer.units));
  const xv = x.dtype === 'float32' ? (x.values as Float32Array) : Float32Array.from(x.values);
  for (let start = 0; start < rows; start += size) {
    const n = Math.min(size, rows - start);
    let h = input.subarray(0, n * inputs);
    h.set(xv.subarray(start * inputs, (start + n) * inputs));
    let width = inputs;
    for (let i = 0; i < stages.length; i++) {
      const { layer, act, softmax } = stages[i];
      const out = buffers[i].subarray(0, n * layer.units);
      be.matmul(h, layer.kernel!.values as Float32Array, out, { batch: 1, m: n, k: width, n: layer.units, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      be.biasActivation(out, layer.bias ? (layer.bias.values as Float32Array) : null, out, n, layer.units, act);
      if (softmax) for (let r = 0; r < n; r++) softmaxRow(out, r * layer.units, layer.units);
      h = out;
      width = layer.units;
    }
    result.set(h, start * outputs);
  }
  return new Tensor(result, [rows, outputs]);
}
