// Every op's ONNX mapping, checked in onnxruntime: each case traces a small function of one input
// through the registry ops, exports it, and compares onnxruntime's answer with glassbox's.

import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import '../backend/js/index.js';
import { UNARY_OPS } from '../backend/backend.js';
import { traceGraph } from '../plan/trace.js';
import { graphToOnnx } from './onnx-graph.js';

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return new Tensor(v, shape);
}

async function runOnnx(bytes: Uint8Array, x: Tensor, inputName = 'input', outputName = 'output'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [inputName]: new ort.Tensor('float32', x.values as Float32Array, x.shape) });
  return Float32Array.from(out[outputName].data as ArrayLike<number>);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

const rng = new Rng(7);
const W = randomTensor([6, 4], rng);
const B = randomTensor([4], rng);
const positive = (x: Tensor) => ops.add(ops.abs(x), 0.5);

/** [name, function of x [batch, 6], whether the export keeps the batch dynamic]. */
const cases: [string, (x: Tensor) => Tensor, boolean][] = [
  ...UNARY_OPS.map((fn): [string, (x: Tensor) => Tensor, boolean] => [
    `unary ${fn}`, (x) => ops.runOp('unary', [['log', 'sqrt', 'rsqrt', 'reciprocal'].includes(fn) ? positive(x) : x], { fn, alpha: 0.3 }), true,
  ]),
  ...(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'] as const).map((fn): [string, (x: Tensor) => Tensor, boolean] => [
    `binary ${fn}`, (x) => ops.runOp('binary', [fn === 'pow' ? positive(x) : x, ops.tensor([[1.5, -2, 0.5, 3, -1, 2]])], { fn }), true,
  ]),
  ...(['equal', 'less', 'greaterEqual', 'notEqual'] as const).map((fn): [string, (x: Tensor) => Tensor, boolean] => [
    `comparison ${fn} + cast`, (x) => ops.cast(ops.runOp('binary', [ops.floor(x), ops.tensor([0])], { fn }), 'float32'), true,
  ]),
  ['select', (x) => ops.where(ops.greater(x, 0), x, ops.mul(x, -3)), true],
  ['matMul', (x) => ops.matMul(x, W), true],
  ['matMul transposed', (x) => ops.matMul(x, ops.transpose(W), false, true), true],
  ...(['linear', 'relu', 'sigmoid', 'tanh'] as const).map((act): [string, (x: Tensor) => Tensor, boolean] => [`linear ${act}`, (x) => ops.linear(x, W, B, act), true]),
  ['reduce sum keepDims', (x) => ops.sum(x, 1, true), true],
  ['reduce max', (x) => ops.max(x, 1), true],
  ['reduce min', (x) => ops.min(x, -1, true), true],
  ['reduce prod', (x) => ops.prod(x, 1), true],
  ['argMax + cast', (x) => ops.cast(ops.argMax(x, 1), 'float32'), true],
  ['reshape and transpose', (x) => ops.transpose(ops.reshape(x, [-1, 2, 3]), [0, 2, 1]), true],
  ['pad', (x) => ops.pad(x, [[0, 0], [2, 1]], 0.5), true],
  ['concat', (x) => ops.concat([x, ops.square(x)], 1), true],
  ['gather', (x) => ops.gather(x, ops.tensor([4, 0, 4], undefined, 'int32'), 1), true],
  ['softmax', (x) => ops.softmax(x), true],
  ['logSoftmax', (x) => ops.logSoftmax(x), true],
  ['slice (batch fixed)', (x) => ops.slice(x, [0, 1], [2, 3]), false],
  ['broadcastTo (batch fixed)', (x) => ops.broadcastTo(ops.reshape(x, [2, 1, 6]), [2, 3, 6]), false],
];

describe('graphToOnnx', () => {
  it.each(cases)('%s matches glassbox in onnxruntime', async (_name, f, dynamic) => {
    const t = traceGraph([{ name: 'x', sample: randomTensor([2, 6], rng) }], ([x]) => ({ y: f(x) }));
    const bytes = graphToOnnx(t.graph, t.inputs[0], t.outputs.y);
    for (const batch of dynamic ? [2, 5] : [2]) {
      const x = randomTensor([batch, 6], rng, 2);
      expect(maxDiff(await runOnnx(bytes, x), f(x).values)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('names the input and output, stores metadata, and refuses opsets below 13 and ops without a mapping', async () => {
    const t = traceGraph([{ name: 'x', sample: randomTensor([2, 6], rng) }], ([x]) => ({ y: ops.softmax(ops.matMul(x, W)) }));
    const bytes = graphToOnnx(t.graph, t.inputs[0], t.outputs.y, { inputName: 'pixels', outputName: 'probs', metadata: { classNames: '["a"]' } });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['pixels']);
    expect(session.outputNames).toEqual(['probs']);
    expect(() => graphToOnnx(t.graph, t.inputs[0], t.outputs.y, { opset: 11 })).toThrow(/opset/);
    const u = traceGraph([{ name: 'x', sample: randomTensor([2, 6], rng) }], ([x]) => ({ y: ops.mul(x, ops.dropoutMask([2, 6], 0.5, new Rng(1))) }));
    expect(() => graphToOnnx(u.graph, u.inputs[0], u.outputs.y)).toThrow(/dropoutMask' has no ONNX mapping/);
  });
});
