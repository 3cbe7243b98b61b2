// A compiled plan: a graph's live nodes as an ordered list of kernel calls over buffers in backend
// memory, allocated once and reused by lifetime. Running a plan allocates nothing; dispose() returns
// its buffers to the backend at once.

import { getBackend, type Backend } from '../backend/backend.js';
import type { DType, TypedArray } from '../tensor/tensor.js';
import { OPS } from '../ops/registry/index.js';
import type { Kernel, OpDef, RunContext } from '../ops/registry/types.js';
import type { Graph, GraphNode, GraphValue } from './graph.js';

export interface PlanSpec {
  /** Values the caller writes before each run, by name. */
  inputs: Record<string, GraphValue>;
  /** Values the caller reads after each run, by name. */
  outputs: Record<string, GraphValue>;
}

export interface PlanStats {
  /** Kernel calls per run. */
  kernels: number;
  /** Nodes that cost nothing because their output is a view (reshape, contiguous slices). */
  views: number;
  /** Bytes of the buffers the plan owns (activations, gradients, inputs, constants). */
  bufferBytes: number;
  buffers: number;
  /** Kernel calls per op name. */
  ops: Record<string, number>;
}

interface Step {
  kernel: Kernel;
  ins: TypedArray[];
  out: TypedArray;
  /** Op name and output shape, for profiles. */
  label: string;
}

/** Where a value's elements live: a float array (a pooled block, a variable, a constant) and an element offset. */
interface Home {
  root: Float32Array;
  /** Offset in elements of the value's dtype. */
  offset: number;
  block: Block | null;
}

interface Block {
  arr: Float32Array;
  floats: number;
}

const BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1, int8: 1 };

function viewOf(home: Home, dtype: DType, size: number): TypedArray {
  const { root, offset } = home;
  if (dtype === 'float32') return root.subarray(offset, offset + size);
  const byteOffset = root.byteOffset + offset * BYTES[dtype];
  if (dtype === 'int8') return new Int8Array(root.buffer, byteOffset, size);
  return dtype === 'int32' ? new Int32Array(root.buffer, byteOffset, size) : new Uint8Array(root.buffer, byteOffset, size);
}

export class Plan {
  readonly inputs: Record<string, TypedArray> = {};
  readonly outputs: Record<string, TypedArray> = {};
  readonly stats: PlanStats;
  private readonly shapes = new Map<string, readonly number[]>();
  private readonly steps: Step[] = [];
  private readonly owned: Float32Array[] = [];
  private disposed = false;

  private constructor(private readonly be: Backend, graph: Graph, spec: PlanSpec) {
    const { nodes: live, outputs } = schedule(graph, spec);
    const homes = new Map<GraphValue, Home>();
    const free: Block[] = [];
    const allocate = (bytes: number, fresh = false): Block => {
      const floats = Math.ceil(bytes / 4);
      let best = -1;
      if (!fresh) for (let i = 0; i < free.length; i++) if (free[i].floats >= floats && (best < 0 || free[i].floats < free[best].floats)) best = i;
      if (best >= 0) return free.splice(best, 1)[0];
      const arr = this.be.allocFloat32(floats);
      this.owned.push(arr);
      return { arr, floats };
    };
    const rootOf = new Map<GraphValue, GraphValue>();
    const root = (v: GraphValue): GraphValue => rootOf.get(v) ?? v;
    const views = new Map<GraphValue, number>();
    for (const node of live) {
      const def = OPS[node.op] as OpDef<unknown>;
      const offset = def.view ? def.view(node.inputs, node.attrs) : null;
      if (offset !== null) {
        views.set(node.output, offset);
        rootOf.set(node.output, root(node.inputs[0]));
      }
    }
    // When each root's storage is last read: the last node reading it or any view of it.
    const lastUse = new Map<GraphValue, number>();
    live.forEach((node, i) => node.inputs.forEach((v) => lastUse.set(root(v), i)));
    for (const v of Object.values(outputs)) lastUse.set(root(v), Infinity);

    const homeOf = (v: GraphValue): Home => {
      let h = homes.get(v);
      if (h) return h;
      const src = v.source;
      if (src.kind === 'param') h = { root: src.variable.values as Float32Array, offset: 0, block: null };
      else if (src.kind === 'const') {
        // A block of its own: a pooled one would be overwritten by the nodes that used it before.
        h = { root: allocate(v.size * BYTES[v.dtype], true).arr, offset: 0, block: null };
        viewOf(h, v.dtype, v.size).set(src.values);
      } else if (src.kind === 'input') {
        throw new Error(`plan: the graph reads input '${src.name}', which the plan was not given`);
      } else throw new Error(`plan: value ${v.id} is used before the node that makes it`);
      homes.set(v, h);
      return h;
    };
    // Inputs the caller fills: allocated up front, reusable once read for the last time.
    for (const [name, v] of Object.entries(spec.inputs)) {
      const block = allocate(v.size * BYTES[v.dtype]);
      homes.set(v, { root: block.arr, offset: 0, block });
      this.inputs[name] = viewOf(homes.get(v)!, v.dtype, v.size);
    }
    const ops: Record<string, number> = {};
    let viewCount = 0;
    live.forEach((node, i) => {
      const ins = node.inputs.map((v) => homeOf(v));
      const out = node.output;
      const offset = views.get(out);
      if (offset !== undefined) {
        const base = ins[0];
        homes.set(out, { root: base.root, offset: base.offset + offset, block: null });
        viewCount++;
      } else {
        const block = allocate(out.size * BYTES[out.dtype]);
        const home = { root: block.arr, offset: 0, block };
        homes.set(out, home);
        const def = OPS[node.op] as OpDef<unknown>;
        this.steps.push({
          kernel: def.prepare(node.inputs, out, node.attrs),
          ins: node.inputs.map((v, k) => viewOf(ins[k], v.dtype, v.size)),
          out: viewOf(home, out.dtype, out.size),
          label: `${node.op} [${out.shape.join(',')}]`,
        });
        ops[node.op] = (ops[node.op] ?? 0) + 1;
      }
      // Storage read for the last time here goes back to the pool (after the output took its block).
      const released = new Set<GraphValue>();
      for (const v of [...node.inputs, out]) {
        const r = root(v);
        const h = homes.get(r);
        if (!released.has(r) && h?.block && (lastUse.get(r) ?? -1) <= i) {
          free.push(h.block);
          released.add(r);
        }
      }
    });
    for (const [name, v] of Object.entries(outputs)) {
      this.outputs[name] = viewOf(homeOf(v), v.dtype, v.size);
      this.shapes.set(`out:${name}`, v.shape);
    }
    for (const [name, v] of Object.entries(spec.inputs)) this.shapes.set(`in:${name}`, v.shape);
    this.stats = {
      kernels: this.steps.length, views: viewCount, ops, buffers: this.owned.length,
      bufferBytes: this.owned.reduce((s, a) => s + a.byteLength, 0),
    };
  }

