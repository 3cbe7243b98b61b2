// The explain module's shared types: predictors, model shapes it recognises, groups and common options.

import type { Tensor } from '../tensor/tensor.js';

/** A plain predictor: a batch of rows [n, ...inputShape] to a batch of outputs [n, outputs]. */
export type PredictFn = (x: Tensor) => Tensor | Promise<Tensor>;

/** One layer of a glassbox Sequential model, as far as explainers need to see it. */
export interface LayerLike {
  readonly className: string;
  getConfig(): object;
  getWeights(): Tensor[];
  apply(x: Tensor, opts?: { training?: boolean }): Tensor;
}

/** Optional facts a trained model carries about its data. */
export interface ModelMetadataLike {
  featureNames?: string[];
  classNames?: string[];
  groups?: FeatureGroup[];
  task?: 'classification' | 'regression';
}

/** A glassbox Sequential model, recognised structurally (it has `predict` and `layers`). */
export interface SequentialLike {
  readonly layers: readonly LayerLike[];
  predict(x: Tensor, opts?: { batchSize?: number }): Tensor;
  apply?(x: Tensor, opts?: { training?: boolean }): Tensor;
  readonly inputShape?: readonly (number | null)[];
  readonly outputShape?: readonly (number | null)[];
  readonly metadata?: ModelMetadataLike;
}

/** Anything an explainer can explain: a glassbox model or a function from rows to outputs. */
export type Predictor = SequentialLike | PredictFn;

/** Inputs attributed together (one-hot columns of one variable, a patch of pixels). */
export interface FeatureGroup {
  name: string;
  indices: number[];
}

/** A background set with a weight per row (weights sum to 1). */
export interface WeightedBackground {
  data: Tensor;
  weights: Float32Array;
}

/** Progress of a long explanation: `done` of `total` units (rows or rounds) finished. */
export interface Progress {
  method: string;
  done: number;
  total: number;
}

/** Options every explainer accepts. */
export interface CommonOptions {
  /** Names of the input columns (default: model metadata, else x0, x1, ...). */
  featureNames?: string[];
  /** Names of the model outputs (default: model metadata classNames, else out0, out1, ...). */
  outputNames?: string[];
  /** Attribute to groups of inputs instead of single columns (default: model metadata groups, else none). */
  groups?: FeatureGroup[];
  /** Seed for every random draw (default 0: explanations are reproducible unless told otherwise). */
  seed?: number;
  /** Most rows passed to one model call (default 8192); bounds memory. */
  maxRowsPerCall?: number;
  /** Alias of maxRowsPerCall. */
  batchSize?: number;
  /** Called as work completes. */
  onProgress?: (p: Progress) => void;
  /** Cancels the explanation; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Options of the Shapley methods that take values for absent features from a background set. */
export interface BackgroundOptions {
  /** Rows whose values stand in for absent features; a tensor or a weighted summary. */
  background?: Tensor | WeightedBackground;
  /** Summarise a background larger than `maxBackground` rows: 'kmeans', 'sample' (default), or 'none'. */
  summarize?: 'kmeans' | 'sample' | 'none';
  /** Most background rows used before summarising (default 100). */
  maxBackground?: number;
}

/**
 * The exact first-linear-map shortcut of coalition and permutation methods: true (default) uses it when the
 * model's input first meets one linear map (dense or convolution) and the shortcut costs fewer
 * multiply-adds than the model; 'always' whenever the model has one (to measure it); false never.
 */
export type FastPath = boolean | 'always';

/** Which outputs gradient methods explain: all, the predicted class per row, or a list of indices. */
export type OutputSelection = 'all' | 'predicted' | number[];
