// Patterns found before an ONNX graph is imported: exporters spell GELU as Div-Erf-Add-Mul-Mul and a dense
// layer on 3-D inputs as MatMul + Add; each becomes one layer. Graph outputs reached through Identity or
// Dropout name the layer that really makes them.

import { Tensor } from '../tensor/tensor.js';
import type { INode } from './onnx-read.js';
import type { NodeContext, OnnxValue } from './onnx-import.js';
import { denseFromMatMul, geluOf } from './onnx-ops.js';

export type Fusion =
  /** The node's work is done by a later node's replacement. */
  | { kind: 'skip' }
  /** The node runs `run` on the values named `inputs` instead of its own handler. */
  | { kind: 'replace'; inputs: string[]; run: (ctx: NodeContext) => OnnxValue; outputName?: string; layoutAware?: boolean }
  /** The node runs as usual; its layer takes this graph output's name. */
  | { kind: 'keep'; outputName: string };

export type Fusions = Map<number, Fusion>;

const PASSTHROUGH = new Set(['Identity', 'Dropout']);

/** The fusions of a graph: node index -> what to do instead. */
export function findFusions(nodes: readonly INode[], values: ReadonlyMap<string, OnnxValue>, graphOutputs: readonly string[]): Fusions {
  const fusions: Fusions = new Map();
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    (n.output ?? []).forEach((o) => producer.set(o, i));
    (n.input ?? []).forEach((v) => consumers.set(v, [...(consumers.get(v) ?? []), i]));
  });
  graphOutputs.forEach((o) => consumers.set(o, [...(consumers.get(o) ?? []), -1]));
  const scalar = (name: string, want: number): boolean => {
    const v = values.get(name) ?? constantOf(nodes, producer, name);
    return v?.kind === 'const' && v.t.size === 1 && Math.abs(v.t.values[0] - want) < 1e-6 * Math.max(1, Math.abs(want));
  };
  /** The one node reading `name` (and nothing else reads it, nor is it a graph output). */
  const only = (name: string): number | null => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && c[0] >= 0 ? c[0] : null;
  };
  const other = (n: INode, name: string): string | null => {
    const ins = n.input ?? [];
    return ins.length === 2 && ins.includes(name) ? (ins[0] === name ? ins[1] : ins[0]) : null;
  };
  nodes.forEach((node, i) => {
    if (node.opType === 'Erf') matchGelu(i);
    if (node.opType === 'MatMul') matchDense(i);
  });

  function matchGelu(e: number): void {
    const scaled = nodes[e].input?.[0] ?? '';
    const d = producer.get(scaled);
    if (d === undefined || only(scaled) !== e) return;
    const div = nodes[d];
    const [x, c] = div.input ?? [];
    const isScale = (div.opType === 'Div' && scalar(c, Math.SQRT2)) || (div.opType === 'Mul' && scalar(c, Math.SQRT1_2));
    if (!isScale) return;
    const a = only(nodes[e].output?.[0] ?? '');
    if (a === null || nodes[a].opType !== 'Add' || !scalar(other(nodes[a], nodes[e].output![0]) ?? '', 1)) return;
    const m1 = only(nodes[a].output?.[0] ?? '');
    if (m1 === null || nodes[m1].opType !== 'Mul') return;
    const partner = other(nodes[m1], nodes[a].output![0]) ?? '';
    let last: number | null = null;
    const skip = [d, e, a];
    if (partner === x) {
      // 0.5 * (x * (1 + erf(x / sqrt 2))).
      const m2 = only(nodes[m1].output?.[0] ?? '');
      if (m2 === null || nodes[m2].opType !== 'Mul' || !scalar(other(nodes[m2], nodes[m1].output![0]) ?? '', 0.5)) return;
      skip.push(m1);
      last = m2;
    } else {
      // (x * 0.5) * (1 + erf(x / sqrt 2)).
      const h = producer.get(partner);
      if (h === undefined || nodes[h].opType !== 'Mul' || only(partner) !== m1 || other(nodes[h], x) === null || !scalar(other(nodes[h], x)!, 0.5)) return;
      skip.push(h);
      last = m1;
    }
    skip.forEach((k) => fusions.set(k, { kind: 'skip' }));
    fusions.set(last, { kind: 'replace', inputs: [x], run: geluOf, layoutAware: true });
  }

  function matchDense(m: number): void {
    const [a, w] = nodes[m].input ?? [];
    const wv = values.get(w);
    if (wv?.kind !== 'const' || wv.t.rank !== 2) return;
    const add = only(nodes[m].output?.[0] ?? '');
    if (add === null || nodes[add].opType !== 'Add') return;
    const b = other(nodes[add], nodes[m].output![0]) ?? '';
    const bv = values.get(b);
    if (bv?.kind !== 'const' || bv.t.size !== wv.t.shape[1] || bv.t.shape.some((dim, k) => k < bv.t.rank - 1 && dim !== 1)) return;
    fusions.set(m, { kind: 'skip' });
    fusions.set(add, { kind: 'replace', inputs: [a, w, b], run: denseFromMatMul });
  }

  // Graph outputs reached through passthroughs name the node that makes their value.
  for (const out of graphOutputs) {
    let name = out;
    let k = producer.get(name);
    while (k !== undefined && PASSTHROUGH.has(nodes[k].opType ?? '')) {
      name = nodes[k].input?.[0] ?? '';
      k = producer.get(name);
    }
    if (k === undefined || name === out) continue;
    const f = fusions.get(k);
    if (!f) fusions.set(k, { kind: 'keep', outputName: out });
    else if (f.kind === 'replace') f.outputName = out;
  }
  return fusions;
}

/** The value of a Constant node's `value` tensor when `name` is made by one (a float scalar in GELU's pattern). */
function constantOf(nodes: readonly INode[], producer: ReadonlyMap<string, number>, name: string): OnnxValue | undefined {
  const k = producer.get(name);
  if (k === undefined || nodes[k].opType !== 'Constant') return undefined;
  const t = nodes[k].attribute?.find((a) => a.name === 'value')?.t;
  if (!t || (t.dataType !== 1 && t.dataType !== undefined)) return undefined;
  const raw = t.rawData;
  const v = raw && raw.length === 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true) : t.floatData?.length === 1 ? t.floatData[0] : null;
  if (v === null) return undefined;
  return { kind: 'const', t: new Tensor(Float32Array.of(v), []), initializer: null };
}
