// Rows repeated over a grid of row indices: how a backward pass with several cotangents per forward row
// (one per explained output, or per (row, background) pair) reads the forward pass's values.

import { formatShape, sizeOf } from '../../tensor/shape.js';
import type { OpAttrs } from './attrs.js';
import { reshape, sum } from './emit.js';
import type { OpDef, Val } from './types.js';

type Attrs = OpAttrs['repeatRows'];

function check(x: Val, { grid, axes }: Attrs): void {
  const ok = grid.every((d) => Number.isInteger(d) && d > 0) && axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < grid.length && (i === 0 || a > axes[i - 1]));
  if (!ok) throw new Error(`repeatRows: grid [${grid}] with axes [${axes}] is not a grid of positive sizes with increasing axes inside it`);
  const rows = axes.reduce((n, a) => n * grid[a], 1);
  if (x.shape.length === 0 || x.shape[0] !== rows) {
    throw new Error(`repeatRows: x ${formatShape(x.shape)} must have ${rows} rows (grid [${grid}] along axes [${axes}])`);
  }
}

/** For each output row, the row of x it copies. */
export function sourceRows({ grid, axes }: Attrs): Int32Array {
  const total = grid.reduce((a, b) => a * b, 1);
  const src = new Int32Array(total);
  const idx = new Array<number>(grid.length).fill(0);
  for (let r = 0; r < total; r++) {
    let s = 0;
    for (const a of axes) s = s * grid[a] + idx[a];
    src[r] = s;
    for (let d = grid.length - 1; d >= 0; d--) {
      if (++idx[d] < grid[d]) break;
      idx[d] = 0;
    }
  }
  return src;
}

export const repeatRows: OpDef<Attrs> = {
  infer: ([x], attrs) => {
    check(x, attrs);
    return { shape: [attrs.grid.reduce((a, b) => a * b, 1), ...x.shape.slice(1)], dtype: x.dtype };
  },
  prepare: ([x], _o, attrs) => {
    const src = sourceRows(attrs);
    const width = sizeOf(x.shape.slice(1));
    return (_be, [v], out) => {
      for (let r = 0; r < src.length; r++) out.set(v.subarray(src[r] * width, (src[r] + 1) * width), r * width);
    };
  },
  // Each row of x was copied to every grid cell along the other axes: dx sums dy over those axes.
  vjp: (e, { inputs: [x], dy, attrs: { grid, axes } }) => {
    const width = sizeOf(x.shape.slice(1));
    const spread = grid.map((_, a) => a).filter((a) => !axes.includes(a));
    return [reshape(e, sum(e, reshape(e, dy, [...grid, width]), spread, false), x.shape)];
  },
  deeplift: 'linear',
  onnx: null,
};
