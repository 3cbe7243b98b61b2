// Writes a traced glassbox graph as an ONNX model: each op's ONNX rule from the registry emits its
// nodes; weights and constants become initializers; the batch dimension is the symbolic 'batch'.
// Hooks can add nodes before and after the model (a table model's preprocessing, onnx-preprocess.ts).

import onnxProto from 'onnx-proto';
import { OPS } from '../ops/registry/index.js';
import type { OnnxAttribute, OnnxEmitter, OpDef } from '../ops/registry/types.js';
import { Graph, type GraphNode, type GraphValue } from '../plan/graph.js';

const { onnx } = onnxProto;
type INode = import('onnx-proto').onnx.INodeProto;
type ITensor = import('onnx-proto').onnx.ITensorProto;
type IValueInfo = import('onnx-proto').onnx.IValueInfoProto;
type IAttribute = import('onnx-proto').onnx.IAttributeProto;

export interface OnnxGraphOptions {
  inputName?: string;
  outputName?: string;
  /** Names of several inputs / outputs, in order (instead of inputName / outputName). */
  inputNames?: string[];
  outputNames?: string[];
  graphName?: string;
  /** Opset of the default domain; 13 or later. */
  opset?: number;
  producerVersion?: string;
  /** Stored as the model's metadata_props (e.g. feature and class names as JSON). */
  metadata?: Record<string, string>;
  /** Nodes before and after the model (table preprocessing, see onnx-preprocess.ts). */
  hooks?: GraphHooks;
}

/**
 * Extra graph around the model: `prefix` declares the graph inputs and builds the nodes that feed the
 * model's input; `suffix` maps the model's output. Both build through the same GraphBuilder.
 */
export interface GraphHooks {
  prefix?(b: GraphBuilder): { inputs: IValueInfo[]; output: string };
  suffix?(b: GraphBuilder, x: string, shape: number[]): string;
  /** Operator sets the hooks' nodes use besides the default domain, e.g. { domain: 'ai.onnx.ml', version: 1 }. */
  opsets?: { domain: string; version: number }[];
}

const FLOAT = 1;
const INT64 = 7;
const INT8 = 3;
const ELEM: Record<string, number> = { float32: FLOAT, int32: 6, bool: 9, int8: INT8 };

