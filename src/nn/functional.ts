// The topology of a functional model: the graph of layer calls between symbolic inputs and outputs, run in
// dependency order; serialised as Keras' inbound-node form so TensorFlow.js topologies map onto it.

import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallOptions, type LayerShape, type SerializedLayer } from './layer.js';
import { InputLayer } from './input-layer.js';
import { deserializeLayer } from './registry.js';
import { applySymbolic, describe, isSymbolic, sourceTensor, type LayerNode, type SymbolicTensor } from './symbolic.js';
import type { GraphConfig, NodeRef, SummaryRow, TensorSpec, Topology } from './topology.js';

export class LayerGraph implements Topology {
  readonly layers: Layer[] = [];
  /** Layer calls in an order where every node comes after the nodes it reads (input nodes excluded). */
  private readonly nodes: LayerNode[] = [];
  /** Each node's index among its layer's calls in this graph (what configs refer to). */
  private readonly localIndex = new Map<LayerNode, number>();

  constructor(
    private readonly owner: string,
    readonly inputTensors: SymbolicTensor[],
    readonly outputTensors: SymbolicTensor[],
  ) {
    if (inputTensors.length === 0 || outputTensors.length === 0) throw new Error(`${owner}: a model needs at least one input and one output`);
    inputTensors.forEach((t, i) => {
      if (!isSymbolic(t)) throw new Error(`${owner}: inputs[${i}] is ${describe(t)}; pass the symbolic tensors input({shape}) returns`);
      if (!(t.node.layer instanceof InputLayer)) {
        throw new Error(`${owner}: inputs[${i}] (${t.name}) is the output of layer '${t.node.layer.name}', not of input(); a model's inputs must come from input({shape})`);
      }
    });
    outputTensors.forEach((t, i) => {
      if (!isSymbolic(t)) throw new Error(`${owner}: outputs[${i}] is ${describe(t)}; pass symbolic tensors returned by layer.apply(...)`);
    });
    if (new Set(inputTensors).size !== inputTensors.length) throw new Error(`${owner}: the same input is listed twice`);
    this.sortNodes();
    const names = new Set<string>();
    for (const layer of this.layers) {
      if (names.has(layer.name)) throw new Error(`${owner}: two layers are named '${layer.name}'; layer names must be unique within a model`);
      names.add(layer.name);
    }
  }

  /** Depth-first from the outputs: each node after its inputs' nodes; sources must be declared inputs. */
  private sortNodes(): void {
    const declared = new Set(this.inputTensors);
    const done = new Set<LayerNode>();
    const visiting = new Set<LayerNode>();
    const seenLayers = new Set<Layer>(this.inputTensors.map((t) => t.node.layer));
    this.layers.push(...this.inputTensors.map((t) => t.node.layer));
    for (const t of this.inputTensors) this.localIndex.set(t.node, 0);
    const visit = (t: SymbolicTensor, path: string): void => {
      const node = t.node;
      if (node.inputs.length === 0) {
        if (!declared.has(t)) {
          throw new Error(`${this.owner}: ${path} depends on input '${t.name}', which is not in the model's inputs; add it to inputs`);
        }
        return;
      }
      if (done.has(node)) return;
      if (visiting.has(node)) throw new Error(`${this.owner}: the graph has a cycle through layer '${node.layer.name}'`);
      visiting.add(node);
      for (const i of node.inputs) visit(i, path);
      visiting.delete(node);
      done.add(node);
      const sameLayer = this.nodes.filter((n) => n.layer === node.layer).length;
      this.localIndex.set(node, sameLayer);
      this.nodes.push(node);
      if (!seenLayers.has(node.layer)) {
        seenLayers.add(node.layer);
        this.layers.push(node.layer);
      }
    };
    this.outputTensors.forEach((t, i) => visit(t, `output ${i} (${t.name})`));
  }

  inputs(): TensorSpec[] {
    return this.inputTensors.map((t) => ({ name: t.node.layer.name, shape: [...t.exampleShape], dtype: t.dtype }));
  }

  outputs(): { name: string; shape: LayerShape }[] {
    return this.outputTensors.map((t) => ({ name: this.refName(t), shape: [...t.exampleShape] }));
  }

  /** The layer name of a tensor, with the call index after a shared layer's first call. */
  private refName(t: SymbolicTensor): string {
    const k = this.localIndex.get(t.node) ?? 0;
    return k === 0 ? t.node.layer.name : `${t.node.layer.name}_${k}`;
  }

  run(xs: Tensor[], options: CallOptions): Tensor[] {
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputTensors.forEach((t, i) => values.set(t, xs[i]));
    for (const node of this.nodes) {
      const ins = node.inputs.map((t) => values.get(t)!);
      values.set(node.output, ins.length === 1 ? node.layer.apply(ins[0], options) : node.layer.apply(ins, options));
    }
    return this.outputTensors.map((t) => values.get(t)!);
  }

