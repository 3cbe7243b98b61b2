// Learning-rate schedules: functions of the optimiser step, serialisable as configs.

export interface ScheduleConfig {
  name: 'exponentialDecay' | 'stepDecay' | 'cosineDecay' | 'piecewiseConstant';
  [key: string]: unknown;
}

export interface LearningRateSchedule {
  /** Learning rate for the given 0-based step. */
  (step: number): number;
  config: ScheduleConfig;
}

function make(config: ScheduleConfig, f: (step: number) => number): LearningRateSchedule {
  return Object.assign(f, { config });
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`${name} must be a positive number, got ${value}`);
  return value;
}

/** lr = initial * rate^(step / decaySteps), floored to whole periods with staircase. */
export function exponentialDecay(o: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
  positive('exponentialDecay: initialLearningRate', o.initialLearningRate);
  positive('exponentialDecay: decaySteps', o.decaySteps);
  positive('exponentialDecay: decayRate', o.decayRate);
  return make({ name: 'exponentialDecay', ...o }, (step) => {
    const p = step / o.decaySteps;
    return o.initialLearningRate * Math.pow(o.decayRate, o.staircase ? Math.floor(p) : p);
  });
}

/** lr = initial * factor^floor(step / stepSize): drops by `factor` every `stepSize` steps. */
export function stepDecay(o: { initialLearningRate: number; stepSize: number; factor?: number }): LearningRateSchedule {
  positive('stepDecay: initialLearningRate', o.initialLearningRate);
  positive('stepDecay: stepSize', o.stepSize);
  const factor = o.factor ?? 0.5;
  return make({ name: 'stepDecay', ...o, factor }, (step) => o.initialLearningRate * Math.pow(factor, Math.floor(step / o.stepSize)));
}

/** Cosine from initial down to alpha * initial over decaySteps, then flat. */
export function cosineDecay(o: { initialLearningRate: number; decaySteps: number; alpha?: number }): LearningRateSchedule {
  positive('cosineDecay: initialLearningRate', o.initialLearningRate);
  positive('cosineDecay: decaySteps', o.decaySteps);
  const alpha = o.alpha ?? 0;
  return make({ name: 'cosineDecay', ...o, alpha }, (step) => {
    const t = Math.min(step, o.decaySteps) / o.decaySteps;
    return o.initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  });
}

/** values[i] while step < boundaries[i]; the last value after the last boundary. */
export function piecewiseConstant(o: { boundaries: number[]; values: number[] }): LearningRateSchedule {
  if (o.values.length !== o.boundaries.length + 1) {
    throw new Error(`piecewiseConstant: needs one more value than boundaries (${o.boundaries.length} boundaries, ${o.values.length} values)`);
  }
  return make({ name: 'piecewiseConstant', ...o }, (step) => {
    const i = o.boundaries.findIndex((b) => step < b);
    return o.values[i === -1 ? o.values.length - 1 : i];
  });
}

export function scheduleFromConfig(config: ScheduleConfig): LearningRateSchedule {
  const { name, ...rest } = config;
  const makers = { exponentialDecay, stepDecay, cosineDecay, piecewiseConstant } as Record<string, (o: never) => LearningRateSchedule>;
  const maker = makers[name];
  if (!maker) throw new Error(`unknown learning-rate schedule '${name}'`);
  return maker(rest as never);
}

export const schedules = { exponentialDecay, stepDecay, cosineDecay, piecewiseConstant };
