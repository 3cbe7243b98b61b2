// The generic layer test (Keras run_layer_test style) run on every layer type, plus Dropout's statistics.

import { describe, expect, it } from 'vitest';
import * as gb from '../index.js';
import { Layer, type LayerShape } from './layer.js';
import { Dense } from './dense.js';
import { Dropout } from './simple-layers.js';
import { deserializeLayer, registeredLayers } from './registry.js';
import { Rng } from '../util/random.js';
import { gradientsOf } from '../autograd/grad.js';
import { checkGradients, checkVariableGradients, randomTensor } from '../../test/gradcheck.js';
import { expectClose } from '../../test/training/helpers.js';
import * as ort from 'onnxruntime-node';

interface LayerCase {
  name: string;
  make: () => Layer;
  inputShape: LayerShape;
  /** Written out by hand, not derived from computeOutputShape. */
  outputShape: LayerShape;
  weightShapes: number[][];
  /** Finite-difference step; small for relu / max pooling so no value crosses a kink or a tie. */
  gradStep?: number;
  /** Trainable weights when not all are (batch normalisation's moving statistics are not). */
  trainable?: number;
  /** Inputs other than uniform floats (embedding ids). */
  input?: () => gb.Tensor;
  /** Merge layers: the shapes of their several inputs (inputShape is then the first). */
  inputShapes?: LayerShape[];
  /** Inference-only (the int8 layers of compress/): no training step or gradient checks. */
  frozen?: boolean;
}

/** An int8 layer built on `inputShape` with seeded random int8 weights, scales and bias (as quantizeModel leaves them). */
function quantized<L extends Layer>(layer: L, inputShape: number[]): L {
  layer.build(inputShape);
  const rng = new Rng(4);
  layer.setWeights(layer.weights.map((w, i) => (i === 0
    ? new gb.Tensor(Int8Array.from({ length: w.size }, () => rng.int(255) - 127), w.shape, 'int8')
    : new gb.Tensor(Float32Array.from({ length: w.size }, () => (i === 1 ? 0.01 + 0.02 * rng.next() : rng.normal())), w.shape))));
  return layer;
}

/** A merge layer's case: two or three inputs of these shapes. */
const merge = (name: string, make: () => Layer, inputShapes: LayerShape[], outputShape: LayerShape, gradStep?: number): LayerCase =>
  ({ name, make, inputShape: inputShapes[0], inputShapes, outputShape, weightShapes: [], gradStep });

