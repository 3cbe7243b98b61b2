import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { withBackend } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/random.js';
import { exportOnnx, toOnnx } from './onnx-export.js';
import { smallClassifier, randomTensor } from './test-models.js';

async function maxDiffOnnx(bytes: Uint8Array, x: Tensor, expected: Tensor, names = { input: 'input', output: 'output' }): Promise<number> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [names.input]: new ort.Tensor('float32', x.values as Float32Array, x.shape) });
  const got = out[names.output];
  expect(got.dims).toEqual(expected.shape);
  const data = got.data as Float32Array;
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i] - expected.values[i]));
  return m;
}

describe('exportOnnx', () => {
  it.each(['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'leakyRelu', 'gelu', 'softplus', 'linear'])(
    'a Flatten/Dense(%s)/Dropout/Dense/softmax model agrees with onnxruntime within 1e-5 at several batch sizes',
    async (activation) => {
      const model = smallClassifier(11, activation);
      const bytes = toOnnx(model);
      const rng = new Rng(4);
      for (const batch of [1, 5, 64]) {
        const x = randomTensor([batch, 2, 3], rng, 2);
        for (const backend of ['js', 'wasm']) {
          expect(await maxDiffOnnx(bytes, x, withBackend(backend, () => model.predict(x)))).toBeLessThanOrEqual(1e-5);
        }
      }
    },
  );

  it('writes a file with named input/output, a dynamic batch dimension and metadata', async () => {
    const model = smallClassifier(2);
    model.metadata = { classNames: ['a', 'b', 'c'] };
    const path = join(await mkdtemp(join(tmpdir(), 'gb-onnx-')), 'model.onnx');
    await exportOnnx(model, path, { inputName: 'features', outputName: 'probabilities', opset: 17 });
    const bytes = new Uint8Array(await readFile(path));
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['probabilities']);
    // A "real" input: a structured one-hot-like pattern rather than noise.
    const x = new Tensor(Float32Array.from({ length: 7 * 6 }, (_, i) => (i % 7 === 0 ? 1 : 0)), [7, 2, 3]);
    expect(await maxDiffOnnx(bytes, x, model.predict(x), { input: 'features', output: 'probabilities' })).toBeLessThanOrEqual(1e-5);
  });
});
