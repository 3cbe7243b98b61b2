// ONNX import: an ONNX graph (opsets 11 to 20) becomes a functional glassbox model whose layers hold the
// graph's weights, so it predicts, trains, saves, exports and is explained like any glassbox model. Inputs keep
// the graph's names and layout (NCHW stays NCHW); outputs keep their names. Shape arithmetic (Shape, Gather,
// Concat ... before a Reshape) is folded with the batch size kept symbolic. Between convolutions the values are kept
// channels-last (glassbox's fast layout), moved back to the graph's layout only where an op needs it (a flatten,
// a reshape, a graph output). Nothing in the file is evaluated as code: every node maps through a fixed table, and
// anything else is refused naming the node and the op.

import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from '../nn/layer.js';
import { input } from '../nn/input-layer.js';
import { Activation } from '../nn/simple-layers.js';
import { Permute } from '../nn/shape-layers.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { model } from '../train/model.js';
import type { AnyLayersModel } from '../train/layers-model.js';
import { Attributes, decodeModel, inputSpec, readTensor, type Dim, type INode } from './onnx-read.js';
import { HANDLERS } from './onnx-ops.js';
import { findFusions, type Fusions } from './onnx-fuse.js';

/** A value of the graph while it is imported. */
export type OnnxValue =
  /**
   * Depends on the inputs: a layer output, batch first. channelsLast: held with the channel axis (the graph's
   * axis 1) moved last; the value in the graph's own layout is its transpose.
   */
  | { kind: 'sym'; t: SymbolicTensor; channelsLast?: boolean }
  /** A float constant; `initializer` names it when it is one of the graph's weights (trained when fine-tuning). */
  | { kind: 'const'; t: Tensor; initializer: string | null }
  /** An integer constant (shapes, axes, indices); entries may be the symbolic batch size. */
  | { kind: 'ints'; values: Dim[]; shape: number[] };

/** What an op handler sees and can do. */
export interface NodeContext {
  readonly opType: string;
  readonly opset: number;
  /** The node's inputs; null for an omitted optional input. */
  readonly inputs: readonly (OnnxValue | null)[];
  readonly attr: Attributes;
  /** The batch size the graph was exported with when it is fixed (a Reshape to [1, -1] then means the batch). */
  readonly staticBatch: number | null;
  /** The node makes a graph output: it must give it in the graph's layout (not channels-last). */
  readonly onnxLayout: boolean;
  /** A channels-last value in the graph's layout, and the reverse (Permute layers, made once per value). */
  toFirst(t: SymbolicTensor): SymbolicTensor;
  toLast(t: SymbolicTensor): SymbolicTensor;
  /** Throws one message naming the file, the node and the op. */
  fail(message: string): never;
  /**
   * Builds a layer, applies it to symbolic inputs and gives it `weights`. The layer is named after the node;
   * the node's last layer (final, the default) takes the name of the graph output the node makes, if any.
   */
  layer(make: (name: string) => Layer, inputs: SymbolicTensor[], weights?: Tensor[], final?: boolean): SymbolicTensor;
}

export const SUPPORTED_OPSETS = [11, 20] as const;

/** Ops whose handlers take channels-last inputs as they are (elementwise, convolutions, pooling, ...); every other op sees the graph's layout. */
const LAYOUT_AWARE = new Set([
  'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization',
  'Relu', 'Sigmoid', 'Tanh', 'Softplus', 'LeakyRelu', 'Elu', 'PRelu', 'Clip', 'Gelu', 'Erf',
  'Exp', 'Log', 'Sqrt', 'Neg', 'Abs', 'Reciprocal', 'Floor', 'Sign',
  'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Concat', 'Identity', 'Dropout', 'Pad',
]);

/** Layer names unique in the model, from node names (or op type and position); graph output names are kept for the layers that make them. */
class Names {
  private readonly used = new Set<string>();
  private readonly claimed = new Set<string>();

  constructor(reserved: string[]) {
    reserved.forEach((n) => this.used.add(n));
  }

  /** A reserved output name for the first layer that asks, a fresh name after. */
  claim(outputName: string): string {
    if (this.claimed.has(outputName)) return this.take(outputName);
    this.claimed.add(outputName);
    return outputName;
  }

