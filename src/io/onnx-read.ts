// Reading an ONNX file's protobuf safely: decode with size checks, tensors (initializers, Constant values) to
// glassbox values, node attributes by type, and clear refusals of external data and unsupported types.

import onnxProto from 'onnx-proto';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { halfToFloat } from './float16.js';

const { onnx } = onnxProto;
export type IModel = import('onnx-proto').onnx.IModelProto;
export type INode = import('onnx-proto').onnx.INodeProto;
export type ITensor = import('onnx-proto').onnx.ITensorProto;
export type IAttribute = import('onnx-proto').onnx.IAttributeProto;
export type IValueInfo = import('onnx-proto').onnx.IValueInfoProto;

/** An integer constant: shape-like vectors may hold the symbolic batch size. */
export type Dim = number | 'batch';

/** What a file's tensor holds: floats (as a float32 tensor) or integers (exact up to 2^53, as numbers). */
export type TensorData = { kind: 'float'; t: Tensor } | { kind: 'ints'; values: number[]; shape: number[] };

/** Long (protobufjs int64) or number to a number; beyond +-2^53 clamped (Slice ends write INT64_MAX). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v > 2n ** 53n ? 2n ** 53n : v < -(2n ** 53n) ? -(2n ** 53n) : v);
  if (v && typeof v === 'object' && 'toNumber' in v) {
    const long = v as { toNumber(): number; high: number; low: number; unsigned?: boolean };
    const n = long.toNumber();
    return Number.isFinite(n) ? Math.max(-(2 ** 53), Math.min(2 ** 53, n)) : 0;
  }
  return Number(v);
}

/** Decodes a ModelProto from bytes; protobuf errors become one message naming the file. */
export function decodeModel(bytes: Uint8Array, source: string): IModel {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not a valid ONNX file (${(e as Error).message}); the file is truncated or not ONNX`);
  }
}

const FLOAT = 1;
const BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };
const TYPE_NAMES: Record<number, string> = { 8: 'string', 14: 'complex64', 15: 'complex128', 16: 'bfloat16' };

/** The shape of a tensor proto, checked (non-negative safe integers). */
function dimsOf(t: ITensor, what: string): number[] {
  const dims = (t.dims ?? []).map(toNumber);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${what}: shape ${JSON.stringify(dims)} must be non-negative integers`);
  return dims;
}

/** A tensor proto's values, after checking its type, its storage and that its byte count matches its shape. */
export function readTensor(t: ITensor, what: string): TensorData {
  if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0) {
    throw new Error(`${what} is stored in an external data file; glassbox reads self-contained .onnx files only (re-export with the weights inside the file, as torch.onnx.export does below 2 GB)`);
  }
  const type = t.dataType ?? 0;
  const shape = dimsOf(t, what);
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = BYTES[type];
  if (bytes === undefined) throw new Error(`${what}: element type ${TYPE_NAMES[type] ?? type} is not supported (float, double, float16 and integer types are)`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const fromRaw = raw !== null;
  if (fromRaw && raw.length !== n * bytes) {
    throw new Error(`${what}: ${raw.length} bytes of data for shape ${formatShape(shape)} (needs ${n * bytes}); the file is corrupt`);
  }
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const typed = (list: ArrayLike<unknown> | null | undefined): ArrayLike<unknown> => {
    const l = list ?? [];
    if (l.length !== n) throw new Error(`${what}: ${l.length} values for shape ${formatShape(shape)} (needs ${n}); the file is corrupt`);
    return l;
  };
  const isFloat = type === FLOAT || type === 10 || type === 11;
  if (isFloat) {
    const out = new Float32Array(n);
    if (view) {
      for (let i = 0; i < n; i++) out[i] = type === FLOAT ? view.getFloat32(i * 4, true) : type === 11 ? view.getFloat64(i * 8, true) : halfToFloat(view.getUint16(i * 2, true));
    } else {
      const src = type === FLOAT ? typed(t.floatData) : type === 11 ? typed(t.doubleData) : typed(t.int32Data);
      for (let i = 0; i < n; i++) out[i] = type === 10 ? halfToFloat(src[i] as number) : (src[i] as number);
    }
    return { kind: 'float', t: new Tensor(out, shape) };
  }
  const values = new Array<number>(n);
  if (view) {
    for (let i = 0; i < n; i++) values[i] = readInt(view, i, type);
  } else {
    const src = type === 7 ? typed(t.int64Data) : type === 13 ? typed(t.uint64Data) : type === 12 ? typed(t.uint64Data) : typed(t.int32Data);
    for (let i = 0; i < n; i++) values[i] = toNumber(src[i]);
  }
  return { kind: 'ints', values, shape };
}

function readInt(view: DataView, i: number, type: number): number {
  switch (type) {
    case 2: case 9: return view.getUint8(i);
    case 3: return view.getInt8(i);
    case 4: return view.getUint16(i * 2, true);
    case 5: return view.getInt16(i * 2, true);
    case 6: return view.getInt32(i * 4, true);
    case 12: return view.getUint32(i * 4, true);
    default: return toNumber(type === 13 ? view.getBigUint64(i * 8, true) : view.getBigInt64(i * 8, true));
  }
}

/** A node's attributes by name, read with the type the operator expects. */
export class Attributes {
  private readonly byName = new Map<string, IAttribute>();

  constructor(node: INode, private readonly fail: (msg: string) => never) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? toNumber(a.i ?? 0) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? a.f ?? 0 : fallback;
  }

  ints(name: string, fallback: number[] | null = null): number[] | null {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map(toNumber) : fallback;
  }

  floats(name: string): number[] | null {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : null;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }

  tensor(name: string): ITensor | null {
    return this.byName.get(name)?.t ?? null;
  }

  /** Refuses attributes the import does not implement, unless they hold their default. */
  only(known: string[]): void {
    for (const name of this.byName.keys()) if (!known.includes(name)) this.fail(`attribute '${name}' is not supported`);
  }
}

/** Element type and dimensions of a graph input: [batch, ...fixed sizes]; a symbolic size past the batch is refused. */
export function inputSpec(v: IValueInfo, source: string): { name: string; shape: number[]; elemType: number; staticBatch: number | null } {
  const name = v.name ?? '';
  const tt = v.type?.tensorType;
  if (!tt) throw new Error(`${source}: graph input '${name}' is not a tensor`);
  const dims = tt.shape?.dim ?? [];
  if (dims.length === 0) throw new Error(`${source}: graph input '${name}' has no shape (rank 0 or unknown); glassbox needs [batch, ...sizes]`);
  const shape = dims.slice(1).map((d, i) => {
    const value = d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : NaN;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`${source}: graph input '${name}' has a dynamic size ${JSON.stringify(d.dimParam ?? '?')} at axis ${i + 1}; glassbox needs every size but the batch (axis 0) fixed: export with fixed sizes`);
    }
    return value;
  });
  const first = dims[0].dimValue !== undefined && dims[0].dimValue !== null ? toNumber(dims[0].dimValue) : null;
  return { name, shape, elemType: tt.elemType ?? 0, staticBatch: first && first > 0 ? first : null };
}
