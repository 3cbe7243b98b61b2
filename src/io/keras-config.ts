// Keras / TensorFlow.js JSON topologies (snake_case layer configs, as model.toJSON() and model.json
// write them) to glassbox layer configs, for every layer type glassbox has, and Sequential or functional
// (Model) topologies to glassbox model configs.

import type { LayerConfig, SerializedLayer } from '../nn/layer.js';
import type { GraphConfig, ModelConfig, NodeRef, StackConfig } from '../nn/topology.js';
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
  switch (cls) {
    case 'ReLU':
      if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) fail(`${where}: negative_slope and threshold other than 0 are not supported`);
      return { className: 'ReLU', config: { ...base, maxValue: (c.max_value ?? null) as number | null } };
    case 'LeakyReLU':
      return { className: 'LeakyReLU', config: { ...base, alpha: (c.alpha ?? c.negative_slope ?? 0.3) as number } };
    case 'ELU':
      return { className: 'ELU', config: { ...base, alpha: (c.alpha ?? 1) as number } };
    case 'Softmax':
      return { className: 'Softmax', config: { ...base, axis: (c.axis ?? -1) as number } };
    case 'InputLayer':
      return { className: 'InputLayer', config: { ...base, inputShape: declaredInputShape(c, where, fail), dtype: c.dtype === 'int32' ? 'int32' : 'float32' } };
    case 'Sequential':
    case 'Model':
    case 'Functional':
      return fail(`${where}: a model nested inside a model is not supported; flatten its layers into the outer model`);
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
    fail(`model class '${String(isObject(model) ? model.class_name : model)}' cannot be read as a layer list; only Sequential topologies can`);
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

/** A node reference of Keras 2 ([name, node, tensor, kwargs]) or Keras 3 ({keras_history: [...]}) form. */
function nodeRef(r: unknown, where: string, fail: (m: string) => never): NodeRef {
  const history = isObject(r) && isObject(r.config) ? r.config.keras_history : r;
  if (!Array.isArray(history) || typeof history[0] !== 'string' || !Number.isSafeInteger(history[1]) || history[2] !== 0) {
    return fail(`${where}: a layer input must be [layerName, nodeIndex, 0], got ${JSON.stringify(r)}`);
  }
  return [history[0], history[1] as number, 0];
}

/** One layer's inbound nodes: each call's list of inputs. */
function inboundNodes(raw: unknown, where: string, fail: (m: string) => never): NodeRef[][] {
  if (!Array.isArray(raw)) return fail(`${where}: inbound_nodes must be a list`);
  return raw.map((node) => {
    if (Array.isArray(node)) return node.map((r) => nodeRef(r, where, fail));
    // Keras 3: {args: [tensor or [tensors]], kwargs}.
    if (isObject(node) && Array.isArray(node.args)) return node.args.flatMap((a) => (Array.isArray(a) ? a : [a])).map((r) => nodeRef(r, where, fail));
    return fail(`${where}: an inbound node must be a list of inputs`);
  });
}

/** A functional (Model / Functional) topology to a glassbox graph config. */
export function functionalConfig(model: Record<string, unknown>, fail: (m: string) => never): GraphConfig {
  const config = model.config;
  if (!isObject(config) || !Array.isArray(config.layers)) return fail('the functional model config has no layers');
  const name = typeof config.name === 'string' ? config.name : 'imported';
  const layers = config.layers.map((raw, i) => {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) return fail(`layers[${i}] must be {class_name, config, inbound_nodes}`);
    const c = raw.config as Record<string, unknown>;
    const layerName = typeof raw.name === 'string' ? raw.name : typeof c.name === 'string' ? c.name : `layer_${i}`;
    const where = `layer '${layerName}' (${raw.class_name})`;
    const base: LayerConfig = { name: layerName, trainable: c.trainable !== false };
    const converted = convertLayerConfig(raw.class_name, c, base, fail);
    return { ...converted, name: layerName, inboundNodes: inboundNodes(raw.inbound_nodes ?? [], where, fail) };
  });
  const refs = (v: unknown, what: string): NodeRef[] => {
    // A single output may be written as one reference rather than a list of them.
    const list = Array.isArray(v) && v.length > 0 && typeof v[0] === 'string' ? [v] : v;
    if (!Array.isArray(list)) return fail(`${what} must be a list of [layerName, nodeIndex, 0]`);
    return list.map((r) => nodeRef(r, what, fail));
  };
  return { name, layers, inputLayers: refs(config.input_layers, 'input_layers'), outputLayers: refs(config.output_layers, 'output_layers') };
}

/** Any Keras / TensorFlow.js topology (Sequential or functional) to a glassbox model config. */
export function modelConfigOf(topology: unknown, fail: (m: string) => never): ModelConfig {
  let model = topology as Record<string, unknown>;
  if (isObject(model) && isObject(model.model_config)) model = model.model_config;
  if (isObject(model) && (model.class_name === 'Model' || model.class_name === 'Functional')) return functionalConfig(model, fail);
  if (isObject(model) && model.class_name !== 'Sequential') {
    fail(`model class '${String(model.class_name)}' cannot be read; Sequential and functional (Model) topologies can`);
  }
  return sequentialLayers(model, fail) as StackConfig;
}