const CASES: LayerCase[] = [
  { name: 'Dense tanh', make: () => gb.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] }), inputShape: [4], outputShape: [3], weightShapes: [[4, 3], [3]] },
  { name: 'Dense sigmoid, no bias, l2', make: () => gb.layers.dense({ units: 2, activation: 'sigmoid', useBias: false, kernelRegularizer: { l2: 0.1 }, inputShape: [5] }), inputShape: [5], outputShape: [2], weightShapes: [[5, 2]] },
  { name: 'Dense softmax', make: () => gb.layers.dense({ units: 4, activation: 'softmax', inputShape: [3] }), inputShape: [3], outputShape: [4], weightShapes: [[3, 4], [4]] },
  { name: 'Dense gelu on rank-3 input', make: () => gb.layers.dense({ units: 3, activation: 'gelu', inputShape: [2, 4] }), inputShape: [2, 4], outputShape: [2, 3], weightShapes: [[4, 3], [3]] },
  { name: 'Dense relu', make: () => gb.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), inputShape: [3], outputShape: [6], weightShapes: [[3, 6], [6]], gradStep: 1e-3 },
  { name: 'Activation softplus', make: () => gb.layers.activation({ activation: 'softplus', inputShape: [5] }), inputShape: [5], outputShape: [5], weightShapes: [] },
  { name: 'Activation softmax', make: () => gb.layers.activation({ activation: 'softmax', inputShape: [4] }), inputShape: [4], outputShape: [4], weightShapes: [] },
  { name: 'Activation elu', make: () => gb.layers.activation({ activation: 'elu', inputShape: [2, 3] }), inputShape: [2, 3], outputShape: [2, 3], weightShapes: [] },
  { name: 'Dropout', make: () => gb.layers.dropout({ rate: 0.25, inputShape: [6] }), inputShape: [6], outputShape: [6], weightShapes: [] },
  { name: 'Flatten', make: () => gb.layers.flatten({ inputShape: [2, 3, 2] }), inputShape: [2, 3, 2], outputShape: [12], weightShapes: [] },
  { name: 'Conv2D same, strides 2, tanh', make: () => gb.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', inputShape: [5, 6, 2] }), inputShape: [5, 6, 2], outputShape: [3, 3, 3], weightShapes: [[3, 3, 2, 3], [3]] },
  { name: 'Conv2D valid, dilation 2, relu, no bias', make: () => gb.layers.conv2d({ filters: 2, kernelSize: [2, 3], dilationRate: 2, activation: 'relu', useBias: false, inputShape: [6, 7, 3] }), inputShape: [6, 7, 3], outputShape: [4, 3, 2], weightShapes: [[2, 3, 3, 2]], gradStep: 1e-3 },
  { name: 'Conv2D sigmoid, l2 kernel', make: () => gb.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid', kernelRegularizer: { l2: 0.01 }, inputShape: [3, 3, 5] }), inputShape: [3, 3, 5], outputShape: [3, 3, 4], weightShapes: [[1, 1, 5, 4], [4]] },
  { name: 'Conv1D causal', make: () => gb.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', inputShape: [7, 2] }), inputShape: [7, 2], outputShape: [7, 3], weightShapes: [[3, 2, 3], [3]] },
  { name: 'DepthwiseConv2D multiplier 2', make: () => gb.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [4, 5, 3] }), inputShape: [4, 5, 3], outputShape: [4, 5, 6], weightShapes: [[3, 3, 3, 2], [6]] },
  { name: 'SeparableConv2D tanh', make: () => gb.layers.separableConv2d({ filters: 4, kernelSize: 2, activation: 'tanh', inputShape: [5, 4, 3] }), inputShape: [5, 4, 3], outputShape: [4, 3, 4], weightShapes: [[2, 2, 3, 1], [1, 1, 3, 4], [4]] },
  { name: 'MaxPooling2D', make: () => gb.layers.maxPooling2d({ poolSize: 2, inputShape: [5, 4, 3] }), inputShape: [5, 4, 3], outputShape: [2, 2, 3], weightShapes: [], gradStep: 1e-3 },
  { name: 'MaxPooling1D same', make: () => gb.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [7, 2] }), inputShape: [7, 2], outputShape: [4, 2], weightShapes: [], gradStep: 1e-3 },
  { name: 'AveragePooling2D same', make: () => gb.layers.averagePooling2d({ poolSize: [2, 3], strides: 2, padding: 'same', inputShape: [5, 5, 2] }), inputShape: [5, 5, 2], outputShape: [3, 3, 2], weightShapes: [] },
  { name: 'AveragePooling1D', make: () => gb.layers.averagePooling1d({ poolSize: 2, inputShape: [6, 3] }), inputShape: [6, 3], outputShape: [3, 3], weightShapes: [] },
  { name: 'GlobalAveragePooling2D', make: () => gb.layers.globalAveragePooling2d({ inputShape: [3, 4, 5] }), inputShape: [3, 4, 5], outputShape: [5], weightShapes: [] },
  { name: 'GlobalMaxPooling2D', make: () => gb.layers.globalMaxPooling2d({ inputShape: [3, 2, 4] }), inputShape: [3, 2, 4], outputShape: [4], weightShapes: [], gradStep: 1e-3 },
  { name: 'GlobalAveragePooling1D', make: () => gb.layers.globalAveragePooling1d({ inputShape: [5, 3] }), inputShape: [5, 3], outputShape: [3], weightShapes: [] },
  { name: 'GlobalMaxPooling1D', make: () => gb.layers.globalMaxPooling1d({ inputShape: [5, 3] }), inputShape: [5, 3], outputShape: [3], weightShapes: [], gradStep: 1e-3 },
  { name: 'BatchNormalization on images', make: () => gb.layers.batchNormalization({ inputShape: [3, 2, 4] }), inputShape: [3, 2, 4], outputShape: [3, 2, 4], weightShapes: [[4], [4], [4], [4]], trainable: 2 },
  { name: 'BatchNormalization on features', make: () => gb.layers.batchNormalization({ momentum: 0.9, center: false, inputShape: [5] }), inputShape: [5], outputShape: [5], weightShapes: [[5], [5], [5]], trainable: 1 },
  { name: 'LayerNormalization', make: () => gb.layers.layerNormalization({ inputShape: [2, 6] }), inputShape: [2, 6], outputShape: [2, 6], weightShapes: [[6], [6]] },
  { name: 'Reshape with -1', make: () => gb.layers.reshape({ targetShape: [-1, 2], inputShape: [3, 4] }), inputShape: [3, 4], outputShape: [6, 2], weightShapes: [] },
  { name: 'ZeroPadding2D', make: () => gb.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], inputShape: [2, 3, 2] }), inputShape: [2, 3, 2], outputShape: [3, 6, 2], weightShapes: [] },
  {
    name: 'Embedding', make: () => gb.layers.embedding({ inputDim: 7, outputDim: 3, inputLength: 4 }), inputShape: [4], outputShape: [4, 3], weightShapes: [[7, 3]],
    input: () => gb.tensor2d([[0, 6, 2, 2], [1, 1, 5, 0], [3, 4, 6, 6]], undefined, 'int32'),
  },
  { name: 'Conv2D channels-first, explicit padding', make: () => gb.layers.conv2d({ filters: 3, kernelSize: 3, strides: [2, 1], padding: [[1, 1], [0, 2]], dataFormat: 'channelsFirst', inputShape: [2, 5, 4] }), inputShape: [2, 5, 4], outputShape: [3, 3, 4], weightShapes: [[3, 3, 2, 3], [3]] },
  { name: 'Conv1D channels-first', make: () => gb.layers.conv1d({ filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', inputShape: [3, 6] }), inputShape: [3, 6], outputShape: [2, 5], weightShapes: [[2, 3, 2], [2]] },
  { name: 'DepthwiseConv2D channels-first', make: () => gb.layers.depthwiseConv2d({ kernelSize: 2, dataFormat: 'channelsFirst', inputShape: [3, 4, 4] }), inputShape: [3, 4, 4], outputShape: [3, 3, 3], weightShapes: [[2, 2, 3, 1], [3]] },
  { name: 'MaxPooling2D channels-first, explicit padding', make: () => gb.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: [[1, 1], [1, 1]], dataFormat: 'channelsFirst', inputShape: [2, 5, 4] }), inputShape: [2, 5, 4], outputShape: [2, 3, 2], weightShapes: [], gradStep: 1e-3 },
  { name: 'AveragePooling1D channels-first', make: () => gb.layers.averagePooling1d({ poolSize: 2, dataFormat: 'channelsFirst', inputShape: [3, 6] }), inputShape: [3, 6], outputShape: [3, 3], weightShapes: [] },
  { name: 'GlobalAveragePooling2D channels-first, keepDims', make: () => gb.layers.globalAveragePooling2d({ dataFormat: 'channelsFirst', keepDims: true, inputShape: [4, 3, 2] }), inputShape: [4, 3, 2], outputShape: [4, 1, 1], weightShapes: [] },
  { name: 'BatchNormalization on axis 1 (channels-first)', make: () => gb.layers.batchNormalization({ axis: 1, inputShape: [3, 2, 4] }), inputShape: [3, 2, 4], outputShape: [3, 2, 4], weightShapes: [[3], [3], [3], [3]], trainable: 2 },
  { name: 'ZeroPadding2D channels-first', make: () => gb.layers.zeroPadding2d({ padding: [1, 2], dataFormat: 'channelsFirst', inputShape: [2, 2, 3] }), inputShape: [2, 2, 3], outputShape: [2, 4, 7], weightShapes: [] },
  { name: 'Flatten channels-first', make: () => gb.layers.flatten({ dataFormat: 'channelsFirst', inputShape: [2, 3, 2] }), inputShape: [2, 3, 2], outputShape: [12], weightShapes: [] },
  { name: 'LeakyReLU alpha 0.1', make: () => gb.layers.leakyReLU({ alpha: 0.1, inputShape: [7] }), inputShape: [7], outputShape: [7], weightShapes: [], gradStep: 1e-3 },
  { name: 'ELU alpha 0.5', make: () => gb.layers.elu({ alpha: 0.5, inputShape: [7] }), inputShape: [7], outputShape: [7], weightShapes: [], gradStep: 1e-3 },
  { name: 'ReLU maxValue 0.5', make: () => gb.layers.reLU({ maxValue: 0.5, inputShape: [7] }), inputShape: [7], outputShape: [7], weightShapes: [], gradStep: 1e-3 },
  { name: 'ThresholdedReLU', make: () => gb.layers.thresholdedReLU({ theta: 0.2, inputShape: [7] }), inputShape: [7], outputShape: [7], weightShapes: [], gradStep: 1e-3 },
  { name: 'Softmax on axis 1', make: () => gb.layers.softmax({ axis: 1, inputShape: [3, 2] }), inputShape: [3, 2], outputShape: [3, 2], weightShapes: [] },
  { name: 'PReLU shared over axis 2', make: () => gb.layers.prelu({ sharedAxes: [2], alphaInitializer: { className: 'randomUniform', config: { minval: 0.1, maxval: 0.3 } }, inputShape: [3, 4] }), inputShape: [3, 4], outputShape: [3, 4], weightShapes: [[3, 1]], gradStep: 1e-3 },
  { name: 'Permute', make: () => gb.layers.permute({ dims: [3, 1, 2], inputShape: [2, 3, 4] }), inputShape: [2, 3, 4], outputShape: [4, 2, 3], weightShapes: [] },
  { name: 'Op: add a bias weight', make: () => gb.layers.opLayer({ op: 'binary', attrs: { fn: 'add' }, operands: ['x0', 'w0'], weightShapes: [[3, 1]], inputShape: [3, 2] }), inputShape: [3, 2], outputShape: [3, 2], weightShapes: [[3, 1]] },
  { name: 'Op: pad per example', make: () => gb.layers.opLayer({ op: 'pad', attrs: { paddings: [[1, 0], [0, 2]], value: 0 }, operands: ['x0'], inputShape: [2, 3] }), inputShape: [2, 3], outputShape: [3, 5], weightShapes: [] },
  { name: 'Op: gather with constant indices', make: () => gb.layers.opLayer({ op: 'gather', attrs: { axis: 1 }, operands: ['x0', 'c0'], constants: [{ shape: [3], values: [2, 0, 2], dtype: 'int32' }], inputShape: [2, 3] }), inputShape: [2, 3], outputShape: [2, 3], weightShapes: [] },
  merge('Op: matMul of two inputs', () => gb.layers.opLayer({ op: 'matMul', attrs: { transA: false, transB: true }, operands: ['x0', 'x1'] }), [[2, 3], [4, 3]], [2, 4]),
  { name: 'Op: erf', make: () => gb.layers.opLayer({ op: 'erf', attrs: {}, operands: ['x0'], inputShape: [5] }), inputShape: [5], outputShape: [5], weightShapes: [] },
  { name: 'InputLayer', make: () => gb.layers.inputLayer({ inputShape: [2, 3] }), inputShape: [2, 3], outputShape: [2, 3], weightShapes: [] },
  merge('Add of three', () => gb.layers.add(), [[2, 3], [2, 3], [2, 3]], [2, 3]),
  merge('Subtract', () => gb.layers.subtract(), [[4], [4]], [4]),
  merge('Multiply, broadcast', () => gb.layers.multiply(), [[2, 3], [1, 3]], [2, 3]),
  merge('Average', () => gb.layers.average(), [[5], [5]], [5]),
  merge('Maximum', () => gb.layers.maximum(), [[6], [6]], [6], 1e-3),
  merge('Minimum', () => gb.layers.minimum(), [[6], [6]], [6], 1e-3),
  merge('Concatenate on the last axis', () => gb.layers.concatenate(), [[2, 3], [2, 1]], [2, 4]),
  merge('Concatenate on axis 1', () => gb.layers.concatenate({ axis: 1 }), [[2, 3], [1, 3]], [3, 3]),
  merge('Dot of vectors, normalised', () => gb.layers.dot({ axes: 1, normalize: true }), [[4], [4]], [1]),
  merge('Dot of matrices', () => gb.layers.dot({ axes: [2, 1] }), [[2, 3], [3, 4]], [2, 4]),
  {
    name: 'QuantizedDense relu', frozen: true, inputShape: [5], outputShape: [3], weightShapes: [[3, 5], [3], [3]], trainable: 0,
    make: () => quantized(new gb.compress.QuantizedDense({ units: 3, activation: 'relu', inputScale: 0.02, inputZeroPoint: 60, inputShape: [5] }), [5]),
  },
  {
    name: 'QuantizedConv2D same, tanh', frozen: true, inputShape: [4, 5, 2], outputShape: [4, 5, 3], weightShapes: [[3, 3, 3, 2], [3], [3]], trainable: 0,
    make: () => quantized(new gb.compress.QuantizedConv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', inputScale: 0.03, inputZeroPoint: 40, inputShape: [4, 5, 2] }), [4, 5, 2]),
  },
];

const BATCH = 3;

/** The layer's input for `rows` rows: one tensor, or a list for a merge layer. */
function inputsFor(c: LayerCase, rows: number, seed: number): gb.Tensor | gb.Tensor[] {
  if (c.input) return c.input();
  return c.inputShapes ? c.inputShapes.map((s, i) => randomTensor([rows, ...s], seed + i)) : randomTensor([rows, ...c.inputShape], seed);
}
const list = (x: gb.Tensor | gb.Tensor[]) => (Array.isArray(x) ? x : [x]);

describe.each(CASES)('generic layer test: $name', (c) => {
  const input = () => inputsFor(c, BATCH, 5) as gb.Tensor;

  it('output shape matches computeOutputShape and the expected shape', () => {
    const layer = c.make();
    const y = layer.apply(input());
    expect(layer.outputShapeFor(c.inputShapes ?? [c.inputShape])).toEqual(c.outputShape);
    expect(y.shape).toEqual([BATCH, ...c.outputShape]);
    expect(Array.from(y.values).every(Number.isFinite)).toBe(true);
  });

  it('has the expected weights', () => {
    const layer = c.make();
    layer.apply(input());
    expect(layer.weights.map((w) => w.shape)).toEqual(c.weightShapes);
    expect(layer.getWeights().map((w) => w.shape)).toEqual(c.weightShapes);
    expect(layer.countParams()).toBe(c.weightShapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0));
    expect(layer.trainableWeights.length).toBe(c.trainable ?? c.weightShapes.length);
  });

  it('getConfig -> deserializeLayer round-trips the config and, with the same weights, the outputs', () => {
    const layer = c.make();
    const x = input();
    const y = layer.apply(x);
    const json = JSON.parse(JSON.stringify(layer.serialize()));
    const clone = deserializeLayer(json);
    expect(clone.className).toBe(layer.className);
    expect(clone.getConfig()).toEqual(layer.getConfig());
    clone.apply(x); // builds
    clone.setWeights(layer.getWeights());
    expectClose(clone.apply(x), Array.from(y.values), 1e-6);
  });

  // int8 layers are frozen (rounding has no useful gradient): the training tests below are for the others;
  // compress/quantize.test.ts covers the frozen ones.
  if (!c.frozen) it('a training step changes every trainable weight and lowers a loss', () => {
    const layer = c.make();
    const x = input();
    layer.apply(x);
    const target = randomTensor([BATCH, ...c.outputShape], 9);
    const lossOf = () => gb.mean(gb.square(gb.sub(layer.apply(x, { training: true, rng: new Rng(3) }), target)));
    const before = layer.getWeights();
    const { value, grads } = gradientsOf(lossOf, layer.trainableWeights);
    new gb.SGD({ learningRate: 0.1 }).applyGradients(layer.trainableWeights, grads);
    layer.getWeights().forEach((w, i) => expect(Array.from(w.values)).not.toEqual(Array.from(before[i].values)));
    if (layer.trainableWeights.length > 0) expect(lossOf().item()).toBeLessThan(value.item());
  });

  if (!c.frozen) it('gradients wrt input and weights match finite differences', () => {
    const layer = c.make();
    const x = input();
    layer.apply(x);
    // Dropout in training mode with a fixed generator: the same mask on every call.
    const options = () => ({ training: true, rng: new Rng(3) });
    if (list(x)[0].dtype === 'float32') checkGradients((...xs) => layer.apply(c.inputShapes ? xs : xs[0], options()), list(x), { step: c.gradStep });
    if (layer.trainableWeights.length > 0) checkVariableGradients(() => layer.apply(x, options()), layer.trainableWeights, { step: c.gradStep });
  });
});

