// Merge layers (TensorFlow.js names): add, subtract, multiply, average, maximum, minimum, concatenate, dot.
// Each takes a list of inputs, in a functional model (`layers.add().apply([a, b])`) or eagerly on tensors.

import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, sizeOf } from '../tensor/shape.js';
import * as ops from '../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import { featureAxis } from './axes.js';

/** What every merge shares: a list of inputs, shapes checked at build, no weights. */
export abstract class Merge extends Layer {
  /** The example shapes it was built for. */
  inputShapes: LayerShape[] | null = null;

  constructor(args: LayerArgs, className: string, private readonly arity: 'two' | 'many' = 'many') {
    super(args, className);
  }

  /** The merged example shape; throws naming the layer when the shapes do not fit together. */
  protected abstract mergedShape(shapes: LayerShape[]): LayerShape;
  protected abstract merge(xs: Tensor[]): Tensor;

  call(_x: Tensor, _options: CallOptions): Tensor {
    throw new Error(`${this.name} (${this.className}) merges a list of inputs; pass a list, e.g. layer.apply([a, b])`);
  }

  override outputShapeFor(shapes: LayerShape[]): LayerShape {
    if (this.arity === 'two' ? shapes.length !== 2 : shapes.length < 2) {
      throw new Error(`${this.name} (${this.className}) needs ${this.arity === 'two' ? 'exactly 2' : 'at least 2'} inputs, got ${shapes.length}`);
    }
    if (!this.inputShapes) {
      this.inputShapes = shapes.map((s) => [...s]);
      this.built = true;
    } else if (shapes.length !== this.inputShapes.length || shapes.some((s, i) => s.join() !== this.inputShapes![i].join())) {
      throw new Error(`${this.name}: built for inputs ${this.inputShapes.map(formatShape).join(', ')}, got ${shapes.map(formatShape).join(', ')}`);
    }
    return this.mergedShape(shapes);
  }

  protected override applyList(xs: Tensor[], _options: CallOptions): Tensor {
    this.outputShapeFor(xs.map((x) => x.shape.slice(1)));
    const rows = xs[0].shape[0];
    if (xs.some((x) => x.shape[0] !== rows)) throw new Error(`${this.name}: inputs have different batch sizes: ${xs.map((x) => x.shape[0]).join(', ')}`);
    return this.merge(xs);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return this.inputShapes ? this.mergedShape(this.inputShapes) : inputShape;
  }
}

type Combine = (a: Tensor, b: Tensor) => Tensor;

/** Elementwise merges: inputs broadcast together (NumPy rules on the example shapes). */
export class ElementwiseMerge extends Merge {
  readonly className: string;

  constructor(args: LayerArgs, className: 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum' | 'Minimum') {
    super(args, className, className === 'Subtract' ? 'two' : 'many');
    this.className = className;
  }

  protected mergedShape(shapes: LayerShape[]): LayerShape {
    try {
      return shapes.reduce((a, b) => broadcastShapes(a, b, this.className));
    } catch {
      throw new Error(`${this.name} (${this.className}): inputs of shapes ${shapes.map((s) => formatShape(['batch' as unknown as number, ...s])).join(', ')} do not broadcast together`);
    }
  }

  protected merge(xs: Tensor[]): Tensor {
    const combine: Record<string, Combine> = { Add: ops.add, Subtract: ops.sub, Multiply: ops.mul, Average: ops.add, Maximum: ops.maximum, Minimum: ops.minimum };
    const y = xs.slice(1).reduce((acc, x) => combine[this.className](acc, x), xs[0]);
    return this.className === 'Average' ? ops.div(y, xs.length) : y;
  }

