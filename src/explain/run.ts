// One entry point by method name (kebab-case, as the CLI spells them) for every explainer.

import type { Tensor } from '../tensor/tensor.js';
import { deepShap, type DeepShapOptions } from './deep-shap.js';
import { gradCam, type GradCamOptions } from './grad-cam.js';
import { occlusion, type OcclusionOptions } from './occlusion.js';
import { layerIntegratedGradients, type LayerIntegratedGradientsOptions } from './layer-integrated-gradients.js';
import { exactShapley, type ExactShapleyOptions } from './exact-shapley.js';
import type { Explanation } from './explanation.js';
import { gradientShap, type GradientShapOptions } from './gradient-shap.js';
import { gradientTimesInput, saliency, smoothGrad, type SaliencyOptions, type SmoothGradOptions } from './gradients.js';
import type { GradientOptions } from './gradient-engine.js';
import { integratedGradients, type IntegratedGradientsOptions } from './integrated-gradients.js';
import { kernelShap, type KernelShapOptions } from './kernel-shap.js';
import { lime, type LimeOptions } from './lime.js';
import { limeImage, type LimeImageOptions } from './lime-image.js';
import { permutationImportance, type PermutationImportanceOptions } from './permutation-importance.js';
import { samplingShap, type SamplingShapOptions } from './sampling-shap.js';
import type { Predictor } from './types.js';

/** Options of each method, by its kebab-case name. */
export interface ExplainerOptionsByMethod {
  'kernel-shap': KernelShapOptions;
  'exact-shapley': ExactShapleyOptions;
  'sampling-shap': SamplingShapOptions;
  'permutation-importance': PermutationImportanceOptions;
  lime: LimeOptions;
  'lime-image': LimeImageOptions;
  saliency: SaliencyOptions;
  'gradient-times-input': GradientOptions;
  'smooth-grad': SmoothGradOptions;
  'integrated-gradients': IntegratedGradientsOptions;
  'gradient-shap': GradientShapOptions;
  'deep-shap': DeepShapOptions;
  'grad-cam': GradCamOptions;
  occlusion: OcclusionOptions;
  'layer-integrated-gradients': LayerIntegratedGradientsOptions;
}

export type MethodName = keyof ExplainerOptionsByMethod;

type Runner = (model: Predictor, x: Tensor, opts: object) => Promise<Explanation>;

const RUNNERS: { [M in MethodName]: Runner } = {
  'kernel-shap': kernelShap,
  'exact-shapley': exactShapley,
  'sampling-shap': samplingShap,
  'permutation-importance': permutationImportance,
  lime,
  'lime-image': limeImage,
  saliency,
  'gradient-times-input': gradientTimesInput,
  'smooth-grad': smoothGrad,
  'integrated-gradients': integratedGradients,
  'gradient-shap': gradientShap,
  'deep-shap': deepShap,
  'grad-cam': gradCam,
  occlusion,
  'layer-integrated-gradients': layerIntegratedGradients,
};

export const METHODS = Object.keys(RUNNERS) as MethodName[];

/** Methods that need a background set (pass `background`); permutation importance needs `y` instead. */
export const NEEDS_BACKGROUND: readonly MethodName[] = ['kernel-shap', 'exact-shapley', 'sampling-shap', 'lime', 'gradient-shap', 'deep-shap'];

/** Methods that need gradients (a glassbox model, or a function built from glassbox ops). */
export const GRADIENT_METHODS: readonly MethodName[] = ['saliency', 'gradient-times-input', 'smooth-grad', 'integrated-gradients', 'gradient-shap', 'grad-cam', 'layer-integrated-gradients'];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(RUNNERS, name);
}

/** Runs explainer `method` (e.g. 'kernel-shap'); unknown methods and options are errors that list the valid ones. */
export async function runExplainer<M extends MethodName>(method: M, model: Predictor, x: Tensor, options?: ExplainerOptionsByMethod[M]): Promise<Explanation>;
export async function runExplainer(method: string, model: Predictor, x: Tensor, options?: object): Promise<Explanation>;
export async function runExplainer(method: string, model: Predictor, x: Tensor, options: object = {}): Promise<Explanation> {
  if (!isMethodName(method)) {
    const camel = method.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const hint = isMethodName(camel) ? ` (did you mean '${camel}'?)` : '';
    throw new Error(`explain: unknown method '${method}'${hint}; methods: ${METHODS.join(', ')}`);
  }
  return RUNNERS[method](model, x, options);
}
