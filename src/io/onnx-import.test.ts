// ONNX import on graphs written here node by node (no PyTorch needed): each is run by onnxruntime and by the
// imported glassbox model on the same input; and every kind of refusal names the file, the node and the op.

import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import '../backend/js/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { onnxToModel } from './onnx-import.js';
import { toOnnx } from './onnx-export.js';

const { onnx } = onnxProto;

type Attr = number | number[] | string | { floats: number[] } | { f: number };
interface NodeSpec { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr>; name?: string; domain?: string }
interface GraphSpec {
  input: number[];
  inputType?: number;
  outputs?: string[];
  nodes: NodeSpec[];
  floats?: Record<string, { dims: number[]; values?: number[] }>;
  ints?: Record<string, number[]>;
  opset?: number;
  dynamicBatch?: boolean;
}

const rng = new Rng(5);
const random = (n: number) => Array.from({ length: n }, () => rng.uniform(-1, 1));

function attribute(name: string, v: Attr): import('onnx-proto').onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if (typeof v === 'object' && 'floats' in v) return { name, type: 6, floats: v.floats };
  if (typeof v === 'object') return { name, type: 1, f: v.f };
  return { name, type: 2, i: v };
}

/** An ONNX model from a compact spec: input 'x' [batch, ...input], output(s) 'y' by default. */
function build(spec: GraphSpec): Uint8Array {
  const floats = Object.entries(spec.floats ?? {}).map(([name, { dims, values }]) => ({
    name, dataType: 1, dims, floatData: values ?? random(dims.reduce((a, b) => a * b, 1)),
  }));
  const ints = Object.entries(spec.ints ?? {}).map(([name, values]) => ({ name, dataType: 7, dims: [values.length], int64Data: values }));
  const dim = (d: number) => ({ dimValue: d });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({ opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `n${i}`, domain: n.domain, attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)) })),
      initializer: [...floats, ...ints],
      input: [{ name: 'x', type: { tensorType: { elemType: spec.inputType ?? 1, shape: { dim: [spec.dynamicBatch === false ? dim(3) : { dimParam: 'batch' }, ...spec.input.map(dim)] } } } }],
      output: (spec.outputs ?? ['y']).map((name) => ({ name, type: { tensorType: { elemType: 1 } } })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** onnxruntime and glassbox on 3 random rows (or the given input); returns the largest difference. */
async function agree(spec: GraphSpec, x?: Tensor): Promise<number> {
  const bytes = build(spec);
  const input = x ?? new Tensor(Float32Array.from(random(3 * spec.input.reduce((a, b) => a * b, 1))), [3, ...spec.input]);
  const session = await ort.InferenceSession.create(bytes);
  const feed = input.dtype === 'int32'
    ? new ort.Tensor('int64', BigInt64Array.from(Array.from(input.values, (v) => BigInt(v))), input.shape)
    : new ort.Tensor('float32', Float32Array.from(input.values), input.shape);
  const want = (await session.run({ x: feed })).y.data as Float32Array;
  const got = (onnxToModel(bytes, 'test.onnx').predict(input) as Tensor).values;
  expect(got.length).toBe(want.length);
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d;
}

describe('ONNX operators agree with onnxruntime', () => {
  it('Transpose, Unsqueeze, Squeeze, Reshape with 0 and -1, Flatten at axis 2', async () => {
    expect(await agree({
      input: [2, 3, 4],
      ints: { ax: [1], sh: [0, 0, -1] },
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Unsqueeze', inputs: ['t', 'ax'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'ax'], outputs: ['s'] },
        { op: 'Reshape', inputs: ['s', 'sh'], outputs: ['r'] },
        { op: 'Flatten', inputs: ['r'], outputs: ['y'], attrs: { axis: 2 } },
      ],
    })).toBeLessThan(1e-6);
  });

  it('MatMul + Add (one dense layer), Div and Sub by constants, Pow, Clip to [-0.5, 0.3], ReduceMean', async () => {
    expect(await agree({
      input: [4, 5],
      floats: { w: { dims: [5, 3] }, b: { dims: [3] }, d: { dims: [1, 3], values: [2, -4, 0.5] }, e: { dims: [], values: [0.25] } },
      ints: { two: [2] },
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['lo'], attrs: { value_float: { f: -0.5 } } },
        { op: 'Constant', inputs: [], outputs: ['hi'], attrs: { value_float: { f: 0.3 } } },
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'b'], outputs: ['a'] },
        { op: 'Div', inputs: ['a', 'd'], outputs: ['q'] },
        { op: 'Sub', inputs: ['e', 'q'], outputs: ['s'] },
        { op: 'Clip', inputs: ['s', 'lo', 'hi'], outputs: ['c'] },
        { op: 'ReduceMean', inputs: ['c'], outputs: ['y'], attrs: { axes: [1], keepdims: 0 } },
      ],
    })).toBeLessThan(1e-6);
  });

  it('Slice, Pad with a value, Concat of two branches, Softmax over axis 1 of an image, Gather of channels', async () => {
    expect(await agree({
      input: [3, 4, 5],
      ints: { st: [1], en: [4], axes: [3], pads: [0, 0, 1, 0, 0, 0, 0, 2], idx: [2, 0] },
      floats: { v: { dims: [], values: [-1.5] } },
      nodes: [
        { op: 'Slice', inputs: ['x', 'st', 'en', 'axes'], outputs: ['s'] },
        { op: 'Pad', inputs: ['s', 'pads', 'v'], outputs: ['p'] },
        { op: 'Relu', inputs: ['p'], outputs: ['r'] },
        { op: 'Concat', inputs: ['p', 'r'], outputs: ['c'], attrs: { axis: 1 } },
        { op: 'Softmax', inputs: ['c'], outputs: ['sm'], attrs: { axis: 1 } },
        { op: 'Gather', inputs: ['sm', 'idx'], outputs: ['y'], attrs: { axis: 1 } },
      ],
    })).toBeLessThan(1e-6);
  });

  it('Conv with dilation and uneven pads, Conv with SAME_UPPER strides, ceil-mode max pooling with pads, LayerNormalization, LeakyRelu default slope', async () => {
    expect(await agree({
      input: [2, 7, 6],
      floats: { w: { dims: [3, 2, 3, 2] }, w2: { dims: [3, 3, 2, 2] }, g: { dims: [3] }, b: { dims: [3] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c0'], attrs: { dilations: [2, 1], pads: [2, 0, 1, 1], kernel_shape: [3, 2] } },
        { op: 'Conv', inputs: ['c0', 'w2'], outputs: ['c'], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 1], kernel_shape: [2, 2] } },
        { op: 'MaxPool', inputs: ['c'], outputs: ['m'], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 0], ceil_mode: 1 } },
        { op: 'Transpose', inputs: ['m'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'LayerNormalization', inputs: ['t', 'g', 'b'], outputs: ['l'], attrs: { epsilon: { f: 1e-3 } } },
        { op: 'LeakyRelu', inputs: ['l'], outputs: ['y'] },
      ],
      opset: 17,
    })).toBeLessThan(1e-5);
  });

  it('channels-last inside: per-channel constants, PRelu slopes, Concat along a spatial axis, then a Transpose back', async () => {
    expect(await agree({
      input: [2, 5, 4],
      floats: { w: { dims: [3, 2, 3, 3] }, bias: { dims: [3, 1, 1] }, scale: { dims: [1, 3, 1, 1] }, slope: { dims: [3, 1, 1] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: 'Add', inputs: ['c', 'bias'], outputs: ['a'] },
        { op: 'Mul', inputs: ['scale', 'a'], outputs: ['m'] },
        { op: 'PRelu', inputs: ['m', 'slope'], outputs: ['p'] },
        { op: 'Concat', inputs: ['p', 'c'], outputs: ['j'], attrs: { axis: 2 } },
        { op: 'MaxPool', inputs: ['j'], outputs: ['q'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'Transpose', inputs: ['q'], outputs: ['y'], attrs: { perm: [0, 3, 1, 2] } },
      ],
    })).toBeLessThan(1e-5);
  });

  it('Gather of a weight table by integer inputs is an embedding', async () => {
    const ids = new Tensor(Int32Array.from([0, 4, 2, 2, 1, 3]), [3, 2], 'int32');
    expect(await agree({ input: [2], inputType: 7, floats: { table: { dims: [5, 3] } }, nodes: [{ op: 'Gather', inputs: ['table', 'x'], outputs: ['y'] }] }, ids)).toBeLessThan(1e-7);
  });

  it('opset 11 Softmax flattens the axes from `axis` on; a fixed exported batch of 3 still takes any batch', async () => {
    expect(await agree({ input: [2, 3], opset: 11, nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }] })).toBeLessThan(1e-7);
    const fixed = onnxToModel(build({ input: [4], dynamicBatch: false, ints: { s: [3, 2, 2] }, nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }] }));
    expect((fixed.predict(new Tensor(new Float32Array(20), [5, 4])) as Tensor).shape).toEqual([5, 2, 2]);
  });

  it('Erf on its own, Gelu (opset 20), Exp, Neg, Sqrt, and Pow by a constant', async () => {
    expect(await agree({
      input: [6],
      floats: { two: { dims: [], values: [2] } },
      nodes: [
        { op: 'Erf', inputs: ['x'], outputs: ['e'] },
        { op: 'Gelu', inputs: ['e'], outputs: ['g'] },
        { op: 'Exp', inputs: ['g'], outputs: ['x1'] },
        { op: 'Neg', inputs: ['x1'], outputs: ['n'] },
        { op: 'Pow', inputs: ['n', 'two'], outputs: ['p'] },
        { op: 'Sqrt', inputs: ['p'], outputs: ['y'] },
      ],
      opset: 20,
    })).toBeLessThan(1e-6);
  });

  it('a graph of two inputs: both computed operands of Sub, Div, Max and MatMul', async () => {
    const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'two',
        node: [
          { opType: 'Sub', input: ['a', 'b'], output: ['s'], name: 'sub' },
          { opType: 'Div', input: ['s', 'b'], output: ['d'], name: 'div' },
          { opType: 'Max', input: ['d', 'a'], output: ['m'], name: 'max' },
          { opType: 'Unsqueeze', input: ['m', 'one'], output: ['u'], name: 'col' },
          { opType: 'Unsqueeze', input: ['a', 'two'], output: ['v'], name: 'row' },
          { opType: 'MatMul', input: ['u', 'v'], output: ['y'], name: 'outer' },
        ],
        initializer: [{ name: 'one', dataType: 7, dims: [1], int64Data: [2] }, { name: 'two', dataType: 7, dims: [1], int64Data: [1] }],
        input: ['a', 'b'].map((name) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 3 }] } } } })),
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    })).finish();
    const [a, b] = [random(6), random(6).map((v) => v + 2)];
    const session = await ort.InferenceSession.create(bytes);
    const feeds = { a: new ort.Tensor('float32', Float32Array.from(a), [2, 3]), b: new ort.Tensor('float32', Float32Array.from(b), [2, 3]) };
    const want = (await session.run(feeds)).y.data as Float32Array;
    const model = onnxToModel(bytes);
    expect(model.inputNames).toEqual(['a', 'b']);
    const got = (model.predict([new Tensor(Float32Array.from(a), [2, 3]), new Tensor(Float32Array.from(b), [2, 3])]) as Tensor).values;
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    expect(d).toBeLessThan(1e-6);
  });

  it('an imported graph exports back to ONNX with its names', async () => {
    const bytes = build({ input: [3], floats: { w: { dims: [3, 2] } }, nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] });
    const again = await ort.InferenceSession.create(toOnnx(onnxToModel(bytes)));
    expect(again.inputNames).toEqual(['x']);
    expect(again.outputNames).toEqual(['y']);
  });
});

