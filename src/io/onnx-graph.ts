// Builds an ONNX model (opset 13, dynamic batch) from a plain list of layer descriptions, encoded by the ONNX schema.

import onnxProto from 'onnx-proto';
import type { Tensor } from '../tensor/tensor.js';

const { onnx } = onnxProto;
type INode = import('onnx-proto').onnx.INodeProto;
type ITensor = import('onnx-proto').onnx.ITensorProto;
type IValueInfo = import('onnx-proto').onnx.IValueInfoProto;
type IAttribute = import('onnx-proto').onnx.IAttributeProto;

/** Activations the exporter can express in ONNX operators. */
export type OnnxActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax' | 'elu' | 'leakyRelu' | 'gelu' | 'softplus';

/** One step of a sequential model, stripped of everything but what inference needs. */
export type OnnxLayer =
  | { kind: 'dense'; name: string; kernel: Tensor; bias: Tensor | null; activation: OnnxActivation }
  | { kind: 'activation'; name: string; activation: OnnxActivation }
  | { kind: 'identity'; name: string }
  | { kind: 'flatten'; name: string };

export interface OnnxGraphOptions {
  /** Shape of one example, without the batch dimension. */
  inputShape: number[];
  inputName?: string;
  outputName?: string;
  graphName?: string;
  /** Opset of the default domain; 13 or later. */
  opset?: number;
  producerVersion?: string;
  /** Stored as the model's metadata_props (e.g. feature and class names as JSON). */
  metadata?: Record<string, string>;
  /** Nodes before and after the layers (table preprocessing, see onnx-preprocess.ts). */
  hooks?: GraphHooks;
}

/**
 * Extra graph around the layers: `prefix` declares the graph inputs and builds the nodes that feed the first layer;
 * `suffix` maps the last layer's output. Both build through the same GraphBuilder as the layers.
 */
export interface GraphHooks {
  prefix?(b: GraphBuilder): { inputs: IValueInfo[]; output: string };
  suffix?(b: GraphBuilder, x: string, shape: number[]): string;
  /** Operator sets the hooks' nodes use besides the default domain, e.g. { domain: 'ai.onnx.ml', version: 1 }. */
  opsets?: { domain: string; version: number }[];
}

const FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const DEFAULT_ALPHA: Partial<Record<OnnxActivation, number>> = { elu: 1, leakyRelu: 0.2 };

/** Encodes the layers as an ONNX ModelProto; the batch dimension is the symbolic 'batch'. */
export function buildOnnxModel(layers: readonly OnnxLayer[], options: OnnxGraphOptions): Uint8Array {
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13) throw new Error(`exportOnnx: opset must be an integer >= 13, got ${opset}`);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  if (inputName === outputName) throw new Error('exportOnnx: input and output names must differ');
  const b = new GraphBuilder();
  const pre = options.hooks?.prefix?.(b);
  let current = pre ? pre.output : inputName;
  let shape = [...options.inputShape];
  for (const layer of layers) {
    [current, shape] = b.layer(layer, current, shape);
  }
  if (options.hooks?.suffix) current = options.hooks.suffix(b, current, shape);
  // The graph output must be produced by a node under the requested name.
  b.node('Identity', [current], outputName, 'output');
  const graph = {
    name: options.graphName ?? 'glassbox',
    node: b.nodes,
    initializer: b.initializers,
    input: pre ? pre.inputs : [valueInfo(inputName, options.inputShape)],
    output: [valueInfo(outputName, shape)],
  };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'glassbox',
    producerVersion: options.producerVersion ?? '',
    opsetImport: [{ domain: '', version: opset }, ...(options.hooks?.opsets ?? [])],
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A graph input or output [batch, ...exampleShape] of float32 (elemType 1) or another ONNX element type (8: string). */
export function valueInfo(name: string, exampleShape: number[], elemType = FLOAT): IValueInfo {
  const dim = [{ dimParam: 'batch' }, ...exampleShape.map((d) => ({ dimValue: d }))];
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export type { IValueInfo, IAttribute };

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

  layer(layer: OnnxLayer, x: string, shape: number[]): [string, number[]] {
    switch (layer.kind) {
      case 'dense': {
        const [inDim, units] = layer.kernel.shape;
        if (layer.kernel.rank !== 2 || inDim !== shape[shape.length - 1]) {
          throw new Error(`exportOnnx: ${layer.name}: kernel ${JSON.stringify(layer.kernel.shape)} does not fit input [batch, ${shape.join(', ')}]`);
        }
        const w = this.constant(`${layer.name}/kernel`, layer.kernel.values as Float32Array, [inDim, units]);
        let y = this.node('MatMul', [x, w], `${layer.name}/matmul`, layer.name);
        if (layer.bias) {
          const bias = this.constant(`${layer.name}/bias`, layer.bias.values as Float32Array, [units]);
          y = this.node('Add', [y, bias], `${layer.name}/add`, layer.name);
        }
        return [this.activation(layer.activation, y, layer.name), [...shape.slice(0, -1), units]];
      }
      case 'activation':
        return [this.activation(layer.activation, x, layer.name), shape];
      case 'identity':
        return [this.node('Identity', [x], `${layer.name}/out`, layer.name), shape];
      case 'flatten':
        return [
          this.node('Flatten', [x], `${layer.name}/out`, layer.name, [{ name: 'axis', type: ATTR_INT, i: 1 }]),
          [shape.reduce((a, d) => a * d, 1)],
        ];
    }
  }

  activation(act: OnnxActivation, x: string, name: string): string {
    const out = `${name}/${act}`;
    switch (act) {
      case 'linear':
        return x;
      case 'relu':
        return this.node('Relu', [x], out, name);
      case 'sigmoid':
        return this.node('Sigmoid', [x], out, name);
      case 'tanh':
        return this.node('Tanh', [x], out, name);
      case 'softplus':
        return this.node('Softplus', [x], out, name);
      case 'softmax':
        return this.node('Softmax', [x], out, name, [{ name: 'axis', type: ATTR_INT, i: -1 }]);
      case 'elu':
      case 'leakyRelu': {
        const alpha = [{ name: 'alpha', type: ATTR_FLOAT, f: DEFAULT_ALPHA[act] }];
        return this.node(act === 'elu' ? 'Elu' : 'LeakyRelu', [x], out, name, alpha);
      }
      case 'relu6': {
        const lo = this.constant(`${name}/clip_min`, new Float32Array([0]), []);
        const hi = this.constant(`${name}/clip_max`, new Float32Array([6]), []);
        return this.node('Clip', [x, lo, hi], out, name);
      }
      case 'gelu': {
        // Exact GELU: 0.5 * x * (1 + erf(x / sqrt 2)).
        const sqrt2 = this.constant(`${name}/sqrt2`, new Float32Array([Math.SQRT2]), []);
        const one = this.constant(`${name}/one`, new Float32Array([1]), []);
        const half = this.constant(`${name}/half`, new Float32Array([0.5]), []);
        const scaled = this.node('Div', [x, sqrt2], `${name}/gelu_div`, name);
        const erf = this.node('Erf', [scaled], `${name}/gelu_erf`, name);
        const plus = this.node('Add', [erf, one], `${name}/gelu_add`, name);
        const times = this.node('Mul', [x, plus], `${name}/gelu_mul`, name);
        return this.node('Mul', [times, half], out, name);
      }
    }
  }
}

function littleEndianFloats(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}
