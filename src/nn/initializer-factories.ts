// tf.initializers: TensorFlow.js' initializer factories. Each returns a config a layer takes as kernelInitializer
// (and saves as JSON), which can also draw a tensor itself with apply(shape).

import type { Tensor } from '../tensor/tensor.js';
import { initialize, normalizeInitializer, type InitializerConfig, type InitializerName } from './initializers.js';
import { describe } from './symbolic.js';

export interface Initializer extends InitializerConfig {
  /** A tensor of `shape` drawn from this initializer. */
  apply(shape: number[]): Tensor;
}

type Args = NonNullable<InitializerConfig['config']>;

function factory(name: InitializerName) {
  return (args: Args = {}): Initializer => {
    if (args === null || typeof args !== 'object') throw new Error(`initializers.${name}: pass an options object, got ${describe(args)}`);
    const config = normalizeInitializer(Object.keys(args).length > 0 ? { className: name, config: { ...args } } : name);
    return { ...config, apply: (shape: number[]) => initialize(config, shape) };
  };
}

export const initializers = {
  zeros: factory('zeros'), ones: factory('ones'), constant: factory('constant'),
  randomNormal: factory('randomNormal'), randomUniform: factory('randomUniform'), truncatedNormal: factory('truncatedNormal'),
  varianceScaling: factory('varianceScaling'), glorotUniform: factory('glorotUniform'), glorotNormal: factory('glorotNormal'),
  heUniform: factory('heUniform'), heNormal: factory('heNormal'), leCunUniform: factory('lecunUniform'), leCunNormal: factory('lecunNormal'),
  lecunUniform: factory('lecunUniform'), lecunNormal: factory('lecunNormal'), identity: factory('identity'), orthogonal: factory('orthogonal'),
};
