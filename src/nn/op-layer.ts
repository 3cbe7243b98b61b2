// A layer that runs one registry op on its inputs and constant operands: what an imported graph's
// arithmetic becomes (an ONNX Add of a bias, a Transpose, a Pad) when no Keras layer fits. Attributes
// are per example (no batch axis); the batch is added back on each call.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { runOp } from '../ops/run.js';
import { OPS, type OpAttrs, type OpName } from '../ops/registry/index.js';
import type { Val } from '../ops/registry/types.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type LayerShape } from './layer.js';
import type { Variable } from '../autograd/variable.js';

/** Attributes of per-example ops, with the batch axis added for a batch of `b` rows. */
const BATCHED: { [P in OpName]?: (a: OpAttrs[P], b: number) => OpAttrs[P] } = {
  reshape: (a, b) => ({ shape: [b, ...a.shape] }),
  transpose: (a) => ({ perm: [0, ...a.perm.map((p) => p + 1)] }),
  broadcastTo: (a, b) => ({ shape: [b, ...a.shape] }),
  slice: (a, b) => ({ begin: [0, ...a.begin], size: [b, ...a.size] }),
  pad: (a) => ({ paddings: [[0, 0], ...a.paddings], value: a.value }),
  concat: (a) => ({ axis: a.axis + 1 }),
  reduce: (a) => ({ ...a, axes: a.axes.map((x) => x + 1) }),
  gather: (a) => ({ axis: a.axis + 1 }),
};
/** Ops whose attributes do not mention axes (elementwise, last-axis, or matrix products over the batch). */
const PLAIN: OpName[] = ['unary', 'binary', 'select', 'cast', 'matMul', 'softmax', 'logSoftmax', 'erf'];

/** A constant operand kept in the config (small, exact, not trained). */
export interface OpConstant {
  shape: number[];
  values: number[];
  dtype: 'float32' | 'int32';
}

export interface OpLayerArgs extends LayerArgs {
  op: OpName;
  /** The op's attributes for one example (axes and shapes without the batch axis). */
  attrs: Record<string, unknown>;
  /** The op's operands in order: 'x0', 'x1', ... (the layer's inputs), 'w0', ... (weights), 'c0', ... (constants). */
  operands: string[];
  /** Shapes of the weights (float, trained unless the layer is not trainable). */
  weightShapes?: number[][];
  constants?: OpConstant[];
}

export class OpLayer extends Layer {
  readonly className = 'Op';
  readonly op: OpName;
  readonly attrs: Record<string, unknown>;
  readonly operands: string[];
  readonly weightShapes: number[][];
  readonly constants: OpConstant[];
  private readonly constantTensors: Tensor[];
  private weightVars: Variable[] = [];
  private readonly inputCount: number;

  constructor(args: OpLayerArgs) {
    super(args, 'Op');
    const op = args?.op;
    if (typeof op !== 'string' || !(op in OPS) || (!PLAIN.includes(op) && !(op in BATCHED))) {
      throw new Error(`${this.name}: op ${JSON.stringify(op)} cannot run in an op layer; use one of ${[...PLAIN, ...Object.keys(BATCHED)].join(', ')}`);
    }
    this.op = op;
    this.attrs = structuredClone(args.attrs ?? {});
    this.weightShapes = (args.weightShapes ?? []).map((s) => [...s]);
    this.constants = (args.constants ?? []).map((c) => ({ shape: [...c.shape], values: [...c.values], dtype: c.dtype }));
    this.constantTensors = this.constants.map((c, i) => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      if (c.values.length !== size || (c.dtype !== 'float32' && c.dtype !== 'int32')) throw new Error(`${this.name}: constant ${i} holds ${c.values.length} values for shape ${formatShape(c.shape)}`);
      return new Tensor(c.dtype === 'int32' ? Int32Array.from(c.values) : Float32Array.from(c.values), c.shape, c.dtype);
    });
    const operands = args.operands;
    const counts = { x: 0, w: this.weightShapes.length, c: this.constants.length };
    if (!Array.isArray(operands) || operands.some((o) => !/^[xwc]\d+$/.test(o) || Number(o.slice(1)) >= (o[0] === 'x' ? Infinity : counts[o[0] as 'w' | 'c']))) {
      throw new Error(`${this.name}: operands must name inputs x0.., weights w0.. and constants c0.. that exist, got ${JSON.stringify(operands)}`);
    }
    this.operands = [...operands];
    this.inputCount = new Set(operands.filter((o) => o[0] === 'x')).size;
    if (this.inputCount === 0) throw new Error(`${this.name}: an op layer needs at least one input operand (x0)`);
  }

  override build(inputShape: LayerShape): void {
    this.weightVars = this.weightShapes.map((shape, i) => this.addWeight({ name: `w${i}`, shape, initializer: 'zeros' }));
    super.build(inputShape);
  }

  /** The op's full attributes for a batch of b rows. */
  private fullAttrs(b: number): OpAttrs[OpName] {
    const batched = BATCHED[this.op] as ((a: unknown, b: number) => OpAttrs[OpName]) | undefined;
    return batched ? batched(this.attrs, b) : (this.attrs as OpAttrs[OpName]);
  }

  private operandsFor<T>(inputs: T[], weight: (i: number) => T, constant: (i: number) => T): T[] {
    return this.operands.map((o) => {
      const i = Number(o.slice(1));
      return o[0] === 'x' ? inputs[i] : o[0] === 'w' ? weight(i) : constant(i);
    });
  }

  override outputShapeFor(shapes: LayerShape[]): LayerShape {
    if (shapes.length !== this.inputCount) throw new Error(`${this.name} (Op ${this.op}) takes ${this.inputCount} input(s), got ${shapes.length}`);
    if (!this.built) this.build(shapes[0]);
    const vals: Val[] = this.operandsFor<Val>(
      shapes.map((s) => ({ shape: [1, ...s], dtype: 'float32' })),
      (i) => ({ shape: this.weightShapes[i], dtype: 'float32' }),
      (i) => ({ shape: this.constants[i].shape, dtype: this.constants[i].dtype }),
    );
    const info = OPS[this.op].infer(vals, this.fullAttrs(1) as never);
    if (info.shape[0] !== 1) throw new Error(`${this.name} (Op ${this.op}): the output ${formatShape(info.shape)} does not keep the batch axis first`);
    return info.shape.slice(1);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return this.outputShapeFor([inputShape]);
  }

  override outputDtype(): 'float32' | 'int32' {
    return this.op === 'cast' && (this.attrs as { dtype: string }).dtype === 'int32' ? 'int32' : 'float32';
  }

  call(x: Tensor, _options: CallOptions): Tensor {
    return this.run([x]);
  }

  protected override applyList(xs: Tensor[], _options: CallOptions): Tensor {
    if (!this.built) this.build(xs[0].shape.slice(1));
    return this.run(xs);
  }

  private run(xs: Tensor[]): Tensor {
    if (xs.length !== this.inputCount) throw new Error(`${this.name} (Op ${this.op}) takes ${this.inputCount} input(s), got ${xs.length}`);
    const inputs = this.operandsFor<Tensor>(xs, (i) => this.weightVars[i], (i) => this.constantTensors[i]);
    return runOp(this.op, inputs, this.fullAttrs(xs[0].shape[0]) as never);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(), op: this.op, attrs: structuredClone(this.attrs), operands: [...this.operands],
      weightShapes: this.weightShapes.map((s) => [...s]), constants: this.constants.map((c) => ({ ...c, shape: [...c.shape], values: [...c.values] })),
    };
  }
}

export const opLayer = (args: OpLayerArgs) => new OpLayer(args);
