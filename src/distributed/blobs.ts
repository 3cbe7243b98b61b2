// Bytes stored in Redis once, under their SHA-256: model artifacts, rows, background; read back size-checked and verified.

import type { Redis } from 'ioredis';
import { contentHash } from './codec.js';
import { PayloadError } from './validate.js';

/** Blobs expire a day after a run last stored them; runs delete what only they use when they end. */
export const BLOB_TTL_SECONDS = 24 * 3600;
/** Largest blob a worker reads (a model, a shard's rows, a background set, a data file). */
export const MAX_BLOB_BYTES = 256 * 1024 * 1024;

export class BlobStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  key(hash: string): string {
    return `${this.prefix}:blob:${hash}`;
  }

  /**
   * Stores bytes under their hash unless already there (then only renews the expiry); returns the hash. `key` stores
   * them under a run's own key instead (what one run alone uses, deleted when it ends), still checked by the hash.
   */
  async put(bytes: Uint8Array, what: string, key?: string): Promise<string> {
    if (bytes.length > MAX_BLOB_BYTES) {
      throw new Error(`${what} is ${(bytes.length / 2 ** 20).toFixed(0)} MiB, over the ${MAX_BLOB_BYTES / 2 ** 20} MiB a run may store in Redis; send less per run`);
    }
    const hash = contentHash(bytes);
    key ??= this.key(hash);
    const set = await this.redis.set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', BLOB_TTL_SECONDS, 'NX');
    if (set === null) await this.redis.expire(key, BLOB_TTL_SECONDS);
    return hash;
  }

  /** The bytes stored under `hash`; refuses a blob over `maxBytes` before reading it, and checks the hash after. */
  async get(hash: string, what: string, maxBytes = MAX_BLOB_BYTES, key = this.key(hash)): Promise<Uint8Array> {
    const size = await this.redis.strlen(key);
    if (size === 0) throw new Error(`${what} (blob ${hash.slice(0, 12)}) is not in Redis: it expired, or Redis was restarted without persistence; run the command again`);
    if (size > maxBytes) throw new PayloadError(`${what} is ${size} bytes, over the ${maxBytes}-byte limit; refused`);
    const buf = await this.redis.getBuffer(key);
    if (!buf) throw new Error(`${what} (blob ${hash.slice(0, 12)}) disappeared from Redis while being read; run the command again`);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (contentHash(bytes) !== hash) throw new PayloadError(`${what}: the bytes in Redis do not match their SHA-256 ${hash.slice(0, 12)}; refused`);
    return bytes;
  }

}
