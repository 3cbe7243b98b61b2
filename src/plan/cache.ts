// A small least-recently-used cache of a model's compiled plans; evicted plans free their buffers at once.

import type { Plan } from './plan.js';

export class PlanCache {
  private readonly plans = new Map<string, Plan>();
  /** Facts derived from the model's graph (e.g. its largest activation), forgotten with the plans. */
  readonly facts = new Map<string, number>();

  constructor(private readonly capacity = 8) {}

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
    while (this.plans.size > this.capacity) {
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

  get size(): number {
    return this.plans.size;
  }

  keys(): string[] {
    return [...this.plans.keys()];
  }
}
