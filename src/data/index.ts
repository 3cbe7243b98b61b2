// The data layer's public API: MNIST, IDX, CSV datasets and table pipelines, scalers, splits and mini-batches.

export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, parseIdx, parseIdxHeader, readIdxFile, readIdxFileSync, streamIdxFileSync } from './idx.js';
export { type MnistData, type MnistOptions, MNIST_FILES, loadMnist, loadMnistSync, mnistDataDir } from './mnist.js';
export {
  type Scaler,
  type ScalerJSON,
  type MinMaxScalerJSON,
  type MinMaxScalerOptions,
  type StandardScalerJSON,
  type StandardScalerOptions,
  MinMaxScaler,
  StandardScaler,
  scalerFromJSON,
} from './scalers.js';
export { type CsvTable, readCsvTable, parseNumber, isMissing, subTable, recordsTable, MISSING_TOKENS } from './csv-table.js';
export {
  type Task,
  type ColumnSpec,
  type FeatureGroup,
  type TabularDataset,
  type TabularEncoderJSON,
  type EncoderFitOptions,
  type EncodeOptions,
  type TableRecord,
  TabularEncoder,
  encodeCsvRows,
} from './encoder.js';
export {
  type MissingPolicy,
  type TableBaseline,
  type DisplayValue,
  type TablePipelineJSON,
  type PipelineFitOptions,
  MISSING_POLICIES,
  TablePipeline,
} from './table-pipeline.js';
export { type TableOptions, type TableSplitOptions, type TablePart, type PreparedTable, prepareTable, usableRows } from './table-split.js';
export { type OptionStyle } from './option-hints.js';
export { type CsvOptions, loadCsv, parseCsv } from './csv.js';
export { type SeedOrRng, type SplitOptions, type Split, shuffle, trainTestSplit, splitIndices } from './split.js';
export { type BatchOptions, batches, batchCount, gatherRows, takeRows, BatchBuffer } from './batches.js';
export { assertFinite, assertSameRows, assertFeatureCount, assertLabels, rowCount, rowSize } from './check.js';
export { Dataset, array, generator, zip, batchElements } from './dataset.js';
export { csv, type CsvConfig, type ColumnConfig } from './csv-dataset.js';
