// Matrix products: matMul (2-D and batched) and the fused dense op act(x @ W + b) with its activation gradient.

import type { MatmulDims } from '../../backend/backend.js';
import { formatShape } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { matMul as mm, sum } from './emit.js';
import type { OpDef, Val } from './types.js';

function matmulDims(a: Val, b: Val, transA: boolean, transB: boolean): MatmulDims & { batched: boolean } {
  if (a.shape.length < 2 || a.shape.length > 3 || b.shape.length < 2 || b.shape.length > 3) {
    throw new Error(`matMul: operands must have rank 2 or 3, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    throw new Error(
      `matMul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} ` +
        `(${k} vs ${kb}); transpose an operand or fix its shape`,
    );
  }
  const aBatch = a.shape.length === 3 ? a.shape[0] : 1;
  const bBatch = b.shape.length === 3 ? b.shape[0] : 1;
  if (a.shape.length === 3 && b.shape.length === 3 && aBatch !== bBatch) throw new Error(`matMul: batch sizes differ: ${aBatch} vs ${bBatch}`);
  return {
    batch: Math.max(aBatch, bBatch), m, k, n, transA, transB,
    aBatchStride: a.shape.length === 3 ? m * k : 0,
    bBatchStride: b.shape.length === 3 ? k * n : 0,
    batched: a.shape.length === 3 || b.shape.length === 3,
  };
}

export const matMul: OpDef<OpAttrs['matMul']> = {
  infer: ([a, b], { transA, transB }) => {
    const d = matmulDims(a, b, transA, transB);
    return { shape: d.batched ? [d.batch, d.m, d.n] : [d.m, d.n], dtype: 'float32' };
  },
  prepare: ([a, b], _o, { transA, transB }) => {
    const d = matmulDims(a, b, transA, transB);
    return (be, [x, y], out) => be.matmul(x as Float32Array, y as Float32Array, out as Float32Array, d);
  },
  // C = A B: dA = dC Bᵀ, dB = Aᵀ dC; the transposed variants follow by transposing both sides.
  vjp: (e, { inputs: [a, b], dy, attrs: { transA, transB }, needs }) => {
    let ga: typeof a | null = null;
    let gb: typeof b | null = null;
    if (needs[0]) ga = !transA ? mm(e, dy, b, false, !transB) : mm(e, b, dy, transB, true);
    if (needs[1]) gb = !transB ? mm(e, a, dy, !transA, false) : mm(e, dy, a, true, transA);
    // An operand broadcast over the batch collects its gradient from every batch entry.
    if (ga && ga.shape.length > a.shape.length) ga = sum(e, ga, [0], false);
    if (gb && gb.shape.length > b.shape.length) gb = sum(e, gb, [0], false);
    return [ga, gb];
  },
  deeplift: 'scale',
  onnx: (e, { inputs: [a, b], inputVals, attrs }) => {
    const t = (x: string, v: Val, on: boolean) => (on ? e.node('Transpose', [x], { perm: { ints: v.shape.length === 3 ? [0, 2, 1] : [1, 0] } }) : x);
    return e.node('MatMul', [t(a, inputVals[0], attrs.transA), t(b, inputVals[1], attrs.transB)]);
  },
};

function linearShapes(inputs: readonly Val[]): { rows: number; k: number; units: number } {
  const [x, w, b] = inputs;
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`linear: expected x [rows, ${w.shape[0]}] for kernel ${formatShape(w.shape)}, got x ${formatShape(x.shape)}`);
  }
  const units = w.shape[1];
  if (b && (b.shape.length !== 1 || b.shape[0] !== units)) throw new Error(`linear: bias must have shape [${units}], got ${formatShape(b.shape)}`);
  return { rows: x.shape[0], k: x.shape[1], units };
}

export const linear: OpDef<OpAttrs['linear']> = {
  infer: (inputs) => {
    const { rows, units } = linearShapes(inputs);
    return { shape: [rows, units], dtype: 'float32' };
  },
  prepare: (inputs, _o, { act }) => {
    const { rows, k, units } = linearShapes(inputs);
    const d: MatmulDims = { batch: 1, m: rows, k, n: units, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    return (be, [x, w, b], out) => {
      const o = out as Float32Array;
      be.matmul(x as Float32Array, w as Float32Array, o, d);
      if (b || act !== 'linear') be.biasActivation(o, (b as Float32Array | undefined) ?? null, o, rows, units, act);
    };
  },
  // z = x W + b, y = act(z): dz = dy act'(z), dx = dz Wᵀ, dW = xᵀ dz, db = sum of dz over rows.
  vjp: (e, { inputs: [x, w, b], output, dy, attrs, needs }) => {
    const dz = attrs.act === 'linear' ? dy : e.op('activationGrad', [output, dy], attrs);
    return [
      needs[0] ? mm(e, dz, w, false, true) : null,
      needs[1] ? mm(e, x, dz, true, false) : null,
      b && needs[2] ? sum(e, dz, [0], false) : null,
    ];
  },
  // Linear without an activation; DeepLIFT splits a fused activation off first (plan/rewrite.ts).
  deeplift: ({ act }) => (act === 'linear' ? 'scale' : 'none'),
  onnx: (e, { inputs: [x, w, b], attrs }) => {
    let y = e.node('MatMul', [x, w]);
    if (b) y = e.node('Add', [y, b]);
    if (attrs.act === 'linear') return y;
    return e.node(attrs.act === 'relu' ? 'Relu' : attrs.act === 'sigmoid' ? 'Sigmoid' : 'Tanh', [y]);
  },
};

export const activationGrad: OpDef<OpAttrs['activationGrad']> = {
  infer: ([y]) => ({ shape: [...y.shape], dtype: 'float32' }),
  prepare: (_i, _o, { act }) => (be, [y, dy], out) => be.activationGrad(act, y as Float32Array, dy as Float32Array, out as Float32Array),
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};
