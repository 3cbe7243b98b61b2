// Explanations of a table model in the user's units: raw cell values per attributed feature, regression outputs in target units.

import type { CsvTable } from '../data/csv-table.js';
import type { DisplayValue, TablePipeline } from '../data/table-pipeline.js';
import { Explanation, type JsonValue } from '../explain/explanation.js';

/**
 * The value shown for each attributed feature of each row: the column's cell as written when the feature (or group) comes
 * from one column, e.g. `Cylinders = 8`, `island = Biscoe`; the cells of several columns joined when a custom group spans them.
 */
export function displayDataFor(e: Explanation, pipeline: TablePipeline, rows: DisplayValue[][]): DisplayValue[][] {
  const columnOf = new Int32Array(pipeline.encoder.numFeatures);
  pipeline.encoder.groups.forEach((g, c) => g.indices.forEach((i) => (columnOf[i] = c)));
  const sources = Array.from({ length: e.features }, (_, f) => [...new Set((e.groups ? e.groups[f].indices : [f]).map((i) => columnOf[i]))]);
  return rows.map((values) => sources.map((cols) => {
    if (cols.length === 1) return values[cols[0]];
    return cols.map((c) => `${pipeline.encoder.columns[c].name}=${values[c] ?? 'missing'}`).join('; ');
  }));
}

/**
 * A regression explanation moved from the standardised target the network predicts to the target's units: the map
 * y = s * out + m is affine, so attributions, their errors and gaps scale by s and predictions and base values map through it
 * (sums of attributions still equal prediction minus base value).
 */
export function inTargetUnits(e: Explanation, pipeline: TablePipeline): Explanation {
  const scaler = pipeline.targetScaler;
  if (!scaler || e.kind !== 'local') return e;
  // The inverse of StandardScaler: y = out * std + mean (a constant target has std 0 and was only centred).
  const s = scaler.std[0] > 0 ? scaler.std[0] : 1;
  const m = scaler.mean[0];
  const scale = (a: Float32Array) => a.map((v) => v * s);
  const shift = (a: Float32Array) => a.map((v) => v * s + m);
  const diagnostics: Record<string, JsonValue> = { ...e.diagnostics };
  for (const key of ['additivityGap', 'completenessGap']) if (typeof diagnostics[key] === 'number') diagnostics[key] = (diagnostics[key] as number) * s;
  return new Explanation({
    ...e,
    values: scale(e.values),
    stdErrors: e.stdErrors ? scale(e.stdErrors) : null,
    // Base values mean something only where attributions add up to them (or are a LIME intercept); saliency's zeros stay zeros.
    baseValues: e.additive || e.method === 'lime' ? shift(e.baseValues) : e.baseValues,
    predictions: e.predictions ? shift(e.predictions) : null,
    settings: { ...e.settings, outputUnits: `${pipeline.target} (the network's standardised output mapped back: x ${Number(s.toPrecision(6))} + ${Number(m.toPrecision(6))})` },
    diagnostics,
  });
}

/** An explanation of rows of `table` (the explained ones, in order) with values as written and where the rows came from. */
export function tableExplanation(e: Explanation, pipeline: TablePipeline, explained: CsvTable, rowIndices: number[]): Explanation {
  if (e.kind === 'global') return e.withTableContext({ rowIndices });
  const inUnits = inTargetUnits(e, pipeline);
  return inUnits.withTableContext({ displayData: displayDataFor(inUnits, pipeline, pipeline.displayValues(explained)), rowIndices });
}
