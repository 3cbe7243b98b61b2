// Neural-network ops: softmax and log-softmax (last axis), fused sparse softmax cross-entropy, dropout masks.

import { formatShape, sizeOf } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { expandReduced, mul, sub, sum, un } from './emit.js';
import type { OpDef, Val } from './types.js';

function rowsCols(x: Val, op: string): { rows: number; cols: number } {
  if (x.shape.length === 0) throw new Error(`${op}: needs a tensor of rank >= 1`);
  const cols = x.shape[x.shape.length - 1];
  return { rows: cols === 0 ? 0 : sizeOf(x.shape) / cols, cols };
}

export const softmax: OpDef<OpAttrs['softmax']> = {
  infer: ([x]) => {
    rowsCols(x, 'softmax');
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: ([x]) => {
    const { rows, cols } = rowsCols(x, 'softmax');
    return (be, [v], out) => be.softmax(v as Float32Array, out as Float32Array, rows, cols);
  },
  // dx = y * (dy - sum(dy * y)) along the row.
  vjp: (e, { output: y, dy }) => {
    const last = [y.shape.length - 1];
    return [mul(e, y, sub(e, dy, expandReduced(e, sum(e, mul(e, dy, y), last, false), y.shape, last)))];
  },
  deeplift: 'softmax',
  onnx: (e, { inputs: [x] }) => e.node('Softmax', [x], { axis: { i: -1 } }),
};

export const logSoftmax: OpDef<OpAttrs['logSoftmax']> = {
  infer: ([x]) => {
    rowsCols(x, 'logSoftmax');
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: ([x]) => {
    const { rows, cols } = rowsCols(x, 'logSoftmax');
    return (be, [v], out) => be.logSoftmax(v as Float32Array, out as Float32Array, rows, cols);
  },
  // dx = dy - softmax(x) * sum(dy) along the row.
  vjp: (e, { output: y, dy }) => {
    const last = [y.shape.length - 1];
    return [sub(e, dy, mul(e, un(e, 'exp', y), expandReduced(e, sum(e, dy, last, false), y.shape, last)))];
  },
  deeplift: 'none',
  onnx: (e, { inputs: [x] }) => e.node('LogSoftmax', [x], { axis: { i: -1 } }),
};

function checkLogits(logits: Val, labels: Val): { rows: number; classes: number } {
  if (logits.shape.length !== 2) throw new Error(`sparseSoftmaxCrossEntropy: logits must be [rows, classes], got ${formatShape(logits.shape)}`);
  const [rows, classes] = logits.shape;
  if (sizeOf(labels.shape) !== rows) {
    throw new Error(`sparseSoftmaxCrossEntropy: ${sizeOf(labels.shape)} labels for ${rows} rows of predictions; pass one integer label per row`);
  }
  return { rows, classes };
}

function checkLabel(c: number, r: number, classes: number): void {
  if (!Number.isInteger(c) || c < 0 || c >= classes) {
    throw new Error(`sparseSoftmaxCrossEntropy: label ${c} in row ${r} is outside [0, ${classes}); labels must be class indices 0..${classes - 1}`);
  }
}

export const sparseSoftmaxCE: OpDef<OpAttrs['sparseSoftmaxCE']> = {
  infer: ([logits, labels]) => ({ shape: [checkLogits(logits, labels).rows], dtype: 'float32' }),
  prepare: ([logits, labels]) => {
    const { rows, classes } = checkLogits(logits, labels);
    const logProbs = new Float32Array(rows * classes);
    // The backend's log-softmax (SIMD where it has one), then each row's label entry.
    return (be, [z, y], out) => {
      be.logSoftmax(z as Float32Array, logProbs, rows, classes);
      for (let r = 0; r < rows; r++) {
        checkLabel(y[r], r, classes);
        out[r] = -logProbs[r * classes + y[r]];
      }
    };
  },
  // d/dz of lse(z) - z_y = softmax(z) - onehot(y), never log(0). The softmax node merges with the model's own
  // output softmax when it has one (plans merge identical nodes).
  vjp: (e, { inputs: [logits, labels], dy }) => [e.op('sparseSoftmaxCEGrad', [e.op('softmax', [logits], {}), labels, dy], {}), null],
  deeplift: 'none',
  onnx: null,
};

export const sparseSoftmaxCEGrad: OpDef<OpAttrs['sparseSoftmaxCEGrad']> = {
  infer: ([probs]) => ({ shape: [...probs.shape], dtype: 'float32' }),
  prepare: ([probs, labels]) => {
    const { rows, classes } = checkLogits(probs, labels);
    return (_be, [p, y, d], out) => {
      for (let r = 0; r < rows; r++) {
        const o = r * classes;
        for (let c = 0; c < classes; c++) out[o + c] = p[o + c] * d[r];
        out[o + y[r]] -= d[r];
      }
    };
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

export const dropoutMask: OpDef<OpAttrs['dropoutMask']> = {
  infer: (_i, { rate, shape }) => {
    if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
    return { shape: [...shape], dtype: 'float32' };
  },
  prepare: (_i, _o, { rate }) => {
    const keep = 1 - rate;
    return (_be, _in, out, ctx) => {
      if (!ctx.rng) throw new Error('dropout: no random generator for this run (internal error)');
      const rng = ctx.rng;
      for (let i = 0; i < out.length; i++) out[i] = rng.next() < keep ? 1 / keep : 0;
    };
  },
  random: true,
  vjp: 'zero',
  deeplift: 'none',
  onnx: null,
};

export const movingAverage: OpDef<OpAttrs['movingAverage']> = {
  infer: ([v, x]) => {
    if (v.shape.join() !== x.shape.join()) throw new Error(`movingAverage: the value ${formatShape(x.shape)} does not match the variable ${formatShape(v.shape)}`);
    return { shape: [], dtype: 'float32' };
  },
  prepare: (_i, _o, { momentum }) => (_be, [v, x], out) => {
    // Updates the variable's own storage: inputs[0] is the variable.
    for (let i = 0; i < v.length; i++) v[i] = momentum * v[i] + (1 - momentum) * x[i];
    out[0] = 0;
  },
  effect: true,
  vjp: 'zero',
  deeplift: 'none',
  onnx: null,
};
