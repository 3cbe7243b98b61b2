// glassbox vs onnxruntime-node on one ONNX file, one thread each, the same random rows; needs `npm run build`.
//   node --experimental-wasm-relaxed-simd scripts/onnx-speed.mjs model.onnx [ROWS=2048]
import * as gb from '../dist/index.js';
import { createWasmBackend } from '../dist/backend/wasm/index.js';
import { registerBackend, setBackend } from '../dist/backend/backend.js';
import ort from 'onnxruntime-node';
const file = process.argv[2], rows = Number(process.argv[3] ?? 2048);
const be = createWasmBackend({ threads: 1 }); registerBackend('wasm-1t', () => be); setBackend('wasm-1t');
const model = await gb.loadModel(file);
const shape = model.inputs[0].shape.slice(1);
const width = shape.reduce((a, b) => a * b, 1);
const rng = new gb.Rng(1);
const x = new gb.Tensor(Float32Array.from({ length: rows * width }, () => rng.uniform()), [rows, ...shape]);
const sess = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const feed = { [sess.inputNames[0]]: new ort.Tensor('float32', x.values, [rows, ...shape]) };
const time = async (f) => { await f(); const t = []; for (let i = 0; i < 7; i++) { const s = performance.now(); await f(); t.push(performance.now() - s); } t.sort((a, b) => a - b); return rows / (t[3] / 1000); };
const g = await time(() => model.predict(x, { batchSize: rows }));
const o = await time(() => sess.run(feed));
const a = model.predict(x).values, b = (await sess.run(feed))[sess.outputNames[0]].data;
let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
console.log(`${file} input [${shape}], ${rows} rows: glassbox ${Math.round(g)} rows/s, onnxruntime ${Math.round(o)} rows/s, ratio ${(o / g).toFixed(2)}, max |diff| ${d.toExponential(1)}`);
