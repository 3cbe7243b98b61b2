// Table models: raw records in, predictions and scores in the user's units out (also `model.predictTable(rows)`).

export { type TablePrediction, predictTable, tablePipelineOf, tableOutputs, toPredictions } from './predict-table.js';
export { type Scores, tableScores, baselineScores, baselineOutputs, baselineWarning, majorityBaseline } from './scores.js';
export { displayDataFor, inTargetUnits, tableExplanation } from './explain-table.js';