  override flops(inputShape: LayerShape): number {
    return sizeOf(inputShape) * ((this.inputShapes?.length ?? 2) - 1);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** Axis counted with the batch axis as 0 (TensorFlow.js); -1 (default) is the last. */
  axis?: number;
}

export class Concatenate extends Merge {
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args, 'Concatenate');
    this.axis = featureAxis(this.name, args.axis);
  }

  /** The axis within an example (no batch). */
  private exampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + 1 + this.axis : this.axis;
    if (a < 1 || a > rank) throw new Error(`${this.name}: axis ${this.axis} is outside inputs of rank ${rank + 1} (with the batch)`);
    return a - 1;
  }

  protected mergedShape(shapes: LayerShape[]): LayerShape {
    const rank = shapes[0].length;
    const a = this.exampleAxis(rank);
    shapes.forEach((s) => {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
        throw new Error(`${this.name} (Concatenate): inputs ${shapes.map(formatShape).join(', ')} differ outside axis ${this.axis}`);
      }
    });
    const out = [...shapes[0]];
    out[a] = shapes.reduce((n, s) => n + s[a], 0);
    return out;
  }

  protected merge(xs: Tensor[]): Tensor {
    return ops.concat(xs, this.exampleAxis(xs[0].rank - 1) + 1);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  /** Axes to contract, counted with the batch axis as 0: one for both inputs or one each. */
  axes: number | [number, number];
  /** L2-normalise both inputs along the axes first (cosine similarity). */
  normalize?: boolean;
}

/** Batched dot product of two inputs of rank 2 or 3 (with the batch): [b, n]·[b, n] -> [b, 1]; [b, m, k]·[b, k, n] -> [b, m, n]. */
export class Dot extends Merge {
  readonly className = 'Dot';
  readonly axes: [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    super(args, 'Dot', 'two');
    const a = args?.axes;
    const pair = typeof a === 'number' ? [a, a] : a;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((x) => !Number.isInteger(x))) {
      throw new Error(`${this.name}: axes must be an integer or two of them, got ${JSON.stringify(a)}`);
    }
    this.axes = [pair[0], pair[1]];
    this.normalize = args.normalize ?? false;
  }

  private axesFor(shapes: LayerShape[]): [number, number] {
    return this.axes.map((ax, i) => {
      const rank = shapes[i].length + 1;
      const a = ax < 0 ? rank + ax : ax;
      if (a < 1 || a >= rank) throw new Error(`${this.name}: axis ${ax} is outside input ${i} of rank ${rank} (with the batch; 0 is the batch)`);
      return a;
    }) as [number, number];
  }

  protected mergedShape(shapes: LayerShape[]): LayerShape {
    const [a, b] = this.axesFor(shapes);
    if (shapes.some((s) => s.length < 1 || s.length > 2)) {
      throw new Error(`${this.name} (Dot): inputs must be [batch, n] or [batch, m, k], got ${shapes.map(formatShape).join(', ')}`);
    }
    if (shapes[0][a - 1] !== shapes[1][b - 1]) {
      throw new Error(`${this.name} (Dot): axis ${a} of ${formatShape(shapes[0])} and axis ${b} of ${formatShape(shapes[1])} differ in size`);
    }
    const out = [...shapes[0].filter((_, i) => i !== a - 1), ...shapes[1].filter((_, i) => i !== b - 1)];
    return out.length === 0 ? [1] : out;
  }

  protected merge(xs: Tensor[]): Tensor {
    const [a, b] = this.axesFor(xs.map((x) => x.shape.slice(1)));
    let [x, y] = xs;
    if (this.normalize) {
      x = ops.div(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), a, true), 1e-12)));
      y = ops.div(y, ops.sqrt(ops.maximum(ops.sum(ops.square(y), b, true), 1e-12)));
    }
    if (x.rank === 2 && y.rank === 2) return ops.sum(ops.mul(x, y), 1, true);
    // Rank 3 (or a rank-2 operand as a batch of vectors): a batched matrix product, contracted axes inner.
    const x3 = x.rank === 2 ? ops.reshape(x, [x.shape[0], 1, x.shape[1]]) : x;
    const y3 = y.rank === 2 ? ops.reshape(y, [y.shape[0], y.shape[1], 1]) : y;
    const z = ops.matMul(x3, y3, x.rank === 3 && a === 1, y.rank === 3 && b === 2);
    return ops.reshape(z, [z.shape[0], ...this.mergedShape(xs.map((t) => t.shape.slice(1)))]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: [...this.axes], normalize: this.normalize };
  }
}

export const add = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Add');
export const subtract = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Subtract');
export const multiply = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Multiply');
export const average = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Average');
export const maximum = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Maximum');
export const minimum = (args: LayerArgs = {}) => new ElementwiseMerge(args, 'Minimum');
export const concatenate = (args: ConcatenateArgs = {}) => new Concatenate(args);
export const dot = (args: DotArgs) => new Dot(args);
