import { describe, expect, it } from 'vitest';
import '../backend/js/index.js';
import { Explanation } from '../explain/explanation.js';
import { f32ToBase64 } from './codec.js';
import { checkRunSpec, checkShardJob } from './explain-spec.js';
import { decodeExplanation, encodeExplanation } from './explanation-codec.js';
import { mergeShards } from './merge.js';
import { checkRedisUrl, redactUrl } from './redis.js';

const H = 'a'.repeat(64);
const spec = {
  v: 1, method: 'kernel-shap', backend: 'wasm', arithmetic: 'wasm/relaxed', model: { json: H, weights: H }, rowShape: [4], rows: 10, outputs: 2,
  background: { data: H, rows: 5, weights: null }, options: { seed: 3, nSamples: 100, groups: [{ name: 'a', indices: [0, 1] }] },
};

describe('payload checks', () => {
  it('accept a well-formed run spec and shard job', () => {
    expect(checkRunSpec(structuredClone(spec)).options).toEqual(spec.options);
    expect(checkShardJob({ runId: 'abcdefgh-12', shard: 1, start: 4, end: 8, rows: H, predictions: '' }).end).toBe(8);
  });

  it.each([
    [{ ...spec, v: 2 }, /version 2/],
    [{ ...spec, method: 'lime' }, /method: expected one of kernel-shap/],
    [{ ...spec, options: { ...spec.options, onProgress: 'alert(1)' } }, /unknown field 'onProgress'/],
    [{ ...spec, options: { ...spec.options, nSamples: -5 } }, /nSamples: expected an integer/],
    [{ ...spec, options: { ...spec.options, groups: [{ name: 'a', indices: ['0'] }] } }, /indices\[0\]: expected an integer/],
    [{ ...spec, model: { json: '../model.json', weights: H } }, /model.json: expected text/],
    [{ ...spec, rowShape: [0] }, /rowShape\[0\]/],
    [{ ...spec, extra: true }, /unknown field 'extra'/],
    [JSON.parse('{"__proto__": {"polluted": 1}}'), /unknown field '__proto__'/],
  ])('reject a malformed spec with a message (%#)', (bad, message) => {
    expect(() => checkRunSpec(bad)).toThrow(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [{ runId: 'x', shard: 0, start: 0, end: 1, rows: H, predictions: '' }, /runId/],
    [{ runId: 'abcdefgh-12', shard: 0, start: 3, end: 3, rows: H, predictions: '' }, /end: expected an integer in \[4,/],
    [{ runId: 'abcdefgh-12', shard: 0, start: 0, end: 1, rows: H, predictions: 'x'.repeat(5 << 20) }, /predictions: expected text of at most/],
    ['{"runId": "abcdefgh-12"}', /expected an object/],
  ])('reject a malformed shard job with a message (%#)', (bad, message) => {
    expect(() => checkShardJob(bad)).toThrow(message);
  });

  it('check Redis URLs and never print a password', () => {
    expect(checkRedisUrl('rediss://:pw@cache.internal:6380/2')).toBe('rediss://:pw@cache.internal:6380/2');
    expect(() => checkRedisUrl('localhost:6379')).toThrow(/scheme must be redis/);
    expect(() => checkRedisUrl('http://x')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => checkRedisUrl('redis://:secret@h:1/abc')).toThrow(/^(?!.*secret).*database number/);
    expect(redactUrl('redis://user:secret@h:1')).toBe('redis://user:***@h:1');
  });
});

function part(rows: number, first: number, withSe: boolean, background = 5): Explanation {
  const G = 2;
  const K = 1;
  const v = Float32Array.from({ length: rows * G * K }, (_, i) => first * 10 + i);
  return new Explanation({
    method: 'kernel-shap', settings: { seed: 1, backgroundRows: background }, kind: 'local', rows, features: G, outputs: K, values: v,
    stdErrors: withSe ? v.map((x) => x / 100) : null, baseValues: new Float32Array(rows).fill(0.5), predictions: Float32Array.from({ length: rows }, (_, i) => first + i),
    data: new Float32Array(rows * 3), inputShape: [3], featureNames: ['a', 'b'], inputNames: ['x0', 'x1', 'x2'], groups: null, outputNames: ['y'], targets: null,
    diagnostics: { additivityGap: first * 1e-7, modelRows: 100 * rows + background, fastPath: true, coalitions: Array(rows).fill(7) },
  });
}

describe('merging shards', () => {
  it('concatenates rows in order and combines diagnostics as one run over all rows counts them', () => {
    const parts = [part(2, 0, false), part(3, 2, true)];
    const merged = mergeShards(parts, new Float32Array(15));
    expect(Array.from(merged.predictions!)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(merged.values.subarray(4, 6))).toEqual([20, 21]);
    // A shard without standard errors contributes zeros, as rows before the first sampled one do in a local run.
    expect(Array.from(merged.stdErrors!.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(merged.diagnostics).toEqual({ additivityGap: 2e-7, modelRows: 500 + 5 + 5, fastPath: true, coalitions: [7, 7, 7, 7, 7] });
  });

  it('refuses shards that disagree on settings or on a diagnostic it cannot combine', () => {
    const other = new Explanation({ ...part(1, 1, false), settings: { seed: 2, backgroundRows: 5 } });
    expect(() => mergeShards([part(1, 0, false), other], new Float32Array(6))).toThrow(/shard 1 disagrees with shard 0 on settings/);
    const odd = new Explanation({ ...part(1, 1, false), diagnostics: { ...part(1, 1, false).diagnostics, engine: 'x' } });
    const base = new Explanation({ ...part(1, 0, false), diagnostics: { ...part(1, 0, false).diagnostics, engine: 'y' } });
    expect(() => mergeShards([base, odd], new Float32Array(6))).toThrow(/disagree on diagnostic 'engine'/);
  });

  it('round-trips a shard result and rejects one of the wrong size', () => {
    const p = part(2, 0, true);
    const back = decodeExplanation(JSON.parse(JSON.stringify(encodeExplanation(p))), 2, p.data!, 'result');
    expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(p.toJSON()));
    const short = { ...encodeExplanation(p), values: f32ToBase64(new Float32Array(3)) };
    expect(() => decodeExplanation(short, 2, p.data!, 'result of shard 0')).toThrow(/result of shard 0.values: 12 bytes, expected 4 float32 values/);
    expect(() => decodeExplanation(encodeExplanation(p), 3, new Float32Array(9), 'result')).toThrow(/2 rows, the shard has 3/);
  });
});