  take(base: string): string {
    const clean = base.replace(/^\/+/, '') || 'node';
    let name = clean;
    for (let k = 1; this.used.has(name); k++) name = `${clean}_${k}`;
    this.used.add(name);
    return name;
  }
}

/** Builds a glassbox model from ONNX bytes; `source` names the file in errors. */
export function onnxToModel(bytes: Uint8Array, source = 'model.onnx'): AnyLayersModel {
  const proto = decodeModel(bytes, source);
  const graph = proto.graph;
  if (!graph) throw new Error(`${source}: the ONNX file has no graph`);
  const opset = defaultOpset(proto.opsetImport ?? [], source);
  const values = new Map<string, OnnxValue>();
  for (const init of graph.initializer ?? []) {
    const name = init.name ?? '';
    const data = readTensor(init, `${source}: initializer '${name}'`);
    values.set(name, data.kind === 'float' ? { kind: 'const', t: data.t, initializer: name } : { kind: 'ints', values: data.values, shape: data.shape });
  }
  const outputNames = (graph.output ?? []).map((o) => o.name ?? '');
  const inputInfos = (graph.input ?? []).filter((v) => !values.has(v.name ?? ''));
  if (inputInfos.length === 0) throw new Error(`${source}: the graph has no inputs besides its weights`);
  const names = new Names([...inputInfos.map((v) => v.name ?? ''), ...outputNames]);
  let staticBatch: number | null = null;
  const inputs = inputInfos.map((v) => {
    const spec = inputSpec(v, source);
    staticBatch ??= spec.staticBatch;
    const dtype = spec.elemType === 1 || spec.elemType === 11 || spec.elemType === 10 ? 'float32' : spec.elemType === 6 || spec.elemType === 7 ? 'int32' : null;
    if (!dtype) throw new Error(`${source}: graph input '${spec.name}' has element type ${spec.elemType}; glassbox takes float or integer inputs`);
    const t = input({ shape: spec.shape, name: spec.name, dtype });
    values.set(spec.name, { kind: 'sym', t });
    return t;
  });
  const nodes = graph.node ?? [];
  const fusions = findFusions(nodes, values, outputNames);
  const state: ImportState = { source, opset, values, names, fusions, staticBatch, outputNames, unmade: new Map(), toFirst: new Map(), toLast: new Map() };
  nodes.forEach((node, index) => importNode(node, index, state));
  const outputs = outputNames.map((name) => {
    const v = values.get(name);
    if (!v) throw new Error(`${source}: graph output '${name}' is made by no node`);
    if (v.kind !== 'sym') throw new Error(`${source}: graph output '${name}' is a constant that does not depend on the inputs; nothing to import`);
    if (v.channelsLast) return new Permute({ dims: firstDims(v.t.exampleShape.length), name: names.claim(name) }).apply(v.t);
    // An output that no layer of its own name makes (a graph input passed through, a shared value) gets an identity layer.
    if (v.t.node.layer.name === name) return v.t;
    return new Activation({ activation: 'linear', name: names.claim(name) }).apply(v.t);
  });
  const m = model({ inputs, outputs, name: names.take(graph.name || 'onnx_model') });
  m.metadata = { importedFrom: 'onnx', producer: `${proto.producerName ?? ''} ${proto.producerVersion ?? ''}`.trim(), opset };
  return m;
}

interface ImportState {
  source: string;
  opset: number;
  values: Map<string, OnnxValue>;
  names: Names;
  fusions: Fusions;
  staticBatch: number | null;
  outputNames: string[];
  /** Node outputs the import does not make (MaxPool indices, a Dropout mask), by value name: what made them. */
  unmade: Map<string, string>;
  /** Layout conversions made so far, so each value is permuted once. */
  toFirst: Map<SymbolicTensor, SymbolicTensor>;
  toLast: Map<SymbolicTensor, SymbolicTensor>;
}

/** Permute dims (1-based, per example) moving the channel axis last, and back. */
const lastDims = (rank: number) => [...Array.from({ length: rank - 1 }, (_, i) => i + 2), 1];
const firstDims = (rank: number) => [rank, ...Array.from({ length: rank - 1 }, (_, i) => i + 1)];

