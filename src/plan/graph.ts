// The graph a model is traced into: plain-data nodes (op name, attributes, input values) over
// values that are inputs, parameters (a model's variables), constants or node outputs.

import type { Variable } from '../autograd/variable.js';
import { sizeOf } from '../tensor/shape.js';
import { allocFor, type DType, type TypedArray } from '../tensor/tensor.js';
import { OPS, type OpAttrs, type OpName } from '../ops/registry/index.js';
import type { Emitter, OpDef, Val } from '../ops/registry/types.js';

export type Source =
  | { kind: 'input'; name: string }
  | { kind: 'param'; variable: Variable }
  | { kind: 'const'; values: TypedArray }
  | { kind: 'node'; node: GraphNode };

export class GraphValue implements Val {
  constructor(
    readonly id: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly source: Source,
  ) {}

  get size(): number {
    return sizeOf(this.shape);
  }
}

export interface GraphNode {
  readonly id: number;
  readonly op: OpName;
  readonly attrs: OpAttrs[OpName];
  readonly inputs: readonly GraphValue[];
  readonly output: GraphValue;
}

export class Graph {
  readonly values: GraphValue[] = [];
  readonly nodes: GraphNode[] = [];
  private readonly params = new Map<Variable, GraphValue>();

  private value(shape: readonly number[], dtype: DType, source: Source): GraphValue {
    const v = new GraphValue(this.values.length, [...shape], dtype, source);
    this.values.push(v);
    return v;
  }

  input(name: string, shape: readonly number[], dtype: DType = 'float32'): GraphValue {
    return this.value(shape, dtype, { kind: 'input', name });
  }

  /** The value standing for a variable (one per variable, however often it is used). */
  param(variable: Variable): GraphValue {
    let v = this.params.get(variable);
    if (!v) this.params.set(variable, (v = this.value(variable.shape, variable.dtype, { kind: 'param', variable })));
    return v;
  }

  constant(values: TypedArray, shape: readonly number[], dtype: DType): GraphValue {
    return this.value(shape, dtype, { kind: 'const', values });
  }

  /** Appends a node; its output's shape comes from the op's shape rule. */
  add<P extends OpName>(op: P, inputs: readonly GraphValue[], attrs: OpAttrs[P]): GraphValue {
    const def = OPS[op] as OpDef<OpAttrs[P]>;
    const info = def.infer(inputs, attrs);
    const node = { id: this.nodes.length, op, attrs, inputs: [...inputs] } as unknown as { output: GraphValue } & GraphNode;
    node.output = this.value(info.shape, info.dtype, { kind: 'node', node });
    this.nodes.push(node);
    return node.output;
  }

  /** An emitter that builds nodes in this graph (gradient rules run through it). */
  emitter(): Emitter<GraphValue> {
    return {
      op: (name, inputs, attrs) => this.add(name, inputs, attrs),
      constant: (value, shape, dtype = 'float32') => {
        const values = allocFor(dtype, sizeOf(shape));
        values.fill(value);
        return this.constant(values, shape, dtype);
      },
    };
  }

  /** The node producing v, or null for inputs, parameters and constants. */
  static producer(v: GraphValue): GraphNode | null {
    return v.source.kind === 'node' ? v.source.node : null;
  }
}
