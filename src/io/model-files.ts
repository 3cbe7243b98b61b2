// A model folder on disk: writes model.json + weights atomically as a pair, reads them back with checks.

import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurableTemp, syncDir } from './atomic.js';
import { crc32 } from './crc32.js';
import { MAX_MODEL_JSON_BYTES, type WeightsRef } from './model-format.js';

const PREV_SUFFIX = '.prev';

/**
 * Writes weights then model.json so that a crash at any instant leaves a loadable model:
 * both files are flushed as temp files first; the old weights are kept as `<file>.prev`
 * until the new model.json is in place, and the loader falls back to them when model.json's
 * checksum does not match the current weights.
 */
export async function writeModelFolder(dir: string, jsonName: string, jsonText: string, weightsName: string, weights: Uint8Array): Promise<void> {
  const jsonPath = join(dir, jsonName);
  const weightsPath = join(dir, weightsName);
  const tmpWeights = await writeDurableTemp(weightsPath, weights);
  let tmpJson: string | null = null;
  try {
    tmpJson = await writeDurableTemp(jsonPath, jsonText);
    if (await exists(weightsPath)) await rename(weightsPath, weightsPath + PREV_SUFFIX);
    await rename(tmpWeights, weightsPath);
    await rename(tmpJson, jsonPath);
  } catch (e) {
    await unlink(tmpWeights).catch(() => undefined);
    if (tmpJson) await unlink(tmpJson).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
  await unlink(weightsPath + PREV_SUFFIX).catch(() => undefined);
}

/** Reads a model.json (or tfjs model.json) file as text, refusing absurd sizes before reading. */
export async function readJsonFile(path: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new Error(`${path}: no such file; pass a folder saved by model.save() or a model.json path`);
  }
  if (size > MAX_MODEL_JSON_BYTES) throw new Error(`${path}: ${size} bytes is too large for a model.json (limit ${MAX_MODEL_JSON_BYTES})`);
  return readFile(path, 'utf8');
}

/** Reads the weights model.json points to, verifying length and checksum (falling back to `.prev` after an interrupted save). */
export async function readWeightsFile(dir: string, ref: WeightsRef, jsonSource: string): Promise<{ bytes: Uint8Array; path: string }> {
  const path = join(dir, ref.file);
  const main = await checkedBytes(path, ref);
  if (main instanceof Uint8Array) return { bytes: main, path };
  const prev = await checkedBytes(path + PREV_SUFFIX, ref);
  if (prev instanceof Uint8Array) return { bytes: prev, path: path + PREV_SUFFIX };
  throw new Error(`${path}: ${main} (${jsonSource} expects ${ref.byteLength} bytes with CRC-32 ${ref.crc32})`);
}

/** The file's bytes when they match the reference, else a description of the problem. */
async function checkedBytes(path: string, ref: WeightsRef): Promise<Uint8Array | string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 'missing: the weights file is not next to model.json';
  }
  if (size !== ref.byteLength) {
    return `${size} bytes, not the ${ref.byteLength} model.json expects: the file is truncated or from a different save`;
  }
  const buf = await readFile(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const actual = crc32(bytes);
  return actual === ref.crc32 ? bytes : `corrupt: CRC-32 ${actual} does not match`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