/** Encodes the graph from x to y (or several of each) as an ONNX ModelProto with a dynamic batch dimension. */
export function graphToOnnx(graph: Graph, x: GraphValue | GraphValue[], y: GraphValue | GraphValue[], options: OnnxGraphOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13) throw new Error(`exportOnnx: opset must be an integer >= 13, got ${opset}`);
  const xs = Array.isArray(x) ? x : [x];
  const ys = Array.isArray(y) ? y : [y];
  const inputNames = options.inputNames ?? (xs.length === 1 ? [options.inputName ?? 'input'] : xs.map((_, i) => `input${i}`));
  const outputNames = options.outputNames ?? (ys.length === 1 ? [options.outputName ?? 'output'] : ys.map((_, i) => `output${i}`));
  if (inputNames.length !== xs.length || outputNames.length !== ys.length) throw new Error(`exportOnnx: ${inputNames.length} input names for ${xs.length} inputs, ${outputNames.length} output names for ${ys.length} outputs`);
  const all = [...inputNames, ...outputNames];
  if (new Set(all).size !== all.length) throw new Error('exportOnnx: input and output names must differ');
  if (options.hooks && (xs.length > 1 || ys.length > 1)) throw new Error('exportOnnx: preprocessing hooks need a model with one input and one output');
  const g = new GraphBuilder();
  const b = new RegistryEmitter(g, opset);
  const pre = options.hooks?.prefix?.(g);
  const names = new Map<GraphValue, string>(xs.map((v, i) => [v, pre ? pre.output : inputNames[i]]));
  const nameOf = (v: GraphValue): string => {
    let n = names.get(v);
    if (n !== undefined) return n;
    const src = v.source;
    if (src.kind === 'param') n = b.named(src.variable.name, src.variable.values as Float32Array | Int8Array, v.shape, v.dtype === 'int8' ? 'int8' : 'float32');
    else if (src.kind === 'const') n = b.initializer(src.values as Float32Array | Int32Array | Int8Array, v.shape, v.dtype === 'int32' ? 'int64' : v.dtype === 'int8' ? 'int8' : 'float32');
    else if (src.kind === 'input') throw new Error(`exportOnnx: the model reads input '${src.name}', which is not among the graph's inputs`);
    else throw new Error(`exportOnnx: value ${v.id} is used before the node that makes it`);
    names.set(v, n);
    return n;
  };
  for (const node of neededNodes(graph, ys)) {
    const def = OPS[node.op] as OpDef<unknown>;
    if (!def.onnx) throw new Error(`exportOnnx: op '${node.op}' has no ONNX mapping yet; this model cannot be exported`);
    const out = def.onnx(b, { inputs: node.inputs.map(nameOf), inputVals: node.inputs, output: node.output, attrs: node.attrs });
    names.set(node.output, out);
  }
  ys.forEach((v, i) => {
    let out = nameOf(v);
    if (options.hooks?.suffix) out = options.hooks.suffix(g, out, v.shape.slice(1));
    // A graph output must be produced by a node under the requested name.
    g.node('Identity', [out], outputNames[i], 'output');
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'glassbox',
    producerVersion: options.producerVersion ?? '',
    opsetImport: [{ domain: '', version: opset }, ...(options.hooks?.opsets ?? [])],
    graph: {
      name: options.graphName ?? 'glassbox',
      node: g.nodes,
      initializer: g.initializers,
      input: pre ? pre.inputs : xs.map((v, i) => valueInfo(inputNames[i], v.shape.slice(1), ELEM[v.dtype])),
      output: ys.map((v, i) => valueInfo(outputNames[i], v.shape.slice(1), ELEM[v.dtype])),
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The nodes the outputs depend on, in graph order. */
function neededNodes(graph: Graph, ys: GraphValue[]): GraphNode[] {
  const needed = new Set<GraphNode>();
  const stack = [...ys];
  while (stack.length > 0) {
    const node = Graph.producer(stack.pop()!);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    stack.push(...node.inputs);
  }
  return graph.nodes.filter((n) => needed.has(n));
}

/** A graph input or output [batch, ...exampleShape] of float32 (elemType 1) or another ONNX element type (8: string). */
export function valueInfo(name: string, exampleShape: readonly number[], elemType = FLOAT): IValueInfo {
  const dim = [{ dimParam: 'batch' }, ...exampleShape.map((d) => ({ dimValue: d }))];
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export type { IValueInfo, IAttribute };

/** The graph's nodes and initializers as protos, with names chosen by the caller. */
export class GraphBuilder {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private counter = 0;

  node(opType: string, inputs: string[], output: string, name: string, attribute: IAttribute[] = [], domain = ''): string {
    this.nodes.push({ opType, input: inputs, output: [output], name: `${name}/${opType}_${this.counter++}`, attribute, ...(domain ? { domain } : {}) });
    return output;
  }

  constant(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dataType: FLOAT, dims, rawData: littleEndianFloats(values) });
    return name;
  }

  int64(name: string, values: ArrayLike<number>, dims: number[]): string {
    this.initializers.push({ name, dataType: INT64, dims, int64Data: Array.from(values) });
    return name;
  }

  /** An int8 initializer (quantised weights, zero points): raw two's-complement bytes. */
  int8(name: string, values: ArrayLike<number>, dims: number[]): string {
    this.initializers.push({ name, dataType: INT8, dims, rawData: new Uint8Array(Int8Array.from(values).buffer) });
    return name;
  }

  /** A name no node or initializer has yet. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

/** The emitter registry ops' ONNX rules write through: generated names, typed attributes. */
class RegistryEmitter implements OnnxEmitter {
  constructor(private readonly g: GraphBuilder, readonly opset: number) {}

  node(opType: string, inputs: readonly string[], attributes: Record<string, OnnxAttribute> = {}): string {
    const output = this.g.fresh(opType.toLowerCase());
    return this.g.node(opType, [...inputs], output, output, Object.entries(attributes).map(([name, a]) => attributeProto(name, a)));
  }

  initializer(values: Float32Array | Int32Array | Int8Array | number[], shape: readonly number[], dtype: 'float32' | 'int64' | 'int8' = 'float32'): string {
    return this.named(this.g.fresh('const'), values, shape, dtype);
  }

  named(name: string, values: Float32Array | Int32Array | Int8Array | number[], shape: readonly number[], dtype: 'float32' | 'int64' | 'int8' = 'float32'): string {
    if (dtype === 'int8') return this.g.int8(name, values, [...shape]);
    return dtype === 'int64' ? this.g.int64(name, values, [...shape]) : this.g.constant(name, Float32Array.from(values), [...shape]);
  }
}

function attributeProto(name: string, a: OnnxAttribute): IAttribute {
  if ('i' in a) return { name, type: 2, i: a.i };
  if ('f' in a) return { name, type: 1, f: a.f };
  if ('ints' in a) return { name, type: 7, ints: a.ints };
  if ('floats' in a) return { name, type: 6, floats: a.floats };
  return { name, type: 3, s: new TextEncoder().encode(a.s) };
}

function littleEndianFloats(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}
