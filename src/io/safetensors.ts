// The safetensors format: an 8-byte little-endian header length, a JSON header, raw little-endian tensor bytes.

import { Tensor, type DType, type TypedArray } from '../tensor/tensor.js';

/** Tensors by name, in file order. */
export type NamedTensors = Map<string, Tensor>;

export interface SafetensorsFile {
  tensors: NamedTensors;
  /** The optional `__metadata__` string map. */
  metadata: Record<string, string>;
}

export interface DecodeOptions {
  /** Name of the source in error messages (a path, or 'artifacts'). */
  source?: string;
  /** Largest header accepted, in bytes (the format's own limit is 100 MB). */
  maxHeaderBytes?: number;
}

const FORMAT_DTYPES: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL', int8: 'I8' };
const READ_DTYPES: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: 'float32', bytes: 4 },
  I32: { dtype: 'int32', bytes: 4 },
  BOOL: { dtype: 'bool', bytes: 1 },
  U8: { dtype: 'bool', bytes: 1 },
  I8: { dtype: 'int8', bytes: 1 },
};
const KNOWN_UNSUPPORTED = ['F64', 'F16', 'BF16', 'I64', 'I16', 'U64', 'U32', 'U16', 'F8_E4M3', 'F8_E5M2'];
const DEFAULT_MAX_HEADER = 100_000_000;
const MAX_RANK = 16;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialises tensors (in the order given) and optional string metadata into safetensors bytes. */
export function encodeSafetensors(
  tensors: Iterable<readonly [string, Tensor]> | Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries: (readonly [string, Tensor])[] =
    Symbol.iterator in Object(tensors) ? [...(tensors as Iterable<readonly [string, Tensor]>)] : Object.entries(tensors as Record<string, Tensor>);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata value '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const [name, t] of entries) {
    if (typeof name !== 'string' || name.length === 0 || name === '__metadata__') {
      throw new Error(`safetensors: invalid tensor name '${String(name)}'`);
    }
    if (seen.has(name)) throw new Error(`safetensors: duplicate tensor name '${name}'`);
    seen.add(name);
    const bytes = t.values.byteLength;
    header[name] = { dtype: FORMAT_DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(littleEndianBytes(t.values), at);
    at += t.values.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  format: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses safetensors bytes, checking every length, offset, dtype and shape before allocating tensors. */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): SafetensorsFile {
  const src = options.source ?? 'safetensors data';
  const fail = (msg: string): never => {
    throw new Error(`${src}: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected bytes (Uint8Array)');
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, fewer than the 8-byte header length field`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  if (hi !== 0 || lo > maxHeader) {
    fail(`header length ${hi * 2 ** 32 + lo} is absurd (limit ${maxHeader}); the file is corrupt or not safetensors`);
  }
  if (lo < 2) fail(`header length ${lo} is too small to hold a JSON object; the file is corrupt`);
  if (8 + lo > bytes.length) {
    fail(`truncated: the header claims ${lo} bytes but only ${bytes.length - 8} follow the length field`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + lo));
  } catch {
    return fail('corrupt header: not valid UTF-8');
  }
  if (text.trimStart()[0] !== '{') fail('corrupt header: it does not start with a JSON object');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`corrupt header: not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('corrupt header: expected a JSON object');
  const dataLen = bytes.length - 8 - lo;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, spec] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(checkEntry(name, spec, dataLen, fail));
  }
  // The data region must be covered exactly: no overlaps, no holes, nothing trailing.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  for (const e of sorted) {
    if (e.begin < expect) fail(`tensor '${e.name}' overlaps another tensor (offset ${e.begin} < ${expect})`);
    if (e.begin > expect) fail(`hole in the data before tensor '${e.name}' (bytes ${expect}..${e.begin} belong to no tensor)`);
    expect = e.end;
  }
  if (expect !== dataLen) {
    fail(`${dataLen - expect} trailing bytes after the last tensor; the file is corrupt or was written by a different tool`);
  }
  const tensors: NamedTensors = new Map();
  const base = bytes.byteOffset + 8 + lo;
  for (const e of entries) {
    const { dtype } = READ_DTYPES[e.format];
    tensors.set(e.name, new Tensor(copyValues(bytes.buffer, base + e.begin, e.end - e.begin, dtype), e.shape, dtype));
  }
  return { tensors, metadata };
}

function checkEntry(name: string, spec: unknown, dataLen: number, fail: (m: string) => never): Entry {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail(`tensor '${name}': expected {dtype, shape, data_offsets}`);
  const { dtype, shape, data_offsets: offsets } = spec as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor '${name}': dtype is missing`);
  const format = dtype as string;
  const info = Object.hasOwn(READ_DTYPES, format) ? READ_DTYPES[format] : undefined;
  if (!info) {
    const why = KNOWN_UNSUPPORTED.includes(format) ? 'is not supported by glassbox' : 'is not a safetensors dtype';
    fail(`tensor '${name}': dtype '${format}' ${why}; glassbox reads ${Object.keys(READ_DTYPES).join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.length > MAX_RANK) fail(`tensor '${name}': shape must be an array of at most ${MAX_RANK} dimensions`);
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`tensor '${name}': shape ${JSON.stringify(shape)} holds a non-integer or negative dimension`);
  }
  let count = (shape as number[]).includes(0) ? 0 : 1;
  for (const d of count === 0 ? [] : (shape as number[])) {
    count *= d;
    if (count > dataLen) fail(`tensor '${name}': absurd shape ${JSON.stringify(shape)} needs more values than the file's ${dataLen} data bytes`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor '${name}': data_offsets must be [begin, end]`);
  const [begin, end] = offsets as unknown[];
  if (!isOffset(begin) || !isOffset(end) || (end as number) < (begin as number)) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} are not non-negative integers with begin <= end`);
  }
  if ((end as number) > dataLen) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} point past the end of the data (${dataLen} bytes); the file is truncated or corrupt`);
  }
  const need = count * info!.bytes;
  if ((end as number) - (begin as number) !== need) {
    fail(`tensor '${name}': shape ${JSON.stringify(shape)} of ${format} needs ${need} bytes but data_offsets span ${(end as number) - (begin as number)}`);
  }
  return { name, format, shape: shape as number[], begin: begin as number, end: end as number };
}

function isOffset(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Copies a byte range into a fresh, aligned typed array, swapping bytes on a big-endian host. */
function copyValues(buffer: ArrayBufferLike, at: number, byteLength: number, dtype: DType): TypedArray {
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, at, byteLength));
  if (dtype === 'bool') return copy;
  if (dtype === 'int8') return new Int8Array(copy.buffer);
  if (!LITTLE_ENDIAN_HOST) swap4(copy);
  return dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
}

function littleEndianBytes(values: TypedArray): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN_HOST || values.BYTES_PER_ELEMENT === 1) return bytes;
  const copy = new Uint8Array(bytes);
  swap4(copy);
  return copy;
}

function swap4(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const t0 = b[i];
    const t1 = b[i + 1];
    b[i] = b[i + 3];
    b[i + 1] = b[i + 2];
    b[i + 2] = t1;
    b[i + 3] = t0;
  }
}
