// TensorFlow.js' runtime calls with glassbox meanings: backends by name, memory(), keep/tidy/dispose (nothing
// to free: tensors are garbage-collected), print, ready.

import * as be from '../backend/backend.js';
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../nn/symbolic.js';

/** TensorFlow.js backend names glassbox answers to: its 'cpu' is glassbox's plain TypeScript reference backend. */
const ALIASES: Record<string, string> = { cpu: 'js' };

/** Selects the backend by name ('wasm', 'js', or TensorFlow.js' 'cpu'); resolves true, as TensorFlow.js' does. */
export async function setBackend(name: string): Promise<boolean> {
  if (typeof name !== 'string') throw new Error(`setBackend: name must be a string ('wasm', 'js' or 'cpu'), got ${describe(name)}`);
  const known = be.backendNames();
  const target = ALIASES[name] ?? name;
  if (!known.includes(target)) {
    throw new Error(`setBackend: unknown backend '${name}'; glassbox has ${known.join(', ')} ('cpu' means 'js'); WebGL and WebGPU are not available`);
  }
  be.setBackend(target);
  return true;
}

/** The active backend's name ('wasm' or 'js'), as TensorFlow.js' getBackend returns a name. */
export function getBackend(): string {
  return be.getBackend().name;
}

/** The active backend object (TensorFlow.js' tf.backend()). */
export function backend(): Backend {
  return be.getBackend();
}

/** Resolves at once: glassbox backends are ready on import. */
export async function ready(): Promise<void> {}

/** Runs fn and returns its result; there is nothing to free afterwards (kept so TensorFlow.js code ports unchanged). */
export function tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (typeof f !== 'function') throw new Error(`tidy: pass a function (or a name and a function), got ${describe(nameOrFn)}`);
  return f();
}

/** Nothing to free: tensors are garbage-collected (kept so TensorFlow.js code ports unchanged). */
export function dispose(_x?: unknown): void {}

/** Returns x: nothing is freed that keep would protect. */
export function keep<T>(x: T): T {
  return x;
}

export interface MemoryInfo {
  /** Always 0: no tensor ever needs disposing, so none is counted (see `reasons`). */
  numTensors: number;
  numDataBuffers: number;
  /** The process's resident memory in Node (JavaScript heap, WebAssembly memory and the rest); 0 in browsers. */
  numBytes: number;
  unreliable: true;
  reasons: string[];
}

/** TensorFlow.js' memory(): what glassbox can say about memory (it does not count live tensors). */
export function memory(): MemoryInfo {
  const rss = typeof process !== 'undefined' && typeof process.memoryUsage === 'function' ? process.memoryUsage().rss : 0;
  return {
    numTensors: 0, numDataBuffers: 0, numBytes: rss, unreliable: true,
    reasons: ['glassbox tensors are garbage-collected: none needs disposing, so live tensors are not counted'],
  };
}

/** Prints a tensor (TensorFlow.js' tf.print); `verbose` adds its dtype and size. */
export function print(x: Tensor, verbose = false): void {
  if (!x || typeof (x as Tensor).print !== 'function') throw new Error(`print: expected a Tensor, got ${describe(x)}`);
  x.print(verbose);
}
