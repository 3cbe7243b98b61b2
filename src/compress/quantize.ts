// Post-training int8 quantisation: per-unit symmetric int8 weights for every Dense and Conv2D layer, and
// each such layer's input range calibrated on a sample of training rows (min / max, zero included), so a
// float model becomes one of QuantizedDense / QuantizedConv2D layers with the other layers copied.

import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import type { Layer, UnitKernel } from '../nn/layer.js';
import { deserializeLayer } from '../nn/registry.js';
import { Sequential } from '../train/sequential.js';
import { roundHalfEven } from '../backend/js/int8.js';
import type { QuantParams } from '../ops/registry/attrs.js';
import { QuantizedConv2D, QuantizedDense } from './quantized-layers.js';
import { copyCompiled } from './model-copy.js';

export interface QuantizeOptions {
  /** Rows per calibration batch (memory only; ranges are over every row given). Default 256. */
  batchSize?: number;
  /**
   * Convs with fewer taps per output (kH kW inC) stay float32 (default 64): below that the int8 kernel's
   * unfolding of windows costs more than its products save (measured on the MNIST CNN's first conv, 5x5x1 =
   * 25 taps: 1.7 ms int8 against 0.8 ms float32 per 64 images, one thread).
   */
  minConvTaps?: number;
}

/** What quantisation did to one layer. */
export interface QuantizedLayerReport {
  name: string;
  type: string;
  /** Calibrated range of the layer's input (zero always included) and its quantisation. */
  range: [number, number];
  input: QuantParams;
  /** Largest |w - dequantised w| over the kernel, and the largest |w|. */
  maxWeightError: number;
  maxWeight: number;
}

export interface QuantizeResult {
  model: Sequential;
  layers: QuantizedLayerReport[];
  /** Layers kept in float32, with the reason. */
  kept: { name: string; type: string; reason: string }[];
}

/**
 * The quantisation of values in [lo, hi] (zero included) onto 0..127: scale = (hi - lo) / 127 and the zero
 * point that maps 0.0 exactly, so padding and ReLU zeros stay exact.
 */
export function activationParams(lo: number, hi: number): QuantParams {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`quantize: the calibration range [${lo}, ${hi}] is not finite; check the calibration rows for NaN or infinities`);
  if (b - a === 0) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((b - a) / 127);
  const zeroPoint = Math.min(127, Math.max(0, roundHalfEven(-a / scale)));
  return { scale, zeroPoint };
}

/**
 * Per-unit symmetric int8 weights: unit j's values divided by s_j = max |w_j| / 127 and rounded (half to
 * even) into -127..127. `unitOf(i)` names the unit of flat index i, `target(i)` where it goes in the int8
 * layout. Returns the int8 values, the scales and the largest rounding error.
 */
export function quantizeWeights(w: Float32Array, units: number, unitOf: (i: number) => number, target: (i: number) => number): { q: Int8Array; scales: Float32Array; maxError: number; maxWeight: number } {
  const maxAbs = new Float64Array(units);
  for (let i = 0; i < w.length; i++) {
    const v = Math.abs(w[i]);
    if (!Number.isFinite(v)) throw new Error(`quantize: weight ${i} is ${w[i]}; the model has non-finite weights`);
    const j = unitOf(i);
    if (v > maxAbs[j]) maxAbs[j] = v;
  }
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(w.length);
  let maxError = 0;
  let maxWeight = 0;
  for (let i = 0; i < w.length; i++) {
    const s = scales[unitOf(i)];
    const v = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(w[i] / s))));
    q[target(i)] = v;
    maxError = Math.max(maxError, Math.abs(w[i] - Math.fround(v * s)));
    maxWeight = Math.max(maxWeight, Math.abs(w[i]));
  }
  return { q, scales, maxError, maxWeight };
}

/** The layer's unit kernel when it can be quantised, else why it stays float32. */
function quantizable(layer: Layer, minConvTaps: number): UnitKernel | string {
  const unit = layer.unitKernel();
  if (!unit) return 'not a Dense or Conv2D layer (runs in float32)';
  if (layer.className === 'Dense') return unit;
  if (layer.className !== 'Conv2D') return 'only 2-D convolutions have an int8 kernel';
  const [kH, kW, inC] = unit.kernel.shape;
  if (kH * kW * inC < minConvTaps) return `${kH}x${kW}x${inC} = ${kH * kW * inC} taps per output, fewer than ${minConvTaps}: int8 would be slower`;
  return unit;
}