function importNode(node: INode, index: number, s: ImportState): void {
  const opType = node.opType ?? '';
  const label = node.name ? `'${node.name}'` : `#${index}`;
  const fail = (msg: string): never => {
    throw new Error(`${s.source}: node ${label} (${opType}): ${msg}`);
  };
  if (node.domain && node.domain !== 'ai.onnx') fail(`operators of domain '${node.domain}' are not supported (only the default ONNX domain)`);
  const fused = s.fusions.get(index);
  if (fused?.kind === 'skip') return;
  const inputs = (fused?.kind === 'replace' ? fused.inputs : node.input ?? []).map((name) => {
    if (name === '') return null;
    const unmade = s.unmade.get(name);
    if (unmade) fail(`reads '${name}', ${unmade}, which glassbox's import does not make`);
    const v = s.values.get(name);
    if (!v) fail(`reads '${name}', which no earlier node, graph input or initializer makes; the graph is malformed or not in topological order`);
    return v!;
  });
  const outputs = node.output ?? [];
  // The layer that makes a graph output takes its name (through passthroughs such as Identity and Dropout).
  const outputName = fused?.outputName ?? (outputs[0] && s.outputNames.includes(outputs[0]) ? outputs[0] : null);
  const convert = (cache: Map<SymbolicTensor, SymbolicTensor>, t: SymbolicTensor, dims: number[], suffix: string): SymbolicTensor => {
    let out = cache.get(t);
    if (!out) cache.set(t, (out = new Permute({ dims, name: s.names.take(`${t.node.layer.name}_${suffix}`) }).apply(t)));
    return out;
  };
  const toFirst = (t: SymbolicTensor) => convert(s.toFirst, t, firstDims(t.exampleShape.length), 'to_channels_first');
  const toLast = (t: SymbolicTensor) => convert(s.toLast, t, lastDims(t.exampleShape.length), 'to_channels_last');
  const aware = (fused?.kind === 'replace' ? fused.layoutAware === true : LAYOUT_AWARE.has(opType)) && !outputName;
  // Ops that read axes or element order get their inputs in the graph's layout.
  const given = aware ? inputs : inputs.map((v) => (v?.kind === 'sym' && v.channelsLast ? { kind: 'sym' as const, t: toFirst(v.t) } : v));
  const ctx: NodeContext = {
    opType, opset: s.opset, inputs: given, staticBatch: s.staticBatch, fail, onnxLayout: outputName !== null, toFirst, toLast,
    attr: new Attributes(node, fail),
    layer: (make, ins, weights, final = true) => {
      let layer: Layer;
      let out: SymbolicTensor;
      try {
        layer = make(final && outputName ? s.names.claim(outputName) : s.names.take(node.name || `${opType}_${index}`));
        out = layer.apply(ins.length === 1 ? ins[0] : ins);
      } catch (e) {
        // A layer's own refusal (a geometry it cannot run), said for this node.
        return fail((e as Error).message);
      }
      if (weights) {
        const want = layer.weights.map((w) => w.shape.join('x'));
        const got = weights.map((w) => w.shape.join('x'));
        if (want.join() !== got.join()) fail(`its weights have shapes ${got.join(', ')} but the layer needs ${want.join(', ')}`);
        layer.setWeights(weights);
      }
      return out;
    },
  };
  const run = fused?.kind === 'replace' ? fused.run : HANDLERS[opType];
  if (!run) fail(`operator ${opType} is not supported by glassbox's ONNX import (supported: ${Object.keys(HANDLERS).sort().join(', ')})`);
  const produced = run!(ctx);
  const list = Array.isArray(produced) ? produced : [produced];
  outputs.forEach((name, k) => {
    if (name === '') return;
    if (k < list.length) s.values.set(name, list[k]);
    else s.unmade.set(name, `output ${k} of node ${label} (${opType})`);
  });
}

/** The default domain's opset, within the supported range. */
function defaultOpset(imports: { domain?: string | null; version?: unknown }[], source: string): number {
  const entry = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = entry ? Number(entry.version ?? 0) : 0;
  const [lo, hi] = SUPPORTED_OPSETS;
  if (!(version >= lo && version <= hi)) {
    throw new Error(`${source}: ONNX opset ${version || 'unknown'} is not supported; glassbox imports opsets ${lo} to ${hi} (re-export with opset_version between them)`);
  }
  return version;
}