describe.each(CASES)('generic model test: $name', (c) => {
  const input = () => inputsFor(c, BATCH * 3, 6) as gb.Tensor;
  // A layer of one input as a Sequential model; a merge layer in a functional model of its inputs.
  const build = () => {
    gb.setSeed(2);
    const layer = c.make();
    const inputs = c.inputShapes?.map((shape) => gb.input({ shape }));
    const model = inputs ? gb.model({ inputs, outputs: layer.apply(inputs) }) : gb.sequential({ layers: [layer] });
    model.compile({ optimizer: gb.train.sgd(0.05), loss: 'meanSquaredError' });
    return model;
  };

  if (!c.frozen) it('trains the same through plans as eagerly, and summary() counts its parameters', async () => {
    const [planned, eager] = [build(), build()];
    const x = input();
    const y = randomTensor([list(x)[0].shape[0], ...c.outputShape], 8);
    const args = { epochs: 2, batchSize: 4, verbose: 0 as const, shuffleSeed: 3 };
    // 9 rows in batches of 4 leave a last batch of 1, which batch normalisation refuses in training.
    if (c.name.startsWith('BatchNormalization')) args.batchSize = 3;
    const hp = await planned.fit(x, y, { ...args, engine: 'plan' });
    const he = await eager.fit(x, y, { ...args, engine: 'eager' });
    hp.history.loss.forEach((v, i) => expect(v).toBeCloseTo(he.history.loss[i], 4));
    eager.getWeights().forEach((w, i) => expectClose(planned.getWeights()[i], Array.from(w.values), 1e-4, 1e-4));
    expectClose(planned.predict(x), Array.from(eager.apply(x, { training: false }).values), 1e-5, 1e-4);
    const row = planned.summaryRows().at(-1)!;
    expect(row.outputShape).toEqual(c.outputShape);
    expect(row.params).toBe(c.weightShapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0));
    expect(row.flops).toBeGreaterThanOrEqual(0);
  });

  it('saves and loads to the same predictions, and exports to ONNX that onnxruntime agrees with', async () => {
    const model = build();
    const x = input();
    if (!c.frozen) await model.fit(x, randomTensor([list(x)[0].shape[0], ...c.outputShape], 8), { epochs: 1, batchSize: 3, verbose: 0 });
    const want = model.predict(x);
    const again = await gb.loadModel(gb.toArtifacts(model));
    expectClose(again.predict(x), Array.from(want.values), 0, 0);
    const session = await ort.InferenceSession.create(gb.toOnnx(model));
    const names = c.inputShapes ? model.inputNames : ['input'];
    const feeds = Object.fromEntries(list(x).map((t, i) => [names[i], new ort.Tensor('float32', Float32Array.from(t.values), t.shape)]));
    const got = (await session.run(feeds))[c.inputShapes ? model.outputNames[0] : 'output'].data as Float32Array;
    expectClose(got, Array.from(want.values), 1e-5, 1e-4);
  });
});

