// The exact first-layer fast path's inner loop, as pure functions on plain arrays, so a worker thread can run it too.

import { type DenseNet, applyActivation } from './dense-net.js';

/** Everything about one explained row that the loop needs (all plain typed arrays: clonable to a worker). */
export interface FastData {
  G: number; N: number; units: number; outputs: number;
  full: Float64Array; base: Float64Array; X: Float64Array; B: Float64Array; nonzero: Uint8Array;
  same: Uint8Array; y0: Float64Array; weights: Float64Array;
}

export interface FastState extends FastData {
  memo: Float64Array; memoSet: Uint8Array;
  chosen: Int32Array; xs: Float64Array; h: Float64Array;
  tail: (z: Float64Array) => Float64Array;
}

/** Scratch buffers and an empty memo around the row's data. */
export function fastState(d: FastData, tail: (z: Float64Array) => Float64Array): FastState {
  return {
    ...d, memo: new Float64Array(2 * d.G * d.N * d.outputs), memoSet: new Uint8Array(2 * d.G * d.N),
    chosen: new Int32Array(d.G), xs: new Float64Array(d.units), h: new Float64Array(d.units), tail,
  };
}

/** v(S) [count, outputs] for masks [count, G] (see firstLayerEvaluator in coalitions.ts for the algebra). */
export function evaluateMasks(masks: Uint8Array, count: number, st: FastState): Float64Array {
  const { G, N, units, outputs, full, base, X, B, nonzero, same, y0, memo, memoSet, chosen, xs, h, weights, tail } = st;
  {
    const out = new Float64Array(count * outputs);
    for (let s = 0; s < count; s++) {
      let np = 0;
      for (let gi = 0; gi < G; gi++) if (masks[s * G + gi]) np++;
      const fromFull = np > G - np;
      let nc = 0;
      for (let gi = 0; gi < G; gi++) if ((masks[s * G + gi] === 1) !== fromFull) chosen[nc++] = gi;
      // Present side: z = base + sum(X - B); absent side: z = full - sum(X - B).
      const start = fromFull ? full : base;
      const sign = fromFull ? -1 : 1;
      xs.fill(0);
      for (let p = 0; p < nc; p++) {
        const xo = chosen[p] * units;
        for (let j = 0; j < units; j++) xs[j] += X[xo + j];
      }
      const side = fromFull ? 1 : 0;
      for (let b = 0; b < N; b++) {
        const bo = b * units;
        let differ = 0;
        let last = -1;
        for (let p = 0; p < nc && differ < 2; p++) {
          if (!same[chosen[p] * N + b]) {
            differ++;
            last = chosen[p];
          }
        }
        let y: Float64Array;
        let yo = 0;
        if (differ === 0) {
          y = y0;
          yo = (side * N + b) * outputs;
        } else if (differ === 1) {
          const key = (side * G + last) * N + b;
          if (!memoSet[key]) {
            const xo = last * units;
            const co = (last * N + b) * units;
            for (let j = 0; j < units; j++) h[j] = start[bo + j] + sign * (X[xo + j] - B[co + j]);
            memo.set(tail(h), key * outputs);
            memoSet[key] = 1;
          }
          y = memo;
          yo = key * outputs;
        } else {
          const sx = sign;
          for (let j = 0; j < units; j++) h[j] = start[bo + j] + sx * xs[j];
          for (let p = 0; p < nc; p++) {
            const gi = chosen[p];
            if (!nonzero[gi * N + b]) continue;
            const co = (gi * N + b) * units;
            for (let j = 0; j < units; j++) h[j] -= sx * B[co + j];
          }
          y = tail(h);
        }
        const w = weights[b];
        for (let o = 0; o < outputs; o++) out[s * outputs + o] += w * y[yo + o];
      }
    }
    return out;
  }
}

/** The network after the first Dense layer's pre-activation, one row at a time, without allocating. */
export function rowTail(net: DenseNet, units: number): (z: Float64Array) => Float64Array {
  const widths: number[] = [units];
  for (let s = 1; s < net.steps.length; s++) {
    const step = net.steps[s];
    widths.push(step.kind === 'dense' ? step.outDim : widths[widths.length - 1]);
  }
  const bufs = widths.map((w) => new Float64Array(w));
  return function tail(z: Float64Array): Float64Array {
    let cur = z;
    applyActivation(net.steps[0].act, cur, 1, units);
    for (let s = 1; s < net.steps.length; s++) {
      const step = net.steps[s];
      if (step.kind === 'dense') {
        const next = bufs[s];
        const { w, b, inDim, outDim } = step;
        if (b) for (let j = 0; j < outDim; j++) next[j] = b[j];
        else next.fill(0);
        for (let i = 0; i < inDim; i++) {
          const v = cur[i];
          if (v === 0) continue;
          const wo = i * outDim;
          for (let j = 0; j < outDim; j++) next[j] += v * w[wo + j];
        }
        cur = next;
      }
      applyActivation(step.act, cur, 1, cur.length);
    }
    return cur;
  };
}
