// Variables: named, mutable tensors that hold model weights and are updated in place by optimisers.

import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';

const names = new Map<string, number>();
/** Weak registry so variables of discarded models can be collected. */
const live = new Set<WeakRef<Variable>>();

function uniqueName(base: string): string {
  const n = names.get(base) ?? 0;
  names.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  constructor(initial: Tensor, trainable = true, name?: string) {
    if (!(initial instanceof Tensor)) throw new Error(`variable: argument 'initialValue' must be a Tensor (e.g. tf.zeros([2])), got ${initial === null ? 'null' : typeof initial}`);
    if (initial.dtype !== 'float32') throw new Error(`Variable: only float32 variables are supported, got ${initial.dtype}`);
    // Storage from the backend: with wasm it lives in WebAssembly memory, so kernels update it without copies.
    const storage = getBackend().allocFloat32(initial.size);
    storage.set(initial.values);
    super(storage, initial.shape, 'float32');
    this.trainable = trainable;
    this.name = uniqueName(name ?? 'Variable');
    live.add(new WeakRef(this));
  }

  /** Overwrites the value in place; the shape must match. */
  assign(value: Tensor): void {
    if (!shapesEqual(value.shape, this.shape)) {
      throw new Error(`Variable ${this.name}: cannot assign shape ${formatShape(value.shape)} to ${formatShape(this.shape)}`);
    }
    (this.values as Float32Array).set(value.values);
  }

  /** A snapshot that does not change when the variable does. */
  read(): Tensor {
    return new Tensor(new Float32Array(this.values), this.shape);
  }
}

export function variable(initial: Tensor, trainable = true, name?: string): Variable {
  return new Variable(initial, trainable, name);
}

/** Every live trainable variable. */
export function trainableVariables(): Variable[] {
  const out: Variable[] = [];
  for (const ref of live) {
    const v = ref.deref();
    if (!v) live.delete(ref);
    else if (v.trainable) out.push(v);
  }
  return out;
}