describe('generic layer test covers every registered layer', () => {
  it('each registered class has a case', () => {
    const covered = new Set(CASES.map((c) => c.make().className));
    expect(registeredLayers().filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe('Dense', () => {
  it('computes activation(x @ kernel + bias), checked against a hand-written loop', () => {
    const layer = gb.layers.dense({ units: 2, activation: 'relu', inputShape: [3] });
    const x = gb.tensor2d([[1, 2, 3], [-1, 0.5, 2]]);
    layer.apply(x);
    const kernel = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];
    const bias = [0.05, -0.1];
    layer.setWeights([gb.tensor2d(kernel), gb.tensor1d(bias)]);
    const expected: number[] = [];
    for (const row of [[1, 2, 3], [-1, 0.5, 2]]) {
      for (let j = 0; j < 2; j++) expected.push(Math.max(0, row.reduce((s, v, i) => s + v * kernel[i][j], bias[j])));
    }
    expectClose(layer.apply(x), expected, 1e-6);
  });

  it('a non-trainable layer has no trainable weights and training leaves it unchanged', async () => {
    gb.setSeed(3);
    const frozen = gb.layers.dense({ units: 4, inputShape: [2], trainable: false });
    const model = gb.sequential({ layers: [frozen, gb.layers.dense({ units: 1 })] });
    model.compile({ optimizer: gb.train.sgd(0.1), loss: 'meanSquaredError' });
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.nonTrainableWeights.length).toBe(2);
    const before = frozen.getWeights().map((w) => Array.from(w.values));
    const last = model.layers[1].getWeights().map((w) => Array.from(w.values));
    await model.fit(gb.randomNormal([16, 2]), gb.randomNormal([16, 1]), { epochs: 2, verbose: 0 });
    expect(frozen.getWeights().map((w) => Array.from(w.values))).toEqual(before);
    expect(model.layers[1].getWeights().map((w) => Array.from(w.values))).not.toEqual(last);
  });

  it('rejects bad units and names the layer when the input width is wrong', () => {
    expect(() => gb.layers.dense({ units: 0 })).toThrow(/units must be a positive integer, got 0/);
    const layer = gb.layers.dense({ units: 2, inputShape: [3] });
    expect(() => layer.apply(gb.zeros([4, 5]))).toThrow(/expected input of shape \[batch, 3\], got \[4,5\]/);
  });

  it('counts forward FLOPs as 2 * in * out + out per example', () => {
    const layer = new Dense({ units: 10, inputShape: [64] });
    expect(layer.flops([64])).toBe(2 * 64 * 10 + 10);
    expect(new Dense({ units: 10, useBias: false }).flops([64])).toBe(2 * 64 * 10);
  });
});

describe('Dropout', () => {
  const x = gb.ones([200, 50]);

  it('is the identity at inference', () => {
    const layer = gb.layers.dropout({ rate: 0.5, inputShape: [50] });
    const input = randomTensor([4, 50], 2);
    expect(Array.from(layer.apply(input).values)).toEqual(Array.from(input.values));
    expect(Array.from(layer.apply(input, { training: false }).values)).toEqual(Array.from(input.values));
  });

  it('in training zeros about `rate` of the values and scales the rest by 1/(1-rate)', () => {
    const rate = 0.3;
    const y = gb.layers.dropout({ rate }).apply(x, { training: true, rng: new Rng(1) });
    let zeros = 0;
    for (const v of y.values) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / (1 - rate), 6);
    }
    // 10000 draws: the standard error of the fraction is 0.0046.
    expect(Math.abs(zeros / y.size - rate)).toBeLessThan(0.02);
  });

  it('the same generator seed gives the same mask, another seed a different one', () => {
    const layer = gb.layers.dropout({ rate: 0.5 });
    const a = layer.apply(x, { training: true, rng: new Rng(42) });
    const b = layer.apply(x, { training: true, rng: new Rng(42) });
    const c = layer.apply(x, { training: true, rng: new Rng(43) });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
  });

  it('a layer seed makes masks reproducible without passing a generator, and survives serialisation', () => {
    const a = new Dropout({ rate: 0.5, seed: 7 });
    const b = deserializeLayer(JSON.parse(JSON.stringify(a.serialize())));
    expect(b.getConfig().seed).toBe(7);
    expect(Array.from(a.apply(x, { training: true }).values)).toEqual(Array.from(b.apply(x, { training: true }).values));
  });

  it('rejects rates outside [0, 1)', () => {
    expect(() => gb.layers.dropout({ rate: 1 })).toThrow(/rate must be in \[0, 1\), got 1/);
    expect(() => gb.layers.dropout({ rate: -0.1 })).toThrow(/rate must be in \[0, 1\)/);
  });
});

describe('Flatten and Activation', () => {
  it('Flatten keeps row-major order', () => {
    const x = gb.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(gb.layers.flatten().apply(x).arraySync()).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('Activation accepts Keras spellings and rejects unknown names with the list', () => {
    expect(gb.layers.activation({ activation: 'leaky_relu' }).activation).toBe('leakyRelu');
    expect(() => gb.layers.activation({ activation: 'relux' })).toThrow(/unknown activation 'relux'; use one of: .*relu/);
  });

  it('deserializeLayer rejects unknown layer types, naming the known ones', () => {
    expect(() => deserializeLayer({ className: 'Conv9D', config: { name: 'c', trainable: true } })).toThrow(/unknown layer type 'Conv9D'; glassbox knows: .*Dense/);
  });
});

describe('conv, pooling and normalisation layers refuse bad input with the layer, the shapes and the fix', () => {
  it('wrong input rank or channel count for a conv layer', () => {
    expect(() => gb.sequential({ layers: [gb.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [784] })] }))
      .toThrow(/conv2d_\d+: expected input \[batch, height, width, channels\], got \[batch, 784\]; reshape images to .*layers\.reshape/);
    const model = gb.sequential({ layers: [gb.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 3] })] });
    expect(() => model.predict(gb.zeros([2, 8, 8, 1]))).toThrow(/expected input of shape \[batch, 8, 8, 3\], got \[2,8,8,1\]/);
  });

  it('a kernel larger than its unpadded input, and a pooling window that does not fit', () => {
    expect(() => gb.sequential({ layers: [gb.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [3, 8, 1] })] }))
      .toThrow(/conv2d_\d+: a kernel spanning 5 .* does not fit an input of size 3 with 'valid' padding; use padding 'same' or a smaller kernel/);
    expect(() => gb.sequential({ layers: [gb.layers.maxPooling2d({ poolSize: 4, inputShape: [3, 3, 2] })] }))
      .toThrow(/max_pooling2d_\d+: the pooling window 4x4 does not fit the input \[batch, 3, 3, 2\]/);
  });

  it('a batch-norm layer fed a batch of one in training', async () => {
    const model = gb.sequential({ layers: [gb.layers.dense({ units: 3, inputShape: [2] }), gb.layers.batchNormalization()] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(model.fit(gb.zeros([1, 2]), gb.zeros([1, 3]), { verbose: 0 }))
      .rejects.toThrow(/batch_normalization_\d+: a training batch of 1 row\(s\) gives 1 value per channel, so its variance is 0; batches need at least 2 rows/);
  });

  it('unknown data formats and padding, and embedding ids out of range', () => {
    expect(() => gb.layers.conv2d({ filters: 1, kernelSize: 2, dataFormat: 'nchw' as never })).toThrow(/dataFormat must be 'channelsLast' or 'channelsFirst', got "nchw"/);
    expect(() => gb.layers.conv2d({ filters: 1, kernelSize: 2, padding: 'full' as never })).toThrow(/padding must be 'valid' or 'same' \(or explicit \[before, after\] pairs per spatial axis\), got "full"/);
    const model = gb.sequential({ layers: [gb.layers.embedding({ inputDim: 4, outputDim: 2, inputLength: 2 })] });
    expect(() => model.predict(gb.tensor2d([[1, 4]], undefined, 'int32'))).toThrow(/index 4 .* out of range \[0, 4\)/);
  });
});

