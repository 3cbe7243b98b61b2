// Bytes on the wire: float arrays as base64, JSON parsed under a size limit, content hashes. Nothing is evaluated.

import { createHash } from 'node:crypto';

/** A Float32Array as base64 of its little-endian bytes. */
export function f32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Base64 back to a Float32Array of exactly `length` values (a wrong size is an error, never a silent truncation). */
export function base64ToF32(s: unknown, length: number, what: string): Float32Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error(`${what}: expected base64 text`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length !== length * 4) throw new Error(`${what}: ${bytes.length} bytes, expected ${length} float32 values (${length * 4} bytes)`);
  return bytesToF32(bytes);
}

/** Little-endian float32 bytes as a Float32Array (copied, so the result is aligned). */
export function bytesToF32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function f32ToBytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** JSON.parse of text from Redis or a worker, refused above `maxBytes` (no reviver: data only). */
export function parseBoundedJson(text: unknown, maxBytes: number, what: string): unknown {
  if (typeof text !== 'string') throw new Error(`${what}: expected JSON text`);
  if (text.length > maxBytes) throw new Error(`${what}: ${text.length} bytes is over the ${maxBytes}-byte limit; refused`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

/** SHA-256 of bytes as 64 hex digits. */
export function contentHash(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
