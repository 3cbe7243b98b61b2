// Checks on training data before any step runs: shapes, row counts, finiteness, label ranges.

import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { assertFinite, assertLabels, assertSameRows } from '../data/check.js';

/** How targets are given: class indices (sparse losses) or values shaped like the output. */
export type TargetKind = 'classIndex' | 'dense';

export function validateTrainingData(
  x: Tensor, y: Tensor, inputShape: number[], outputShape: number[], kind: TargetKind, where: string,
): void {
  const expected = [inputShape.join(', ')];
  if (x.rank !== inputShape.length + 1 || x.shape.slice(1).some((d, i) => d !== inputShape[i])) {
    throw new Error(`${where}: x must have shape [rows, ${expected}], got ${formatShape(x.shape)}; check the number of input features`);
  }
  assertSameRows(x, y, `${where}: x`, 'y');
  assertFinite(x, `${where}: x`);
  assertFinite(y, `${where}: y`);
  const outputs = outputShape.reduce((a, b) => a * b, 1);
  if (kind === 'classIndex') {
    if (y.size !== y.shape[0]) {
      throw new Error(`${where}: sparse labels must be one class index per row ([rows] or [rows, 1]), got ${formatShape(y.shape)}; ` +
        'for one-hot targets use categoricalCrossentropy');
    }
    assertLabels(y, outputs, `${where}: y`);
    return;
  }
  const perRow = y.size / Math.max(y.shape[0], 1);
  if (perRow !== outputs) {
    throw new Error(`${where}: y must have ${outputs} value(s) per row to match the model's output [rows, ${outputShape.join(', ')}], ` +
      `got ${formatShape(y.shape)}` + (outputs > 1 && perRow === 1 ? '; integer labels need sparseCategoricalCrossentropy' : ''));
  }
}
