// The end of `npm start`: explain a few test rows of the model just trained and write the report.

import type { TrainResult } from './train.js';
import { explainRows } from './explain-run.js';
import { writeReport } from '../report/index.js';
import { join } from 'node:path';
import { subTable } from '../data/csv-table.js';
import { tableExplanation } from '../tables/explain-table.js';
import { scoresWithPrefix } from './result-lines.js';

/**
 * Kernel SHAP (4x4 patches for images) and integrated gradients on the first test rows; a conv net gets
 * DeepSHAP instead of Kernel SHAP (one backward pass per row against the background, where Kernel SHAP
 * needs about 200,000 forward rows) and Grad-CAM. Returns the report path.
 */
export async function explainAfterTraining(result: TrainResult, outDir: string): Promise<string> {
  const { model, test, table, summary } = result;
  const rows = [0, 1, 2, 3, 4].filter((r) => r < test.x.shape[0]);
  const common = { model, x: test.x, y: test.y, rows, seed: 1, backgroundSize: 100, patch: 4 };
  const log = (line: string) => process.stderr.write(line + '\n');
  const explanations = [];
  const convolutional = model.layers.some((l) => /Conv/.test(l.className));
  const methods = convolutional ? ['deep-shap', 'integrated-gradients', 'grad-cam'] : ['kernel-shap', 'integrated-gradients'];
  for (const method of methods) {
    const start = performance.now();
    const e = await explainRows({ ...common, method });
    log(`${method}: ${rows.length} rows in ${((performance.now() - start) / 1000).toFixed(2)} s`);
    explanations.push(table ? tableExplanation(e, table.pipeline, subTable(table.test, rows), rows.map((r) => table.testRows[r])) : e.withTableContext({ rowIndices: rows }));
  }
  log(explanations[0].toString({ row: 0, top: 8 }));
  const path = join(outDir, 'report.html');
  const training = model.metadata.training as { history?: Record<string, number[]>; settings?: Record<string, unknown> } | undefined;
  const scores = scoresWithPrefix(summary, 'test_');
  await writeReport(path, {
    explanations, title: `glassbox — ${model.metadata.dataset ?? 'model'} explanations`,
    imageShape: model.metadata.imageShape as [number, number] | undefined,
    trainingHistory: training?.history,
    evaluation: { heading: `Test scores on ${summary.test_rows} held-out rows`, scores, baseline: scoresWithPrefix(summary, 'baseline_'), warning: result.warning },
    trainingSettings: training?.settings,
    notes: [`data: ${String(summary.data)}; explained: held-out test rows ${rows.join(', ')}`],
  });
  log(`Report: ${path}`);
  return path;
}
