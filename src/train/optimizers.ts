// Optimisers: SGD (momentum, Nesterov), Adam, AdamW, RMSprop, Adagrad; schedules and gradient clipping.
// Updates are in place on the variables' storage, through fused backend kernels where they exist.

import { Tensor } from '../tensor/tensor.js';
import { trainableVariables, type Variable } from '../autograd/variable.js';
import { gradientsOf } from '../autograd/grad.js';
import { getBackend } from '../backend/backend.js';
import { scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from './schedules.js';

export interface OptimizerOptions {
  learningRate?: number | LearningRateSchedule;
  /** Rescale all gradients together so their global L2 norm is at most this. */
  clipNorm?: number;
  /** Clamp each gradient element to [-clipValue, clipValue]. */
  clipValue?: number;
}

export interface OptimizerConfig {
  name: string;
  learningRate: number | ScheduleConfig;
  clipNorm?: number;
  clipValue?: number;
  [key: string]: unknown;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** One slot of per-variable state (e.g. Adam's first moment). */
type Slots = Map<Variable, Float32Array[]>;

export abstract class Optimizer {
  abstract readonly name: string;
  readonly learningRate: number | LearningRateSchedule;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  /** Number of update steps applied so far. */
  iterations = 0;
  protected slots: Slots = new Map();
  /** Names of the per-variable state arrays, in slot order. */
  protected abstract readonly slotNames: string[];

  constructor(options: OptimizerOptions, defaultLr: number) {
    this.learningRate = options.learningRate ?? defaultLr;
    if (typeof this.learningRate !== 'number' && typeof this.learningRate !== 'function') {
      throw new Error(`optimizer: learningRate must be a number or a schedule (step => rate), got ${typeof this.learningRate === 'string' ? `string "${this.learningRate}"` : typeof this.learningRate}`);
    }
    if (typeof this.learningRate === 'number' && !(this.learningRate > 0)) {
      throw new Error(`optimizer: learningRate must be a positive number, got ${this.learningRate}`);
    }
    for (const key of ['clipNorm', 'clipValue'] as const) {
      const v = options[key];
      if (v !== undefined && !(v > 0)) throw new Error(`optimizer: ${key} must be positive, got ${v}`);
    }
    this.clipNorm = options.clipNorm;
    this.clipValue = options.clipValue;
  }

  /** The learning rate for the next step. */
  currentLearningRate(): number {
    return typeof this.learningRate === 'number' ? this.learningRate : this.learningRate(this.iterations);
  }

  /** Applies one update; grads[i] is dLoss/dvars[i] (null: no gradient, variable untouched). */
  applyGradients(vars: readonly Variable[], grads: readonly (Tensor | null)[]): void {
    if (vars.length !== grads.length) throw new Error(`applyGradients: ${vars.length} variables but ${grads.length} gradients`);
    const clipped = this.clip(grads.map((g) => (g ? (g.values as Float32Array) : null)));
    const lr = this.currentLearningRate();
    this.iterations++;
    vars.forEach((v, i) => {
      const g = clipped[i];
      if (!g) return;
      if (g.length !== v.size) throw new Error(`applyGradients: gradient for ${v.name} has ${g.length} values, variable has ${v.size}`);
      this.update(v.values as Float32Array, g, this.slotsFor(v), lr);
    });
  }

  /**
   * TensorFlow.js' minimize: one update along the gradient of the scalar f() with respect to varList (default:
   * every trainable variable); returns the cost when returnCost, else null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    if (typeof f !== 'function') throw new Error(`minimize: pass a function returning a scalar loss, got ${typeof f}`);
    const vars = varList ?? trainableVariables();
    const { value, grads } = gradientsOf(f, vars);
    if (value.size !== 1) throw new Error(`minimize: f must return a scalar, got ${value.size} values`);
    this.applyGradients(vars, grads);
    return returnCost ? value : null;
  }

  /** Starting value of slot i (Adagrad's accumulator starts above zero). */
  protected initialSlotValue(_slot: number): number {
    return 0;
  }

  protected abstract update(param: Float32Array, grad: Float32Array, slots: Float32Array[], lr: number): void;

  private slotsFor(v: Variable): Float32Array[] {
    let s = this.slots.get(v);
    if (!s) {
      s = this.slotNames.map((_, i) => getBackend().allocFloat32(v.size).fill(this.initialSlotValue(i)));
      this.slots.set(v, s);
    }
    return s;
  }

  private clip(grads: (Float32Array | null)[]): (Float32Array | null)[] {
    let out = grads;
    if (this.clipValue !== undefined) {
      const c = this.clipValue;
      out = out.map((g) => g && g.map((x) => Math.min(c, Math.max(-c, x))));
    }
    if (this.clipNorm !== undefined) {
      let sq = 0;
      for (const g of out) if (g) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      const norm = Math.sqrt(sq);
      if (norm > this.clipNorm) {
        const scale = this.clipNorm / norm;
        out = out.map((g) => g && g.map((x) => x * scale));
      }
    }
    return out;
  }

  getConfig(): OptimizerConfig {
    const lr = typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.config;
    const config: OptimizerConfig = { name: this.name, learningRate: lr, ...this.hyperParameters() };
    if (this.clipNorm !== undefined) config.clipNorm = this.clipNorm;
    if (this.clipValue !== undefined) config.clipValue = this.clipValue;
    return config;
  }

  protected abstract hyperParameters(): Record<string, unknown>;

  /** State for checkpoints: the step count and every slot, keyed by variable name. */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [{ name: 'iterations', tensor: new Tensor(new Float32Array([this.iterations]), []) }];
    for (const [v, slots] of this.slots) {
      slots.forEach((s, i) => out.push({ name: `${v.name}/${this.slotNames[i]}`, tensor: new Tensor(new Float32Array(s), v.shape) }));
    }
    return out;
  }

  /** Restores state saved by getWeights for these variables (matched by name). */
  setWeights(weights: readonly NamedTensor[], vars: readonly Variable[]): void {
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    const it = byName.get('iterations');
    if (it) this.iterations = it.values[0];
    for (const v of vars) {
      const slots = this.slotNames.map((slot) => byName.get(`${v.name}/${slot}`));
      if (slots.every((s) => s === undefined)) continue;
      this.slots.set(
        v,
        slots.map((s, i) => {
          if (!s || s.size !== v.size) throw new Error(`optimizer state: slot ${this.slotNames[i]} for ${v.name} is missing or has the wrong size`);
          const slot = getBackend().allocFloat32(v.size);
          slot.set(s.values);
          return slot;
        }),
      );
    }
  }
}

export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotNames: string[];

  constructor(options: SgdOptions = {}) {
    super(options, 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`sgd: momentum must be in [0, 1), got ${this.momentum}`);
    this.slotNames = this.momentum > 0 ? ['velocity'] : [];
  }

  protected update(p: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    getBackend().sgdUpdate(p, g, slots[0] ?? null, lr, this.momentum, this.nesterov);
  }

  protected hyperParameters() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly name: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotNames = ['m', 'v'];
  protected weightDecay = 0;

  constructor(options: AdamOptions = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    for (const [k, v] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(v >= 0 && v < 1)) throw new Error(`adam: ${k} must be in [0, 1), got ${v}`);
    }
  }

  protected update(p: Float32Array, g: Float32Array, [m, v]: Float32Array[], lr: number): void {
    getBackend().adamUpdate(p, g, m, v, {
      lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step: this.iterations, weightDecay: this.weightDecay,
    });
  }

  protected hyperParameters(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Adam with decoupled weight decay: p -= lr * (adam step + weightDecay * p). */
export class AdamW extends Adam {
  override readonly name = 'adamw';

  constructor(options: AdamOptions & { weightDecay?: number } = {}) {
    super(options);
    this.weightDecay = options.weightDecay ?? 0.004;
    if (!(this.weightDecay >= 0)) throw new Error(`adamw: weightDecay must be >= 0, got ${this.weightDecay}`);
  }

  protected override hyperParameters() {
    return { ...super.hyperParameters(), weightDecay: this.weightDecay };
  }
}

export interface RmspropOptions extends OptimizerOptions {
  rho?: number;
  momentum?: number;
  epsilon?: number;
}

/** v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps), with optional momentum on the step. */
export class RMSprop extends Optimizer {
  readonly name = 'rmsprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  protected readonly slotNames = ['rms', 'momentum'];

  constructor(options: RmspropOptions = {}) {
    super(options, 0.001);
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected update(p: Float32Array, g: Float32Array, [rms, mom]: Float32Array[], lr: number): void {
    getBackend().rmspropUpdate(p, g, rms, mom, { lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon });
  }

  protected hyperParameters() {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon };
  }
}

export interface AdagradOptions extends OptimizerOptions {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/** a += g^2; p -= lr g / (sqrt(a) + eps). */
export class Adagrad extends Optimizer {
  readonly name = 'adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly slotNames = ['accumulator'];

  constructor(options: AdagradOptions = {}) {
    super(options, 0.001);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected update(p: Float32Array, g: Float32Array, [acc]: Float32Array[], lr: number): void {
    for (let i = 0; i < p.length; i++) {
      acc[i] += g[i] * g[i];
      p[i] -= (lr * g[i]) / (Math.sqrt(acc[i]) + this.epsilon);
    }
  }

  protected hyperParameters() {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

/** Optimiser factories in the TensorFlow.js shape: `train.adam(1e-3)`. */
export const train = {
  sgd: (learningRate?: number | LearningRateSchedule, options: SgdOptions = {}) => new SGD({ ...options, learningRate }),
  momentum: (learningRate: number | LearningRateSchedule, momentum = 0.9, useNesterov = false) =>
    new SGD({ learningRate, momentum, nesterov: useNesterov }),
  adam: (learningRate?: number | LearningRateSchedule, beta1?: number, beta2?: number, epsilon?: number) =>
    new Adam({ learningRate, beta1, beta2, epsilon }),
  adamw: (learningRate?: number | LearningRateSchedule, weightDecay?: number, options: AdamOptions = {}) =>
    new AdamW({ ...options, learningRate, weightDecay }),
  rmsprop: (learningRate?: number | LearningRateSchedule, rho?: number, momentum?: number, epsilon?: number) =>
    new RMSprop({ learningRate, rho, momentum, epsilon }),
  adagrad: (learningRate?: number | LearningRateSchedule, initialAccumulatorValue?: number) =>
    new Adagrad({ learningRate, initialAccumulatorValue }),
};

export type OptimizerSpec = string | Optimizer | OptimizerConfig;

/** Builds an optimiser from a name ('adam'), a config ({name, learningRate, ...}) or passes one through. */
export function getOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const config = typeof spec === 'string' ? { name: spec } : spec;
  const { name, learningRate, ...rest } = config as OptimizerConfig;
  const lr = learningRate === undefined ? undefined : typeof learningRate === 'number' ? learningRate : scheduleFromConfig(learningRate);
  const options = { ...rest, learningRate: lr } as Record<string, unknown>;
  switch (String(name).toLowerCase()) {
    case 'sgd':
      return new SGD(options);
    case 'adam':
      return new Adam(options);
    case 'adamw':
      return new AdamW(options);
    case 'rmsprop':
      return new RMSprop(options);
    case 'adagrad':
      return new Adagrad(options);
    default:
      throw new Error(`unknown optimizer '${name}'; use one of: sgd, adam, adamw, rmsprop, adagrad`);
  }
}
