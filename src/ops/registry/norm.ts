// Batch normalisation as registry ops: per-channel moments, the normalisation itself (with the batch's
// statistics in training, given ones in inference) and its gradient kernels.

import { formatShape } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { reshape } from './emit.js';
import type { OpDef, Val } from './types.js';

function layout(x: Val, op: string): { rows: number; cols: number } {
  if (x.shape.length < 2) throw new Error(`${op}: expected [batch, ..., channels], got ${formatShape(x.shape)}`);
  const cols = x.shape[x.shape.length - 1];
  return { rows: x.shape.reduce((a, b) => a * b, 1) / Math.max(cols, 1), cols };
}

function checkChannels(op: string, vals: readonly Val[], cols: number): void {
  for (const v of vals) if (v.shape.length !== 1 || v.shape[0] !== cols) throw new Error(`${op}: per-channel values must have shape [${cols}], got ${formatShape(v.shape)}`);
}

type F = Float32Array;

export const moments: OpDef<OpAttrs['moments']> = {
  infer: ([x]) => ({ shape: [2, layout(x, 'moments').cols], dtype: 'float32' }),
  prepare: ([x]) => {
    const { rows, cols } = layout(x, 'moments');
    return (be, [v], out) => be.moments(v as F, out as F, rows, cols);
  },
  // mean = sum x / n, var = sum (x - mean)^2 / n: dx = dmean / n + dvar 2 (x - mean) / n.
  vjp: (e, { inputs: [x], output, dy }) => {
    const { rows, cols } = layout(x, 'moments');
    const row = (t: typeof x, i: number) => reshape(e, e.op('slice', [t], { begin: [i, 0], size: [1, cols] }), [cols]);
    const centered = e.op('binary', [x, row(output, 0)], { fn: 'sub' });
    const viaVar = e.op('binary', [centered, e.op('binary', [row(dy, 1), e.constant(2 / rows, [])], { fn: 'mul' })], { fn: 'mul' });
    return [e.op('binary', [viaVar, e.op('binary', [row(dy, 0), e.constant(1 / rows, [])], { fn: 'mul' })], { fn: 'add' })];
  },
  deeplift: 'none',
  onnx: null,
};

export const batchNorm: OpDef<OpAttrs['batchNorm']> = {
  infer: (inputs) => {
    const [x] = inputs;
    const { cols } = layout(x, 'batchNorm');
    if (inputs.length !== 5) throw new Error('batchNorm: expected x, mean, variance, gamma, beta');
    checkChannels('batchNorm', inputs.slice(1), cols);
    return { shape: [...x.shape], dtype: 'float32' };
  },
  prepare: ([x], _o, { eps }) => {
    const { rows, cols } = layout(x, 'batchNorm');
    return (be, [xv, mean, variance, gamma, beta], out) => be.batchNorm(xv as F, mean as F, variance as F, gamma as F, beta as F, out as F, rows, cols, eps);
  },
  // dx by batchNormGrad (through the statistics too when they are x's own: then they get no gradient of their
  // own, which would count that path twice); dgamma = sum dy xhat, dbeta = sum dy; statistics taken as
  // constants get dmean = -gamma invStd dbeta, dvariance = -gamma invStd^2 dgamma / 2.
  vjp: (e, { inputs, dy, attrs, needs }) => {
    const [x, mean, variance, gamma] = inputs;
    const { batchStats, eps } = attrs;
    const cols = x.shape[x.shape.length - 1];
    const mul = (a: typeof x, b: typeof x) => e.op('binary', [a, b], { fn: 'mul' });
    const invStd = () => e.op('unary', [e.op('binary', [variance, e.constant(eps, [])], { fn: 'add' })], { fn: 'rsqrt', alpha: 0 });
    // Constant statistics: dx = dy gamma invStd per channel, which never reads x (explainers' batched backward passes).
    const dx = !needs[0] ? null : batchStats ? e.op('batchNormGrad', [x, mean, variance, gamma, dy], attrs) : mul(dy, mul(gamma, invStd()));
    const wantStats = !batchStats && (needs[1] || needs[2]);
    if (!wantStats && !needs[3] && !needs[4]) return [dx, null, null, null, null];
    const both = e.op('batchNormParamGrad', [x, mean, variance, dy], { eps });
    const row = (i: number) => reshape(e, e.op('slice', [both], { begin: [i, 0], size: [1, cols] }), [cols]);
    const [dGamma, dBeta] = [row(0), row(1)];
    let dMean = null;
    let dVariance = null;
    if (wantStats) {
      const gInv = mul(gamma, invStd());
      dMean = needs[1] ? mul(gInv, mul(dBeta, e.constant(-1, []))) : null;
      dVariance = needs[2] ? mul(mul(gInv, invStd()), mul(dGamma, e.constant(-0.5, []))) : null;
    }
    return [dx, dMean, dVariance, needs[3] ? dGamma : null, needs[4] ? dBeta : null];
  },
  // Affine in x when the statistics are constants (inference).
  deeplift: ({ batchStats }) => (batchStats ? 'none' : 'linear'),
  onnx: (e, { inputs, attrs }) => {
    const [x, mean, variance, gamma, beta] = inputs;
    const scale = e.node('Div', [gamma, e.node('Sqrt', [e.node('Add', [variance, e.initializer([attrs.eps], [])])])]);
    return e.node('Add', [e.node('Mul', [e.node('Sub', [x, mean]), scale]), beta]);
  },
};

export const batchNormGrad: OpDef<OpAttrs['batchNormGrad']> = {
  infer: ([x]) => ({ shape: [...x.shape], dtype: 'float32' }),
  prepare: ([x], _o, { eps, batchStats }) => {
    const { rows, cols } = layout(x, 'batchNormGrad');
    return (be, [xv, mean, variance, gamma, dy], out) =>
      be.batchNormGrad(xv as F, mean as F, variance as F, gamma as F, dy as F, out as F, rows, cols, eps, batchStats);
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};

export const batchNormParamGrad: OpDef<OpAttrs['batchNormParamGrad']> = {
  infer: ([x]) => ({ shape: [2, layout(x, 'batchNormParamGrad').cols], dtype: 'float32' }),
  prepare: ([x], _o, { eps }) => {
    const { rows, cols } = layout(x, 'batchNormParamGrad');
    return (be, [xv, mean, variance, dy], out) => be.batchNormParamGrad(xv as F, mean as F, variance as F, dy as F, out as F, rows, cols, eps);
  },
  vjp: 'none',
  deeplift: 'none',
  onnx: null,
};
