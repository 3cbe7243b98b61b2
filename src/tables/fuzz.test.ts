// Fuzzing the file readers with seeded random edits: model.json, safetensors, CSV and IDX. Every case must end in a
// result or a clean Error (a plain Error with a message, never a TypeError or RangeError), and never in a changed model that loads.

import { describe, expect, it } from 'vitest';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { Rng } from '../util/random.js';
import { toArtifacts } from '../io/artifacts.js';
import { loadModel } from '../io/save-load.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { readCsvTable } from '../data/csv-table.js';
import { prepareTable } from '../data/table-split.js';
import { makeTestTable } from '../data/test-tables.js';
import { encodeIdx, parseIdx } from '../data/idx.js';
import { assertFinite } from '../data/check.js';
import { layers } from '../nn/index.js';
import { sequential } from '../train/sequential.js';
import './predict-table.js';

const PRINTABLE = ' "0123456789.-+eE,:[]{}abcnrtuxyz\\';

/** One random edit: replace, delete or insert a character, or rewrite a number (digit, sign, scale, extra digit). */
function mutateText(text: string, rng: Rng): string {
  const kind = rng.int(4);
  const at = rng.int(text.length);
  if (kind === 0) return text.slice(0, at) + PRINTABLE[rng.int(PRINTABLE.length)] + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + text.slice(at + 1);
  if (kind === 2) return text.slice(0, at) + PRINTABLE[rng.int(PRINTABLE.length)] + text.slice(at);
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi)];
  const m = numbers[rng.int(numbers.length)];
  const v = Number(m[0]);
  const edits = [String(v + 1), String(-v), String(v * 10), `${m[0]}1`, m[0].replace(/\d/, (d) => String((Number(d) + 1) % 10)), '0'];
  return text.slice(0, m.index) + edits[rng.int(edits.length)] + text.slice(m.index! + m[0].length);
}

function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length);
    out[at] = rng.int(2) ? out[at] ^ (1 << rng.int(8)) : rng.int(256);
  }
  return rng.int(8) === 0 ? out.subarray(0, rng.int(out.length)) : out;
}

/** Runs one case: 'ok' for a result, 'error' for a clean Error; anything else fails the test with the case. */
async function outcome(what: string, run: () => unknown): Promise<'ok' | 'error'> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || e.message.length < 10) {
      throw new Error(`${what}: not a clean error: ${e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
    return 'error';
  }
}

describe('fuzzing the readers (seeded)', () => {
  const table = readCsvTable(makeTestTable({ rows: 60, task: 'regression', missingRate: 0.05, seed: 9 }), 'gen.csv');
  const prepared = prepareTable(table, { target: 'price', missing: 'impute', seed: 1 });
  const model = sequential({ layers: [layers.dense({ units: 5, activation: 'tanh', inputShape: [prepared.train.x.shape[1]] }), layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  model.metadata = { table: prepared.pipeline.toJSON(), featureNames: prepared.pipeline.encoder.featureNames, groups: prepared.pipeline.encoder.groups };
  const artifacts = toArtifacts(model);
  const records = [{ age: 30, income: 50, region: 'east', noise: 0 }, { age: null, income: 20, region: null, noise: 1 }];
  const reference = JSON.stringify(model.predictTable(records));

  it('model.json: 400 random edits never load as a model that predicts differently', async () => {
    const rng = new Rng(1);
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < 400; i++) {
      const modelJson = mutateText(artifacts.modelJson, rng);
      const result = await outcome(`model.json edit ${i}`, async () => {
        const loaded = await loadModel({ modelJson, weights: artifacts.weights });
        expect(JSON.stringify(loaded.predictTable(records)), `edit ${i} loaded and predicts differently`).toBe(reference);
      });
      counts[result]++;
    }
    // Most edits are refused; the ones that load are edits JSON reads back the same (spaces, "1.0" for "1").
    expect(counts.error).toBeGreaterThan(300);
  });

  it('safetensors: 200 random byte edits are refused by the checksum, and the parser alone never crashes', async () => {
    const rng = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const weights = mutateBytes(artifacts.weights, rng);
      const same = weights.length === artifacts.weights.length && weights.every((b, j) => b === artifacts.weights[j]);
      expect(await outcome(`weights edit ${i}`, () => loadModel({ modelJson: artifacts.modelJson, weights }))).toBe(same ? 'ok' : 'error');
      await outcome(`safetensors parse ${i}`, () => decodeSafetensors(weights, { source: 'fuzz' }));
    }
  });

  it('CSV: 300 random edits to a training file and to rows to predict end in a result or a clean error', async () => {
    const text = makeTestTable({ rows: 30, task: 'classification', missingRate: 0.05, seed: 3 });
    const rng = new Rng(3);
    for (let i = 0; i < 300; i++) {
      const edited = mutateText(text, rng);
      await outcome(`CSV training edit ${i}`, () => {
        const p = prepareTable(readCsvTable(edited, 'fuzz.csv'), { target: 'bought', missing: i % 2 ? 'impute' : 'drop', seed: 1 });
        assertFinite(p.train.x);
        assertFinite(p.test.x);
      });
      await outcome(`CSV rows edit ${i}`, () => {
        const x = prepared.pipeline.encodeFeatures(readCsvTable(edited, 'fuzz.csv'));
        assertFinite(x);
      });
    }
  });

  it('IDX: 300 random byte edits end in a result or a clean error', async () => {
    const rng = new Rng(4);
    const images = encodeIdx([6, 4, 4], Array.from({ length: 96 }, (_, i) => i % 256));
    const labels = encodeIdx([6], [1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 300; i++) {
      const bytes = mutateBytes(i % 2 ? images : labels, rng);
      await outcome(`IDX edit ${i}`, () => parseIdx(bytes, 'fuzz.idx'));
    }
  });
});
