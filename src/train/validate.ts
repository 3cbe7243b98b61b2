// Checks on training data before any step runs: shapes, row counts, finiteness, label ranges.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { assertFinite, assertLabels, assertSameRows } from '../data/check.js';
import { describe } from '../nn/symbolic.js';

/** How targets are given: class indices (sparse losses) or values shaped like the output. */
export type TargetKind = 'classIndex' | 'dense';

/** Data for a model of one or several inputs (or outputs): a tensor, a list in order, or tensors by name. */
export type ModelData = Tensor | Tensor[] | Record<string, Tensor>;

/**
 * One tensor per expected name, in order; `what` is 'x' or 'y' in messages. Refuses plain arrays with
 * a hint (TensorFlow.js' fit takes tensors too), missing or unknown names and wrong counts.
 */
export function dataList(data: unknown, names: readonly string[], what: string, where: string): Tensor[] {
  if (data instanceof Tensor) {
    if (names.length !== 1) throw new Error(`${where}: the model has ${names.length} ${what === 'x' ? 'inputs' : 'outputs'} (${names.join(', ')}); pass ${what} as a list or {name: tensor}`);
    return [data];
  }
  if (Array.isArray(data)) {
    if (data.length > 0 && !(data[0] instanceof Tensor)) {
      throw new Error(`${where}: ${what} must be a Tensor, got a plain array; wrap it with tensor2d(${what}) (or tensor1d for labels)`);
    }
    if (data.length !== names.length) throw new Error(`${where}: ${what} lists ${data.length} tensors, the model has ${names.length} (${names.join(', ')})`);
    data.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`${where}: ${what}[${i}] must be a Tensor, got ${describe(t)}`);
    });
    return data as Tensor[];
  }
  if (data !== null && typeof data === 'object' && Object.getPrototypeOf(data) === Object.prototype) {
    const record = data as Record<string, unknown>;
    for (const k of Object.keys(record)) if (!names.includes(k)) throw new Error(`${where}: ${what} has '${k}', which is none of the model's names (${names.join(', ')})`);
    return names.map((n) => {
      const t = record[n];
      if (!(t instanceof Tensor)) throw new Error(`${where}: ${what}.${n} must be a Tensor, got ${describe(t)}`);
      return t;
    });
  }
  throw new Error(`${where}: ${what} must be a Tensor (or a list / {name: tensor} for several), got ${describe(data)}`);
}

/** Checks one input tensor against the example shape the model expects. */
export function validateInput(x: Tensor, inputShape: number[], name: string, where: string): void {
  if (x.rank !== inputShape.length + 1 || x.shape.slice(1).some((d, i) => d !== inputShape[i])) {
    throw new Error(`${where}: ${name} must have shape [rows, ${inputShape.join(', ')}], got ${formatShape(x.shape)}; check the number of input features`);
  }
  assertFinite(x, `${where}: ${name}`);
}

/** Checks one output's targets against the model's output shape and the loss's target kind. */
export function validateTargets(y: Tensor, outputShape: number[], kind: TargetKind, name: string, where: string): void {
  assertFinite(y, `${where}: ${name}`);
  const outputs = outputShape.reduce((a, b) => a * b, 1);
  if (kind === 'classIndex') {
    if (y.size !== y.shape[0]) {
      throw new Error(`${where}: sparse labels must be one class index per row ([rows] or [rows, 1]), got ${formatShape(y.shape)}; ` +
        'for one-hot targets use categoricalCrossentropy');
    }
    assertLabels(y, outputs, `${where}: ${name}`);
    return;
  }
  const perRow = y.size / Math.max(y.shape[0], 1);
  if (perRow !== outputs) {
    throw new Error(`${where}: ${name} must have ${outputs} value(s) per row to match the model's output [rows, ${outputShape.join(', ')}], ` +
      `got ${formatShape(y.shape)}` + (outputs > 1 && perRow === 1 ? '; integer labels need sparseCategoricalCrossentropy' : ''));
  }
}

/** Inputs and targets of a model together: each checked, and all with the same rows. */
export function validateModelData(
  xs: Tensor[], ys: Tensor[], inputShapes: number[][], outputShapes: number[][], kinds: TargetKind[], where: string,
): void {
  const xName = (i: number) => (xs.length === 1 ? 'x' : `x[${i}]`);
  const yName = (i: number) => (ys.length === 1 ? 'y' : `y[${i}]`);
  xs.forEach((x, i) => validateInput(x, inputShapes[i], xName(i), where));
  xs.forEach((x, i) => assertSameRows(xs[0], x, `${where}: ${xName(0)}`, xName(i)));
  ys.forEach((y, i) => assertSameRows(xs[0], y, `${where}: ${xName(0)}`, yName(i)));
  ys.forEach((y, i) => validateTargets(y, outputShapes[i], kinds[i], yName(i), where));
}
