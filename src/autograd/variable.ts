// Variables: named, mutable tensors that hold model weights and are updated in place by optimisers.

import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { getBackend } from '../backend/backend.js';

const names = new Map<string, number>();
/** The backend block each int8 variable's bytes live in, kept alive while the variable is (freed with it). */
const int8Blocks = new WeakMap<Variable, Float32Array>();
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
    if (initial.dtype !== 'float32' && initial.dtype !== 'int8') throw new Error(`Variable: only float32 and int8 variables are supported, got ${initial.dtype}`);
    if (initial.dtype === 'int8' && trainable) throw new Error('Variable: int8 variables (quantised weights) cannot be trainable; pass trainable = false');
    // Storage from the backend: with wasm it lives in WebAssembly memory, so kernels update it without copies.
    const block = getBackend().allocFloat32(initial.dtype === 'int8' ? Math.ceil(initial.size / 4) : initial.size);
    const storage = initial.dtype === 'int8' ? new Int8Array(block.buffer, block.byteOffset, initial.size) : block;
    storage.set(initial.values);
    super(storage, initial.shape, initial.dtype);
    if (initial.dtype === 'int8') int8Blocks.set(this, block);
    this.trainable = trainable;
    this.name = uniqueName(name ?? 'Variable');
    live.add(new WeakRef(this));
  }

  /** Overwrites the value in place; the shape must match. */
  assign(value: Tensor): void {
    if (!shapesEqual(value.shape, this.shape)) {
      throw new Error(`Variable ${this.name}: cannot assign shape ${formatShape(value.shape)} to ${formatShape(this.shape)}`);
    }
    if ((this.dtype === 'int8') !== (value.dtype === 'int8')) throw new Error(`Variable ${this.name}: cannot assign a ${value.dtype} tensor to a ${this.dtype} variable`);
    (this.values as Float32Array).set(value.values);
  }

  /** A snapshot that does not change when the variable does. */
  read(): Tensor {
    return new Tensor(this.values.slice(), this.shape, this.dtype);
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
