// A shard's Explanation as a job result (JSON with float arrays in base64) and back, checked against the rows it covers.

import { Explanation, type JsonValue } from '../explain/explanation.js';
import { base64ToF32, f32ToBase64 } from './codec.js';
import { PayloadError, int, list, record, str, type Obj } from './validate.js';

/** An Explanation without its data rows (the submitter has them), arrays as base64. */
export type EncodedExplanation = Record<string, JsonValue>;

const FIELDS = [
  'method', 'kind', 'rows', 'features', 'outputs', 'settings', 'values', 'stdErrors', 'baseValues', 'predictions', 'inputShape',
  'featureNames', 'inputNames', 'groups', 'outputNames', 'targets', 'diagnostics',
] as const;

export function encodeExplanation(e: Explanation): EncodedExplanation {
  return {
    method: e.method, kind: e.kind, rows: e.rows, features: e.features, outputs: e.outputs, settings: e.settings,
    values: f32ToBase64(e.values), stdErrors: e.stdErrors ? f32ToBase64(e.stdErrors) : null, baseValues: f32ToBase64(e.baseValues),
    predictions: e.predictions ? f32ToBase64(e.predictions) : null, inputShape: e.inputShape, featureNames: e.featureNames,
    inputNames: e.inputNames, groups: e.groups ? e.groups.map((g) => ({ name: g.name, indices: g.indices })) : null,
    outputNames: e.outputNames, targets: e.targets ? Array.from(e.targets) : null, diagnostics: e.diagnostics,
  };
}

const names = (v: unknown, what: string) => list(v, what, 1 << 20, (x, w) => str(x, w, 500));

/** Rebuilds a shard's Explanation from a worker's result; `rows` and `data` are what the submitter sent for that shard. */
export function decodeExplanation(raw: unknown, rows: number, data: Float32Array, what: string): Explanation {
  const o = record(raw, what, FIELDS, FIELDS);
  if (int(o.rows, `${what}.rows`) !== rows) throw new PayloadError(`${what}: ${String(o.rows)} rows, the shard has ${rows}`);
  if (o.kind !== 'local') throw new PayloadError(`${what}: kind must be 'local'`);
  const features = int(o.features, `${what}.features`, 1, 1 << 24);
  const outputs = int(o.outputs, `${what}.outputs`, 1, 1 << 20);
  const n = rows * features * outputs;
  const arr = (k: 'values' | 'stdErrors' | 'baseValues' | 'predictions', len: number) => (o[k] === null && k !== 'values' && k !== 'baseValues' ? null : base64ToF32(o[k], len, `${what}.${k}`));
  const json = (k: string): Obj => record(o[k], `${what}.${k}`, Object.keys(o[k] ?? {}));
  const groups = o.groups === null ? null : list(o.groups, `${what}.groups`, 1 << 20, (g, w) => {
    const r = record(g, w, ['name', 'indices'], ['name', 'indices']);
    return { name: str(r.name, `${w}.name`, 500), indices: list(r.indices, `${w}.indices`, 1 << 24, (x, ww) => int(x, ww)) };
  });
  return new Explanation({
    method: str(o.method, `${what}.method`, 100), kind: 'local', rows, features, outputs,
    settings: json('settings') as Record<string, JsonValue>, values: arr('values', n)!, stdErrors: arr('stdErrors', n),
    baseValues: arr('baseValues', rows * outputs)!, predictions: arr('predictions', rows * outputs), data,
    inputShape: list(o.inputShape, `${what}.inputShape`, 8, (x, w) => int(x, w, 1)), featureNames: names(o.featureNames, `${what}.featureNames`),
    inputNames: names(o.inputNames, `${what}.inputNames`), groups, outputNames: names(o.outputNames, `${what}.outputNames`),
    targets: o.targets === null ? null : Int32Array.from(list(o.targets, `${what}.targets`, rows, (x, w) => int(x, w))),
    diagnostics: json('diagnostics') as Record<string, JsonValue>,
  });
}