/** Min and max of the input each layer sees, over every calibration row (inference mode). */
function calibrate(model: Sequential, x: Tensor, batchSize: number): [number, number][] {
  const ranges = model.layers.map((): [number, number] => [Infinity, -Infinity]);
  const width = x.size / Math.max(x.shape[0], 1);
  for (let r0 = 0; r0 < x.shape[0]; r0 += batchSize) {
    const rows = Math.min(batchSize, x.shape[0] - r0);
    let y = new Tensor(Float32Array.from(x.values.subarray(r0 * width, (r0 + rows) * width)), [rows, ...x.shape.slice(1)]);
    model.layers.forEach((layer, i) => {
      const v = y.values;
      let [lo, hi] = ranges[i];
      for (let k = 0; k < v.length; k++) {
        if (v[k] < lo) lo = v[k];
        if (v[k] > hi) hi = v[k];
      }
      ranges[i] = [lo, hi];
      y = layer.apply(y, { training: false });
    });
  }
  return ranges;
}

/**
 * An int8 copy of a trained model: every Dense and Conv2D layer quantised (weights per unit, input range
 * calibrated on `calibration`, a sample of training rows), other layers copied in float32. The copy keeps
 * the model's name, layer names, metadata and compile config, so it saves, loads and evaluates as any model.
 */
export function quantizeModel(model: Sequential, calibration: Tensor, options: QuantizeOptions = {}): QuantizeResult {
  if (!(model instanceof Sequential)) throw new Error('quantizeModel: expected a glassbox Sequential model');
  const expected = model.inputShape;
  if (calibration.rank !== expected.length + 1 || calibration.shape.slice(1).some((d, i) => d !== expected[i]) || calibration.shape[0] < 1) {
    throw new Error(`quantizeModel: calibration rows must have shape [rows >= 1, ${expected.join(', ')}], got ${formatShape(calibration.shape)}`);
  }
  if (calibration.dtype !== 'float32') throw new Error(`quantizeModel: calibration rows must be float32, got ${calibration.dtype}`);
  const batchSize = options.batchSize ?? 256;
  const minConvTaps = options.minConvTaps ?? 64;
  const ranges = calibrate(model, calibration, batchSize);
  const reports: QuantizedLayerReport[] = [];
  const kept: QuantizeResult['kept'] = [];
  const fills: (() => void)[] = [];
  const layers = model.layers.map((layer, i): Layer => {
    const inputShape = i === 0 ? { inputShape: [...expected] } : {};
    const unit = quantizable(layer, minConvTaps);
    if (typeof unit === 'string') {
      kept.push({ name: layer.name, type: layer.className, reason: unit });
      const copy = deserializeLayer(layer.serialize());
      fills.push(() => copy.setWeights(layer.getWeights()));
      return copy;
    }
    const input = activationParams(ranges[i][0], ranges[i][1]);
    const { kernel, bias, activation } = unit;
    const common = { name: layer.name, activation, useBias: bias !== null, inputScale: input.scale, inputZeroPoint: input.zeroPoint, ...inputShape };
    let q: ReturnType<typeof quantizeWeights>;
    let copy: QuantizedDense | QuantizedConv2D;
    // Dense kernels are [in, units] and conv filters [kH, kW, inC, outC]: units last. The int8 kernel has one row
    // per unit: [units, in] and [outC, kH, kW, inC].
    const units = kernel.shape[kernel.rank - 1];
    const perUnit = kernel.size / units;
    q = quantizeWeights(kernel.values as Float32Array, units, (k) => k % units, (k) => (k % units) * perUnit + Math.floor(k / units));
    if (layer.className === 'Dense') copy = new QuantizedDense({ ...common, units });
    else {
      const c = layer.getConfig();
      copy = new QuantizedConv2D({
        ...common, filters: units, kernelSize: [kernel.shape[0], kernel.shape[1]], strides: c.strides as [number, number],
        padding: c.padding as 'valid' | 'same', dilationRate: c.dilationRate as [number, number],
      });
    }
    fills.push(() => {
      copy.kernel!.assign(new Tensor(q.q, copy.kernel!.shape, 'int8'));
      copy.kernelScale!.assign(new Tensor(q.scales, [q.scales.length]));
      if (bias) copy.bias!.assign(bias.read());
    });
    reports.push({ name: layer.name, type: layer.className, range: ranges[i], input, maxWeightError: q.maxError, maxWeight: q.maxWeight });
    return copy;
  });
  const out = copyCompiled(model, layers);
  fills.forEach((f) => f());
  return { model: out, layers: reports, kept };
}
