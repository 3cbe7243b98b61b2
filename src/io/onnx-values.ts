// Helpers the ONNX op handlers share: reading a node's inputs as the kind of value they must be, integer
// constants with a symbolic batch, axes counted with the batch, and Op layers over mixed operands.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import * as ops from '../ops/index.js';
import type { OpAttrs, OpName } from '../ops/registry/index.js';
import { OpLayer, type OpConstant } from '../nn/op-layer.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import type { Dim } from './onnx-read.js';
import type { NodeContext, OnnxValue } from './onnx-import.js';

export const symOut = (t: SymbolicTensor, channelsLast = false): OnnxValue => (channelsLast ? { kind: 'sym', t, channelsLast } : { kind: 'sym', t });
export const constOut = (t: Tensor): OnnxValue => ({ kind: 'const', t, initializer: null });
export const intsOut = (values: Dim[], shape: number[] = [values.length]): OnnxValue => ({ kind: 'ints', values, shape });

/** Input i, which must be present. */
export function inputAt(ctx: NodeContext, i: number, what: string): OnnxValue {
  const v = ctx.inputs[i];
  if (!v) return ctx.fail(`input ${i} (${what}) is missing`);
  return v;
}

/** Input i as a layer output in the graph's layout (it must depend on the graph's inputs). */
export function symAt(ctx: NodeContext, i: number, what: string): SymbolicTensor {
  const v = inputAt(ctx, i, what);
  if (v.kind !== 'sym') return ctx.fail(`input ${i} (${what}) must be computed from the graph's inputs, but it is a constant`);
  return v.channelsLast ? ctx.toFirst(v.t) : v.t;
}

/** Input i channels-last (for convolutions and pooling), permuted once if it is in the graph's layout. */
export function lastAt(ctx: NodeContext, i: number, what: string): SymbolicTensor {
  const v = inputAt(ctx, i, what);
  if (v.kind !== 'sym') return ctx.fail(`input ${i} (${what}) must be computed from the graph's inputs, but it is a constant`);
  return v.channelsLast ? v.t : ctx.toLast(v.t);
}

/** Whether a node works channels-last: not when it makes a graph output, and only on images and sequences. */
export const worksChannelsLast = (ctx: NodeContext, rank: number) => !ctx.onnxLayout && rank >= 3;

/**
 * A constant that broadcasts against a value in the graph's layout, rearranged for the value held channels-last:
 * padded to the example's rank (a leading batch axis of 1 dropped), then its axis 0 moved last.
 */
export function constantChannelsLast(ctx: NodeContext, c: Tensor, exampleRank: number): Tensor {
  const shape = c.rank === exampleRank + 1 ? c.shape.slice(1) : c.shape;
  if (shape.length > exampleRank) ctx.fail(`a constant of shape ${formatShape(c.shape)} does not broadcast to one example of rank ${exampleRank}`);
  const full = ops.reshape(c, [...Array<number>(exampleRank - shape.length).fill(1), ...shape]);
  return ops.transpose(full, [...Array.from({ length: exampleRank - 1 }, (_, i) => i + 1), 0]);
}

/** Input i as a float constant (integer constants are converted). */
export function floatAt(ctx: NodeContext, i: number, what: string): Tensor {
  const v = inputAt(ctx, i, what);
  if (v.kind === 'sym') return ctx.fail(`input ${i} (${what}) must be a constant (an initializer), but it is computed from the graph's inputs`);
  return asFloat(ctx, v);
}

/** A constant's values as a float tensor. */
export function asFloat(ctx: NodeContext, v: OnnxValue): Tensor {
  if (v.kind === 'const') return v.t;
  if (v.kind === 'ints') return new Tensor(Float32Array.from(staticInts(ctx, v, 'a constant')), v.shape);
  return ctx.fail('expected a constant, got a computed value');
}

/** Input i as integers (shapes, axes, indices), batch entries allowed. */
export function intsAt(ctx: NodeContext, i: number, what: string): Dim[] {
  const v = inputAt(ctx, i, what);
  if (v.kind === 'ints') return v.values;
  if (v.kind === 'const' && Array.from(v.t.values).every(Number.isInteger)) return Array.from(v.t.values);
  return ctx.fail(`input ${i} (${what}) must be constant integers`);
}

/** Integers of a value with no symbolic batch entry. */
export function staticInts(ctx: NodeContext, v: OnnxValue, what: string): number[] {
  const values = v.kind === 'ints' ? v.values : v.kind === 'const' ? Array.from(v.t.values) : ctx.fail(`${what} must be constant`);
  if (values.some((d) => d === 'batch')) ctx.fail(`${what} depends on the batch size, which glassbox keeps symbolic; this use of it is not supported`);
  return values as number[];
}

/** Optional input i as static integers, or the fallback when omitted. */
export function optionalInts(ctx: NodeContext, i: number, what: string, fallback: number[] | null): number[] | null {
  const v = ctx.inputs[i];
  return v ? staticInts(ctx, v, what) : fallback;
}

/** Full rank (with the batch) of a symbolic value. */
export const rankOf = (t: SymbolicTensor) => t.exampleShape.length + 1;

/** An ONNX axis (negative from the end) for a tensor of `rank` (with the batch); `batch: false` refuses axis 0. */
export function axisOf(ctx: NodeContext, axis: number, rank: number, batch = false): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) ctx.fail(`axis ${axis} is outside a tensor of rank ${rank}`);
  if (a === 0 && !batch) ctx.fail('acts on axis 0, the batch; glassbox imports graphs whose first axis is the batch and stays so');
  return a;
}

/** The shape a constant operand broadcasts with against [batch, ...example]; refuses one that varies along the batch. */
export function checkBroadcastConstant(ctx: NodeContext, c: Tensor, example: readonly number[]): void {
  if (c.rank > example.length + 1 || (c.rank === example.length + 1 && c.shape[0] !== 1)) {
    ctx.fail(`a constant of shape ${formatShape(c.shape)} would vary along the batch axis of [batch, ${example.join(', ')}]`);
  }
}

/** The same layer output marked as held channels-last (or not). */
export const withLayout = (v: OnnxValue, channelsLast: boolean | undefined): OnnxValue => (v.kind === 'sym' ? symOut(v.t, channelsLast === true) : v);

/** An Op layer running `op` on operands: symbolic values become its inputs, initializers its (trained) weights, other constants its config. */
export function opLayer<P extends OpName>(ctx: NodeContext, op: P, attrs: OpAttrs[P], operands: OnnxValue[], final = true): OnnxValue {
  const inputs: SymbolicTensor[] = [];
  const weights: Tensor[] = [];
  const constants: OpConstant[] = [];
  const names = operands.map((v) => {
    if (v.kind === 'sym') {
      if (!inputs.includes(v.t)) inputs.push(v.t);
      return `x${inputs.indexOf(v.t)}`;
    }
    if (v.kind === 'const' && v.initializer) {
      weights.push(v.t);
      return `w${weights.length - 1}`;
    }
    constants.push(v.kind === 'const'
      ? { shape: [...v.t.shape], values: Array.from(v.t.values), dtype: 'float32' }
      : { shape: [...v.shape], values: staticInts(ctx, v, 'a constant operand'), dtype: 'int32' });
    return `c${constants.length - 1}`;
  });
  const weightShapes = weights.map((w) => [...w.shape]);
  const layer = (name: string) => new OpLayer({ name, op, attrs: attrs as unknown as Record<string, unknown>, operands: names, weightShapes, constants });
  return symOut(ctx.layer(layer, inputs, weights, final));
}