  /** Compiles the nodes the outputs need (and every side effect) into a plan on the active backend. */
  static compile(graph: Graph, spec: PlanSpec, be: Backend = getBackend()): Plan {
    return new Plan(be, graph, spec);
  }

  outputShape(name: string): readonly number[] {
    const s = this.shapes.get(`out:${name}`);
    if (!s) throw new Error(`plan: no output named '${name}'`);
    return s;
  }

  inputShape(name: string): readonly number[] {
    const s = this.shapes.get(`in:${name}`);
    if (!s) throw new Error(`plan: no input named '${name}'`);
    return s;
  }

  /** Runs every kernel once; fill `inputs` first, read `outputs` after. */
  run(ctx: RunContext = { rng: null }): void {
    if (this.disposed) throw new Error('plan: this plan was disposed; compile a new one');
    const be = this.be;
    for (const s of this.steps) s.kernel(be, s.ins, s.out, ctx);
  }

  /**
   * Runs the plan like run(), timing every kernel call; adds milliseconds per op and output shape into
   * `times` (a diagnostic: where a step's time goes).
   */
  runTimed(times: Map<string, number>, ctx: RunContext = { rng: null }): void {
    if (this.disposed) throw new Error('plan: this plan was disposed; compile a new one');
    const be = this.be;
    for (const s of this.steps) {
      const t = performance.now();
      s.kernel(be, s.ins, s.out, ctx);
      times.set(s.label, (times.get(s.label) ?? 0) + performance.now() - t);
    }
  }

  /** Returns the plan's buffers to the backend now; the plan cannot run after this. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const arr of this.owned) this.be.free(arr);
    this.owned.length = 0;
    this.steps.length = 0;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/**
 * The nodes the outputs need, plus side effects, in graph order; a node computing what an earlier one
 * already computed (same op, attributes and inputs: e.g. a softmax both the model and a loss gradient
 * emit) is merged into it. Random and side-effect ops are never merged.
 */
function schedule(graph: Graph, spec: PlanSpec): { nodes: GraphNode[]; outputs: Record<string, GraphValue> } {
  const canon = new Map<GraphValue, GraphValue>();
  const c = (v: GraphValue) => canon.get(v) ?? v;
  const seen = new Map<string, GraphValue>();
  const merged: GraphNode[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(c);
    const def = OPS[node.op] as OpDef<unknown>;
    if (!def.random && !def.effect) {
      const key = `${node.op}|${JSON.stringify(node.attrs)}|${inputs.map((v) => v.id).join(',')}`;
      const prev = seen.get(key);
      if (prev) {
        canon.set(node.output, prev);
        continue;
      }
      seen.set(key, node.output);
    }
    merged.push(inputs.every((v, i) => v === node.inputs[i]) ? node : { ...node, inputs });
  }
  const outputs = Object.fromEntries(Object.entries(spec.outputs).map(([k, v]) => [k, c(v)]));
  const producer = new Map(merged.map((n) => [n.output, n]));
  const needed = new Set<GraphNode>();
  const stack: GraphValue[] = [...Object.values(outputs), ...merged.filter((n) => OPS[n.op].effect).map((n) => n.output)];
  const inputs = new Set(Object.values(spec.inputs));
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (inputs.has(v)) continue;
    const node = producer.get(v);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    stack.push(...node.inputs);
  }
  return { nodes: merged.filter((n) => needed.has(n)), outputs };
}
