// A table model's preprocessing as ONNX nodes: one input per column, missing-value fill-ins, one-hot encoding, feature
// scaling before the layers and the target scaler's inverse after them, so an ONNX runtime fed raw values gives glassbox's answer.

import { MISSING_TOKENS } from '../data/csv-table.js';
import type { TablePipeline } from '../data/table-pipeline.js';
import { MinMaxScaler, StandardScaler } from '../data/scalers.js';
import { type GraphBuilder, type GraphHooks, type IValueInfo, valueInfo } from './onnx-graph.js';

const ML_DOMAIN = 'ai.onnx.ml';
const STRING = 8;
const ATTR_INT = 2;
const ATTR_STRINGS = 8;

/** What the exported graph does differently from glassbox, for the model's metadata and the user. */
export function preprocessingNotes(pipeline: TablePipeline): string[] {
  const notes = [
    'Inputs: one per feature column, named after it, shape [batch, 1]: float32 for numeric columns (NaN = missing), string for categorical ones.',
    'A category not seen in training becomes all zeros in the one-hot encoding; glassbox refuses such a row instead.',
  ];
  if (pipeline.missing === 'impute') {
    notes.push(`Missing values are filled in as in glassbox: NaN in numeric inputs, and ${[...MISSING_TOKENS].map((t) => JSON.stringify(t)).join(', ')} in categorical ones (exactly, without trimming spaces).`);
  } else {
    notes.push('This model was trained without filling in missing values: NaN inputs give NaN outputs, and a missing category encodes as all zeros.');
  }
  if (pipeline.targetScaler) notes.push(`The output is "${pipeline.target}" in its own units (the target scaler is inverted in the graph).`);
  return notes;
}

/** Graph hooks that put the pipeline around the layers: raw columns in, user units out. */
export function preprocessingHooks(pipeline: TablePipeline): GraphHooks {
  return {
    opsets: pipeline.encoder.columns.some((c) => c.kind === 'categorical') ? [{ domain: ML_DOMAIN, version: 1 }] : [],
    prefix: (b) => encodeColumns(b, pipeline),
    suffix: (b, x) => {
      const t = pipeline.targetScaler;
      return t ? affine(b, x, 'target_scaler/inverse', Float32Array.of(0), Float32Array.of(t.std[0] > 0 ? t.std[0] : 1), Float32Array.of(t.mean[0])) : x;
    },
  };
}

function encodeColumns(b: GraphBuilder, pipeline: TablePipeline): { inputs: IValueInfo[]; output: string } {
  const inputs: IValueInfo[] = [];
  const blocks: string[] = [];
  for (const spec of pipeline.encoder.columns) {
    const fill = pipeline.fill?.[spec.name];
    if (spec.kind === 'numeric') {
      inputs.push(valueInfo(spec.name, [1]));
      if (typeof fill !== 'number') {
        blocks.push(spec.name);
        continue;
      }
      const isNan = b.node('IsNaN', [spec.name], `${spec.name}/is_nan`, spec.name);
      const value = b.constant(`${spec.name}/fill`, Float32Array.of(fill), []);
      blocks.push(b.node('Where', [isNan, value, spec.name], `${spec.name}/filled`, spec.name));
      continue;
    }
    inputs.push(valueInfo(spec.name, [1], STRING));
    const categories = spec.categories!;
    // Missing tokens get one-hot columns of their own, folded onto the fill-in category by a 0/1 matrix.
    const tokens = typeof fill === 'string' ? [...MISSING_TOKENS].filter((t) => !categories.includes(t)) : [];
    const all = [...categories, ...tokens];
    const encoder = new TextEncoder();
    const oneHot = b.node('OneHotEncoder', [spec.name], `${spec.name}/one_hot`, spec.name, [
      { name: 'cats_strings', type: ATTR_STRINGS, strings: all.map((c) => encoder.encode(c)) },
      { name: 'zeros', type: ATTR_INT, i: 1 },
    ], ML_DOMAIN);
    let flat = b.node('Flatten', [oneHot], `${spec.name}/flat`, spec.name, [{ name: 'axis', type: ATTR_INT, i: 1 }]);
    if (tokens.length > 0) {
      const k = categories.length;
      const fold = new Float32Array(all.length * k);
      for (let i = 0; i < k; i++) fold[i * k + i] = 1;
      const target = categories.indexOf(fill as string);
      for (let t = 0; t < tokens.length; t++) fold[(k + t) * k + target] = 1;
      flat = b.node('MatMul', [flat, b.constant(`${spec.name}/fold_missing`, fold, [all.length, k])], `${spec.name}/encoded`, spec.name);
    }
    blocks.push(flat);
  }
  let x = blocks.length === 1 ? blocks[0] : b.node('Concat', blocks, 'features/encoded', 'features', [{ name: 'axis', type: ATTR_INT, i: 1 }]);
  const scaler = pipeline.featureScaler;
  if (scaler) {
    const json = scaler.toJSON();
    const f = scaler.numFeatures;
    if (scaler instanceof MinMaxScaler && json.type === 'MinMaxScaler') {
      const [lo, hi] = json.featureRange;
      const scale = json.dataMin.map((m, j) => (json.dataMax[j] > m ? (hi - lo) / (json.dataMax[j] - m) : 1));
      x = affine(b, x, 'feature_scaler', Float32Array.from(json.dataMin), Float32Array.from(scale), new Float32Array(f).fill(lo));
    } else if (scaler instanceof StandardScaler && json.type === 'StandardScaler') {
      const shift = json.withMean ? json.mean : new Array<number>(f).fill(0);
      const scale = json.std.map((s) => (json.withStd && s > 0 ? 1 / s : 1));
      x = affine(b, x, 'feature_scaler', Float32Array.from(shift), Float32Array.from(scale), new Float32Array(f));
    }
  }
  return { inputs, output: x };
}

/** (x - shift) * scale + offset, per feature, as the scalers compute it. */
function affine(b: GraphBuilder, x: string, name: string, shift: Float32Array, scale: Float32Array, offset: Float32Array): string {
  const dims = [shift.length];
  const centred = b.node('Sub', [x, b.constant(`${name}/shift`, shift, dims)], `${name}/centred`, name);
  const scaled = b.node('Mul', [centred, b.constant(`${name}/scale`, scale, dims)], `${name}/scaled`, name);
  return b.node('Add', [scaled, b.constant(`${name}/offset`, offset, dims)], `${name}/out`, name);
}
