// A small least-recently-used cache of a model's compiled plans, bounded by count and by the bytes their
// buffers hold; evicted plans free their buffers at once.

import type { Plan } from './plan.js';

export class PlanCache {
  private readonly plans = new Map<string, Plan>();
  /** Facts derived from the model's graph (e.g. its largest activation), forgotten with the plans. */
  readonly facts = new Map<string, number>();

  /**
   * capacity: most plans kept; maxBytes: most buffer bytes kept (default 256 MiB: the threaded wasm memory
   * holds 1 GiB, and a conv net's training plan at a large batch takes tens of MB).
   */
  constructor(private readonly capacity = 8, private readonly maxBytes = 256 * 2 ** 20) {}

  /** The plan under `key`, compiling it with `build` on a miss. */
  get(key: string, build: () => Plan): Plan {
    const hit = this.plans.get(key);
    if (hit && !hit.isDisposed) {
      // Re-insert so iteration order is least recently used first.
      this.plans.delete(key);
      this.plans.set(key, hit);
      return hit;
    }
    const plan = build();
    this.plans.set(key, plan);
    // The newest plan always stays, whatever it holds.
    while (this.plans.size > this.capacity || (this.plans.size > 1 && this.bytes() > this.maxBytes)) {
      const [oldest, old] = this.plans.entries().next().value as [string, Plan];
      this.plans.delete(oldest);
      old.dispose();
    }
    return plan;
  }

  /** Drops every plan whose key starts with `prefix` (all when omitted), freeing their buffers. */
  clear(prefix = ''): void {
    if (prefix === '') this.facts.clear();
    for (const [key, plan] of [...this.plans]) {
      if (!key.startsWith(prefix)) continue;
      this.plans.delete(key);
      plan.dispose();
    }
  }

  /** Bytes held by the cached plans' buffers. */
  bytes(): number {
    let n = 0;
    for (const p of this.plans.values()) n += p.stats.bufferBytes;
    return n;
  }

  get size(): number {
    return this.plans.size;
  }

  keys(): string[] {
    return [...this.plans.keys()];
  }
}