describe('channels-first layers compute what the channels-last layer computes on transposed input', () => {
  const toLast = (x: gb.Tensor) => gb.transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]);
  const cases: [string, (format: 'channelsFirst' | 'channelsLast') => Layer, number[]][] = [
    ['conv2d', (dataFormat) => gb.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', dataFormat, kernelInitializer: { className: 'glorotUniform', config: { seed: 1 } } }), [2, 4, 7, 5]],
    ['separableConv2d', (dataFormat) => gb.layers.separableConv2d({ filters: 2, kernelSize: 2, dataFormat, depthwiseInitializer: { className: 'glorotUniform', config: { seed: 2 } }, pointwiseInitializer: { className: 'glorotUniform', config: { seed: 3 } } }), [2, 3, 5, 4]],
    ['averagePooling2d', (dataFormat) => gb.layers.averagePooling2d({ poolSize: 2, padding: 'same', dataFormat }), [2, 3, 5, 5]],
    ['globalMaxPooling1d', (dataFormat) => gb.layers.globalMaxPooling1d({ dataFormat }), [2, 3, 5]],
    ['batchNormalization (axis)', (dataFormat) => gb.layers.batchNormalization({ axis: dataFormat === 'channelsFirst' ? 1 : -1, movingMeanInitializer: { className: 'randomUniform', config: { seed: 4 } } }), [2, 3, 4, 2]],
  ];
  it.each(cases)('%s', (_name, make, shape) => {
    const x = randomTensor(shape, 11);
    const y = make('channelsFirst').apply(x);
    const want = make('channelsLast').apply(toLast(x));
    expect(toLast(y).shape).toEqual(want.shape);
    expectClose(toLast(y), Array.from(want.values), 1e-6);
  });
});
