// IDX files (the MNIST format): validated parsing of unsigned-byte arrays, sizes checked before use.

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** A parsed IDX file: its dimensions and a view of its bytes (no copy). */
export interface IdxArray {
  magic: number;
  dims: number[];
  data: Uint8Array;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/**
 * Parses an IDX file of unsigned bytes. `name` (a path) is used in error messages.
 * If `expectedMagic` is given the file must have exactly that magic number. The file size
 * must be exactly header + product of dimensions: truncated files and trailing bytes are errors.
 */
export function parseIdx(bytes: Uint8Array, name: string, expectedMagic?: number): IdxArray {
  const { magic, dims, headerBytes } = parseIdxHeader(bytes, bytes.length, name, expectedMagic);
  return { magic, dims, data: bytes.subarray(headerBytes) };
}

/**
 * Validates the header at the start of `bytes` for a file of `fileSize` bytes: magic number,
 * element type, dimensions, and that the size is exactly header + data (no truncation, no trailing bytes).
 */
export function parseIdxHeader(bytes: Uint8Array, fileSize: number, name: string, expectedMagic?: number): { magic: number; dims: number[]; headerBytes: number } {
  if (fileSize < 4 || bytes.length < 4) {
    throw new Error(`${name}: not an IDX file: only ${fileSize} bytes, too short for the 4-byte magic number`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || rank === 0) {
    throw new Error(
      `${name}: not an IDX file: magic number ${hex(magic)} should start with two zero bytes and name at least one dimension` +
        (expectedMagic !== undefined ? ` (expected ${hex(expectedMagic)})` : ''),
    );
  }
  if (type !== UNSIGNED_BYTE) {
    throw new Error(
      `${name}: IDX element type ${TYPE_NAMES[type] ?? '0x' + type.toString(16)} is not supported; only unsigned-byte files (0x08) can be read`,
    );
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new Error(
      `${name}: wrong magic number ${hex(magic)} (expected ${hex(expectedMagic)}, ` +
        `a ${expectedMagic & 0xff}-dimensional unsigned-byte IDX file); is this the right file?`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (fileSize < headerBytes || bytes.length < headerBytes) {
    throw new Error(`${name}: truncated IDX header: ${fileSize} bytes, but a ${rank}-dimensional header needs ${headerBytes}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // stays exact: compared against the real file size below before anything is allocated
  }
  const expected = headerBytes + count;
  if (fileSize !== expected) {
    const what = fileSize < expected ? 'truncated' : 'has trailing bytes';
    throw new Error(
      `${name}: ${what}: the header declares dimensions ${dims.join('x')}, so the file should be ` +
        `${expected} bytes (${headerBytes} header + ${count} data), but it is ${fileSize}; ` +
        're-install or re-download the file',
    );
  }
  return { magic, dims, headerBytes };
}

/** Encodes an unsigned-byte IDX file (magic, big-endian dimensions, data); the inverse of `parseIdx`. */
export function encodeIdx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.length === 0 || dims.length > 255 || data.length !== count) {
    throw new Error(`encodeIdx: ${data.length} values do not fill dimensions ${dims.join('x')} (need ${count})`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UNSIGNED_BYTE << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/** Reads and parses an IDX file synchronously. */
export function readIdxFileSync(path: string, expectedMagic?: number): IdxArray {
  return parseIdx(readWhole(path, () => readFileSync(path)), path, expectedMagic);
}

/** Reads and parses an IDX file. */
export async function readIdxFile(path: string, expectedMagic?: number): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw readError(path, e);
  }
  return parseIdx(bytes, path, expectedMagic);
}

function readWhole(path: string, read: () => Uint8Array): Uint8Array {
  try {
    return read();
  } catch (e) {
    throw readError(path, e);
  }
}

/**
 * Streams an unsigned-byte IDX file through `consume` in chunks of at most `chunkBytes`, after
 * validating its header against the real file size (as parseIdx does), so a large file is never
 * held whole in memory. Reads only the first `limit` items (along the first dimension) if given.
 */
export function streamIdxFileSync(
  path: string, expectedMagic: number, consume: (dims: number[]) => (chunk: Uint8Array, offset: number) => void,
  limit?: number, chunkBytes = 1 << 20,
): number[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw readError(path, e);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 4 + 4 * 255));
    readSync(fd, head, 0, head.length, 0);
    const { dims, headerBytes } = parseIdxHeader(head, size, path, expectedMagic);
    const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
    const items = limit === undefined ? dims[0] : Math.min(limit, dims[0]);
    const total = items * itemBytes;
    const sink = consume(dims);
    const buffer = new Uint8Array(Math.min(chunkBytes, Math.max(total, 1)));
    for (let done = 0; done < total; ) {
      const want = Math.min(buffer.length, total - done);
      const got = readSync(fd, buffer, 0, want, headerBytes + done);
      if (got <= 0) throw new Error(`${path}: truncated while reading (at byte ${headerBytes + done})`);
      sink(buffer.subarray(0, got), done);
      done += got;
    }
    return dims;
  } finally {
    closeSync(fd);
  }
}

function readError(path: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return new Error(`${path}: cannot read IDX file (${msg})`, { cause: e });
}
