// Keras / TensorFlow.js JSON topologies (snake_case layer configs, as model.toJSON() and model.json
// write them) to glassbox layer configs, for every layer type glassbox has.

import type { LayerConfig, SerializedLayer } from '../nn/layer.js';
import { registeredLayers } from '../nn/registry.js';
import { resolveActivation } from '../nn/activations.js';
import { isObject } from './model-format.js';

/** Config keys that carry no meaning for glassbox (dtypes, Keras bookkeeping). */
const IGNORED = new Set(['dtype', 'batch_input_shape', 'batch_shape', 'input_dtype', 'sparse', 'ragged', 'batch_size', 'name', 'trainable', 'input_shape']);
/** Constraints are not supported; a non-null one is refused rather than silently dropped. */
const CONSTRAINTS = ['kernel_constraint', 'bias_constraint', 'depthwise_constraint', 'pointwise_constraint', 'embeddings_constraint', 'beta_constraint', 'gamma_constraint'];

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** {class_name, config} (Keras) to {className, config} with camelCase keys, recursively for initializers. */
function initializerOf(v: unknown): unknown {
  if (v === null || v === undefined || typeof v === 'string') return v;
  if (!isObject(v)) return v;
  const cls = v.class_name ?? v.className;
  const cfg = isObject(v.config) ? Object.fromEntries(Object.entries(v.config).map(([k, x]) => [camel(k), x])) : undefined;
  return cfg && Object.keys(cfg).length > 0 ? { className: cls, config: cfg } : { className: cls };
}

function regularizerOf(v: unknown, where: string, fail: (m: string) => never): unknown {
  if (v === null || v === undefined) return null;
  if (!isObject(v)) return v;
  const cls = String(v.class_name ?? v.className ?? '');
  const cfg = (isObject(v.config) ? v.config : v) as { l1?: number; l2?: number };
  if (!/^l1l2$|^l1$|^l2$|^L1L2$|^L1$|^L2$/.test(cls) && cls !== '') fail(`${where}: regularizer '${cls}' is not supported (L1, L2 or L1L2)`);
  return { l1: cfg.l1 ?? 0, l2: cfg.l2 ?? 0 };
}

const DATA_FORMAT: Record<string, string> = { channels_last: 'channelsLast', channels_first: 'channelsFirst' };

/** One layer's snake_case config to glassbox's camelCase config (values converted where their form differs). */
export function convertLayerConfig(cls: string, c: Record<string, unknown>, base: LayerConfig, fail: (m: string) => never): SerializedLayer {
  const where = `layer '${base.name}' (${cls})`;
  const act = (a: string): SerializedLayer => ({ className: 'Activation', config: { ...base, activation: a } });
  switch (cls) {
    case 'ReLU':
      if (c.max_value === null || c.max_value === undefined) return act('relu');
      if (c.max_value === 6) return act('relu6');
      return fail(`${where}: max_value ${String(c.max_value)} is not supported (only none or 6)`);
    case 'LeakyReLU':
      if ((c.alpha ?? c.negative_slope ?? 0.3) === 0.2) return act('leakyRelu');
      return fail(`${where}: alpha ${String(c.alpha ?? c.negative_slope ?? 0.3)} is not supported; glassbox's leakyRelu uses 0.2`);
    case 'ELU':
      if ((c.alpha ?? 1) === 1) return act('elu');
      return fail(`${where}: alpha ${String(c.alpha)} is not supported; glassbox's elu uses 1`);
    case 'Softmax':
      if (c.axis === undefined || c.axis === -1 || (Array.isArray(c.axis) && c.axis.length === 1 && c.axis[0] === -1)) return act('softmax');
      return fail(`${where}: softmax over axis ${JSON.stringify(c.axis)} is not supported (only the last axis)`);
  }
  if (!registeredLayers().includes(cls)) fail(`layer type '${cls}' is not supported; glassbox knows ${registeredLayers().join(', ')}`);
  for (const k of CONSTRAINTS) if (c[k] !== null && c[k] !== undefined) fail(`${where}: ${k} is not supported; remove the constraint`);
  const config: LayerConfig = { ...base };
  for (const [k, v] of Object.entries(c)) {
    if (IGNORED.has(k) || CONSTRAINTS.includes(k)) continue;
    const key = camel(k);
    if (k.endsWith('_initializer')) config[key] = initializerOf(v);
    else if (k.endsWith('_regularizer')) config[key] = regularizerOf(v, where, fail);
    else if (k === 'data_format') config[key] = DATA_FORMAT[String(v)] ?? v;
    else if (k === 'activation') {
      try {
        config[key] = resolveActivation(v === null || v === undefined ? 'linear' : String(v));
      } catch {
        fail(`${where}: activation '${String(v)}' is not supported by glassbox`);
      }
    } else config[key] = v;
  }
  if (cls === 'BatchNormalization' && config.axis !== undefined && config.axis !== -1 && config.axis !== 3) {
    fail(`${where}: batch normalisation over axis ${JSON.stringify(config.axis)} is not supported (channels-last only)`);
  }
  if (cls === 'BatchNormalization' || cls === 'LayerNormalization') config.axis = -1;
  return { className: cls, config };
}

/** The example shape a Keras layer config declares (batch_input_shape / batch_shape without the batch). */
export function declaredInputShape(c: Record<string, unknown>, where: string, fail: (m: string) => never): number[] | undefined {
  const b = c.batch_input_shape ?? c.batch_shape;
  if (b === undefined || b === null) return undefined;
  if (!Array.isArray(b) || b.length < 2 || b.slice(1).some((d) => !Number.isSafeInteger(d) || (d as number) <= 0)) {
    fail(`${where}: batch_input_shape ${JSON.stringify(b)} must be [null, positive integers...]`);
  }
  return (b as number[]).slice(1);
}

/**
 * A Sequential topology (model.toJSON() output, a model.json's modelTopology, or a Keras
 * model_config) to glassbox layer configs; InputLayer's shape moves onto the first layer.
 */
export function sequentialLayers(topology: unknown, fail: (m: string) => never): { name: string; layers: SerializedLayer[] } {
  let model = topology as Record<string, unknown>;
  if (isObject(model) && isObject(model.model_config)) model = model.model_config; // Keras-converted files nest one level down
  if (!isObject(model) || model.class_name !== 'Sequential') {
    fail(`model class '${String(isObject(model) ? model.class_name : model)}' cannot be read; only Sequential models are supported`);
  }
  const config = model.config;
  const list = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : fail('Sequential config has no layers');
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'imported';
  const out: SerializedLayer[] = [];
  let pendingInput: number[] | undefined;
  for (const [i, raw] of (list as unknown[]).entries()) {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) fail(`layers[${i}] must be {class_name, config}`);
    const { class_name: cls, config: c } = raw as { class_name: string; config: Record<string, unknown> };
    const inputShape = declaredInputShape(c, `layers[${i}]`, fail) ?? pendingInput;
    if (cls === 'InputLayer') {
      pendingInput = inputShape;
      continue;
    }
    pendingInput = undefined;
    const base: LayerConfig = { name: typeof c.name === 'string' ? c.name : `layer_${i}`, trainable: c.trainable !== false };
    if (inputShape && out.length === 0) base.inputShape = inputShape;
    out.push(convertLayerConfig(cls, c, base, fail));
  }
  if (out.length === 0) fail('the model has no layers');
  return { name, layers: out };
}