describe('ONNX import refuses what it cannot do with one message naming the node and the op', () => {
  const fails = (spec: GraphSpec | Uint8Array) => () => onnxToModel(spec instanceof Uint8Array ? spec : build(spec), 'm.onnx');

  it('unsupported operators and domains', () => {
    expect(fails({ input: [3], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Hardmax', inputs: ['r'], outputs: ['y'], name: 'head' }] }))
      .toThrow(/^m\.onnx: node 'head' \(Hardmax\): operator Hardmax is not supported by glassbox's ONNX import \(supported: .*Conv.*\)$/);
    expect(fails({ input: [3], nodes: [{ op: 'TreeEnsembleRegressor', inputs: ['x'], outputs: ['y'], domain: 'ai.onnx.ml' }] }))
      .toThrow(/node 'n0' \(TreeEnsembleRegressor\): operators of domain 'ai.onnx.ml' are not supported/);
    expect(fails({ input: [4, 4, 4], floats: { w: { dims: [4, 2, 1, 1] } }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: 2, kernel_shape: [1, 1] } }] }))
      .toThrow(/node 'n0' \(Conv\): grouped convolution with group 2 \(neither 1 nor the 4 input channels\) is not supported/);
  });

  it('malformed graphs, external data, opsets out of range, dynamic sizes, a batch axis that moves', () => {
    expect(fails({ input: [3], nodes: [{ op: 'Relu', inputs: ['ghost'], outputs: ['y'] }] }))
      .toThrow(/node 'n0' \(Relu\): reads 'ghost', which no earlier node, graph input or initializer makes; the graph is malformed/);
    const external = onnx.ModelProto.decode(build({ input: [3], floats: { w: { dims: [3, 2] } }, nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] }));
    external.graph!.initializer![0] = { name: 'w', dataType: 1, dims: [3, 2], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] };
    expect(fails(onnx.ModelProto.encode(external).finish())).toThrow(/initializer 'w' is stored in an external data file; glassbox reads self-contained \.onnx files only/);
    expect(fails({ input: [3], opset: 9, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })).toThrow(/ONNX opset 9 is not supported; glassbox imports opsets 11 to 20/);
    expect(fails({ input: [3, 2], ints: { s: [6, -1] }, nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }] }))
      .toThrow(/node 'n0' \(Reshape\): reshapes to \[6, -1\], which changes the batch axis/);
    expect(fails({ input: [3, 2], nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm: [1, 0, 2] } }] })).toThrow(/moves the batch axis/);
    expect(fails(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/^m\.onnx: not a valid ONNX file/);
    const dynamic = onnx.ModelProto.decode(build({ input: [3], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }));
    dynamic.graph!.input![0].type!.tensorType!.shape!.dim![1] = { dimParam: 'features' };
    expect(fails(onnx.ModelProto.encode(dynamic).finish())).toThrow(/graph input 'x' has a dynamic size "features" at axis 1; glassbox needs every size but the batch/);
    expect(fails({ input: [3], floats: { w: { dims: [3], values: [1, 2, 3] } }, nodes: [{ op: 'Relu', inputs: ['w'], outputs: ['y'] }] }))
      .toThrow(/graph output 'y' is a constant that does not depend on the inputs/);
  });
});