  summaryRows(): SummaryRow[] {
    return this.layers.map((layer) => {
      const calls = this.nodes.filter((n) => n.layer === layer);
      const first = calls[0];
      const shape = first ? first.output.exampleShape : layer.inputShape ?? [];
      return {
        name: layer.name,
        type: layer.className,
        outputShape: [...shape],
        params: layer.countParams(),
        flops: calls.reduce((n, c) => n + layer.flops(c.inputs[0].exampleShape), 0),
        connectedTo: calls.flatMap((c) => c.inputs.map((t) => this.refName(t))),
      };
    });
  }

  getConfig(name: string): GraphConfig {
    const ref = (t: SymbolicTensor): NodeRef => [t.node.layer.name, this.localIndex.get(t.node) ?? 0, 0];
    return {
      name,
      layers: this.layers.map((layer) => ({
        ...layer.serialize(),
        name: layer.name,
        inboundNodes: this.nodes.filter((n) => n.layer === layer).map((n) => n.inputs.map(ref)),
      })),
      inputLayers: this.inputTensors.map(ref),
      outputLayers: this.outputTensors.map(ref),
    };
  }

  /** Rebuilds the graph from a config: layers from the registry, then their calls once their inputs exist. */
  static fromConfig(config: GraphConfig, owner = 'model'): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
    const fail = (msg: string): never => {
      throw new Error(`${owner}: ${msg}`);
    };
    checkGraphConfig(config, fail);
    const layers = new Map<string, Layer>();
    const produced = new Map<string, SymbolicTensor>();
    const pending: { layer: Layer; index: number; refs: NodeRef[] }[] = [];
    for (const spec of config.layers) {
      if (layers.has(spec.name)) fail(`two layers are named '${spec.name}'`);
      const layer = deserializeLayer({ className: spec.className, config: { ...spec.config, name: spec.name } } as SerializedLayer);
      layers.set(spec.name, layer);
      if (layer instanceof InputLayer) produced.set(`${spec.name}:0`, sourceTensor(layer, layer.inputShape!, layer.dtype));
      spec.inboundNodes.forEach((refs, index) => pending.push({ layer, index, refs }));
    }
    // Apply calls whose inputs exist until none is left; a pass without progress means a missing producer.
    while (pending.length > 0) {
      const ready = pending.findIndex((p) => p.refs.every(([l, n]) => produced.has(`${l}:${n}`)));
      if (ready < 0) {
        const stuck = pending[0];
        const missing = stuck.refs.find(([l, n]) => !produced.has(`${l}:${n}`))!;
        return fail(`layer '${stuck.layer.name}' reads call ${missing[1]} of '${missing[0]}', which no layer in the config makes`);
      }
      const { layer, index, refs } = pending.splice(ready, 1)[0];
      produced.set(`${layer.name}:${index}`, applySymbolic(layer, refs.map(([l, n]) => produced.get(`${l}:${n}`)!)));
    }
    const find = ([l, n]: NodeRef, what: string) => produced.get(`${l}:${n}`) ?? fail(`${what} names call ${n} of '${l}', which the config does not make`);
    return { inputs: config.inputLayers.map((r) => find(r, 'inputLayers')), outputs: config.outputLayers.map((r) => find(r, 'outputLayers')) };
  }
}

const isRef = (r: unknown): boolean =>
  Array.isArray(r) && r.length >= 3 && typeof r[0] === 'string' && Number.isSafeInteger(r[1]) && (r[1] as number) >= 0 && r[2] === 0;

/** Checks the shape of an untrusted graph config before anything is built. */
function checkGraphConfig(config: GraphConfig, fail: (msg: string) => never): void {
  if (!config || !Array.isArray(config.layers) || !Array.isArray(config.inputLayers) || !Array.isArray(config.outputLayers)) {
    fail('a functional model config needs layers, inputLayers and outputLayers');
  }
  config.layers.forEach((l, i) => {
    if (!l || typeof l.className !== 'string' || typeof l.name !== 'string' || !Array.isArray(l.inboundNodes)) fail(`layers[${i}] needs className, name and inboundNodes`);
    l.inboundNodes.forEach((node, k) => {
      if (!Array.isArray(node) || !node.every(isRef)) fail(`layers[${i}] ('${l.name}') inboundNodes[${k}] must be a list of [layerName, nodeIndex, 0]`);
    });
  });
  for (const r of [...config.inputLayers, ...config.outputLayers]) if (!isRef(r)) fail(`inputLayers and outputLayers must hold [layerName, nodeIndex, 0], got ${JSON.stringify(r)}`);
}
