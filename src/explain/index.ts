// The explain module's public API: every explainer, the Explanation type, groups, backgrounds and the dispatcher.

export type {
  Predictor, PredictFn, SequentialLike, LayerLike, ModelMetadataLike, FeatureGroup, WeightedBackground, Progress, CommonOptions,
  BackgroundOptions, OutputSelection, FastPath,
} from './types.js';
export { Explanation, type ExplanationInit, type ToStringOptions, type JsonValue } from './explanation.js';
export { patchGroups } from './groups.js';
export { kmeansBackground, sampleBackground } from './background.js';
export { isSequentialLike } from './predictor.js';
export { exactShapley, type ExactShapleyOptions } from './exact-shapley.js';
export { kernelShap, type KernelShapOptions } from './kernel-shap.js';
export { samplingShap, type SamplingShapOptions } from './sampling-shap.js';
export { permutationImportance, type PermutationImportanceOptions } from './permutation-importance.js';
export { type Scoring, type ScoringName, type ScoreFn } from './scoring.js';
export { lime, type LimeOptions } from './lime.js';
export { limeImage, imageShapeOf, type LimeImageOptions } from './lime-image.js';
export { gridSegments, slicSegments } from './segmentation.js';
export { saliency, gradientTimesInput, smoothGrad, type SaliencyOptions, type SmoothGradOptions } from './gradients.js';
export type { GradientOptions } from './gradient-engine.js';
export { integratedGradients, type IntegratedGradientsOptions, type IntegrationRule } from './integrated-gradients.js';
export { gradientShap, type GradientShapOptions } from './gradient-shap.js';
export { deepShap, type DeepShapOptions } from './deep-shap.js';
export { gradCam, type GradCamOptions } from './grad-cam.js';
export { occlusion, type OcclusionOptions } from './occlusion.js';
export { layerIntegratedGradients, type LayerIntegratedGradientsOptions } from './layer-integrated-gradients.js';
export {
  runExplainer, isMethodName, METHODS, NEEDS_BACKGROUND, GRADIENT_METHODS, type MethodName, type ExplainerOptionsByMethod,
} from './run.js';
