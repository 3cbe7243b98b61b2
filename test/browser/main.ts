// Browser smoke test page: trains a small model with the wasm backend in the page and reports the accuracy.
import { setSeed, sequential, layers, tensor2d, tensor1d, getBackend } from '../../src/index.browser.js';
const out = document.getElementById('out')!;
try {
  setSeed(1);
  const xs: number[][] = [], ys: number[] = [];
  for (let i = 0; i < 300; i++) { const a = (i * 37 % 100) / 100, b = (i * 53 % 100) / 100; xs.push([a, b]); ys.push(a + b > 1 ? 1 : 0); }
  const model = sequential({ layers: [layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dense({ units: 2, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(tensor2d(xs), tensor1d(ys, undefined, 'int32'), { epochs: 40, batchSize: 32, verbose: 0 });
  out.textContent = `backend=${getBackend()} acc=${h.history.accuracy.at(-1)!.toFixed(3)}`;
} catch (e) {
  out.textContent = 'ERROR ' + (e as Error).stack;
}
