// tf.data for glassbox: lazy, re-iterable datasets (array, generator, zip) with map, filter, batch, shuffle,
// take, skip and repeat, the way TensorFlow.js' are used to feed model.fitDataset. Shuffles are seeded.

import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/transform.js';
import { tensor } from '../ops/creation.js';
import { Rng, getRng } from '../util/random.js';

type Source<T> = () => AsyncIterator<T> | Iterator<T>;

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? `an array of ${x.length}` : typeof x === 'object' ? `a ${(x as object).constructor?.name ?? 'object'}` : typeof x;
}

/** Numbers, booleans and (nested) arrays of them become one tensor; everything else is a container or a Tensor. */
function isNumeric(x: unknown): boolean {
  return typeof x === 'number' || typeof x === 'boolean' || (Array.isArray(x) && x.length > 0 && x.every(isNumeric)) || ArrayBuffer.isView(x);
}

/** Stacks a batch of elements: tensors and numeric arrays along a new first axis, objects and arrays key by key. */
export function batchElements(items: unknown[], path = 'element'): unknown {
  const first = items[0];
  if (first instanceof Tensor) return stack(items.map((x, i) => {
    if (!(x instanceof Tensor)) throw new Error(`batch: ${path} of item ${i} is ${describe(x)}, the first item's is a Tensor`);
    return x;
  }));
  if (isNumeric(first)) return tensor(items as never);
  if (Array.isArray(first)) return first.map((_, k) => batchElements(items.map((x) => (x as unknown[])[k]), `${path}[${k}]`));
  if (first !== null && typeof first === 'object') {
    return Object.fromEntries(Object.keys(first).map((k) => [k, batchElements(items.map((x) => (x as Record<string, unknown>)[k]), `${path}.${k}`)]));
  }
  throw new Error(`batch: cannot batch ${path} of type ${describe(first)}; elements must be numbers, arrays of numbers, tensors, or objects / arrays of these`);
}

export class Dataset<T> {
  constructor(private readonly source: Source<T>, readonly size: number | null = null) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const it = this.source();
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }

  /** An iterator with next() (TensorFlow.js' dataset.iterator()). */
  async iterator(): Promise<AsyncIterator<T>> {
    return this[Symbol.asyncIterator]();
  }

  map<U>(fn: (x: T) => U): Dataset<U> {
    if (typeof fn !== 'function') throw new Error(`dataset.map: pass a function, got ${describe(fn)}`);
    return new Dataset(async function* (this: Dataset<T>) {
      for await (const x of this) yield fn(x);
    }.bind(this), this.size);
  }

  mapAsync<U>(fn: (x: T) => Promise<U>): Dataset<U> {
    return new Dataset(async function* (this: Dataset<T>) {
      for await (const x of this) yield await fn(x);
    }.bind(this), this.size);
  }

  filter(predicate: (x: T) => boolean): Dataset<T> {
    return new Dataset(async function* (this: Dataset<T>) {
      for await (const x of this) if (predicate(x)) yield x;
    }.bind(this));
  }

  /** Groups consecutive elements into batches (tensors stacked along a new first axis); the last may be smaller. */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`dataset.batch: batchSize must be a positive integer, got ${batchSize}`);
    const size = this.size === null ? null : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return new Dataset(async function* (this: Dataset<T>) {
      let group: T[] = [];
      for await (const x of this) {
        group.push(x);
        if (group.length === batchSize) {
          yield batchElements(group);
          group = [];
        }
      }
      if (group.length > 0 && smallLastBatch) yield batchElements(group);
    }.bind(this), size);
  }

  /**
   * Shuffles within a window of bufferSize elements. A seed makes the order reproducible; by default a new order
   * (from glassbox's seeded generator) each time the dataset is iterated.
   */
  shuffle(bufferSize: number, seed?: number | string, reshuffleEachIteration = true): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new Error(`dataset.shuffle: bufferSize must be a positive integer, got ${bufferSize}`);
    const base = seed === undefined ? getRng().nextUint32() : typeof seed === 'number' ? seed : hashString(seed);
    let round = 0;
    return new Dataset(async function* (this: Dataset<T>) {
      const rng = new Rng(reshuffleEachIteration ? base + round++ : base);
      const buffer: T[] = [];
      for await (const x of this) {
        if (buffer.length < bufferSize) {
          buffer.push(x);
          continue;
        }
        const k = rng.int(bufferSize);
        yield buffer[k];
        buffer[k] = x;
      }
      rng.shuffle(buffer);
      yield* buffer;
    }.bind(this), this.size);
  }

  take(count: number): Dataset<T> {
    return new Dataset(async function* (this: Dataset<T>) {
      if (count <= 0) return;
      let n = 0;
      for await (const x of this) {
        yield x;
        if (++n >= count) return;
      }
    }.bind(this), this.size === null ? null : Math.min(this.size, Math.max(0, count)));
  }

  skip(count: number): Dataset<T> {
    return new Dataset(async function* (this: Dataset<T>) {
      let n = 0;
      for await (const x of this) if (n++ >= count) yield x;
    }.bind(this), this.size === null ? null : Math.max(0, this.size - count));
  }

  /** Repeats the dataset `count` times (forever without a count). */
  repeat(count?: number): Dataset<T> {
    return new Dataset(async function* (this: Dataset<T>) {
      for (let i = 0; count === undefined || i < count; i++) {
        let any = false;
        for await (const x of this) {
          any = true;
          yield x;
        }
        if (!any) return;
      }
    }.bind(this), count === undefined || this.size === null ? null : this.size * count);
  }

  concatenate(other: Dataset<T>): Dataset<T> {
    return new Dataset(async function* (this: Dataset<T>) {
      yield* this;
      yield* other;
    }.bind(this), this.size === null || other.size === null ? null : this.size + other.size);
  }

  /** Kept for TensorFlow.js code: elements are produced on demand, nothing to prefetch. */
  prefetch(_bufferSize: number): Dataset<T> {
    return this;
  }

  async forEachAsync(fn: (x: T) => void | Promise<void>): Promise<void> {
    for await (const x of this) await fn(x);
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const x of this) out.push(x);
    return out;
  }
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A dataset of the items of an array (TensorFlow.js' tf.data.array). */
export function array<T>(items: T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new Error(`data.array: pass an array, got ${describe(items)}`);
  return new Dataset(() => items[Symbol.iterator](), items.length);
}

/** A dataset of what a generator function yields, called afresh for each pass (tf.data.generator). */
export function generator<T>(make: () => Iterator<T> | AsyncIterator<T>): Dataset<T> {
  if (typeof make !== 'function') throw new Error(`data.generator: pass a generator function (function* () {...}), got ${describe(make)}`);
  return new Dataset(() => {
    const it = make();
    if (!it || typeof (it as Iterator<T>).next !== 'function') throw new Error('data.generator: the function must return an iterator (write it as function* () { yield ... })');
    return it;
  });
}

/** Elements of several datasets side by side, as an array or an object; ends with the shortest (tf.data.zip). */
export function zip(datasets: Dataset<unknown>[] | Record<string, Dataset<unknown>>): Dataset<unknown> {
  const entries = Array.isArray(datasets) ? datasets.map((d, i) => [String(i), d] as const) : Object.entries(datasets);
  if (entries.some(([, d]) => !(d instanceof Dataset))) throw new Error('data.zip: pass an array or object of datasets');
  return new Dataset(async function* () {
    const its = entries.map(([, d]) => d[Symbol.asyncIterator]());
    for (;;) {
      const rs = await Promise.all(its.map((it) => it.next()));
      if (rs.some((r) => r.done)) return;
      const values = rs.map((r) => r.value);
      yield Array.isArray(datasets) ? values : Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
    }
  });
}
