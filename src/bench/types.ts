// Shared shapes of the benchmark program: options, result tables and the section hook.

export interface BenchOptions {
  /** Reduced run for development: fewer samples and epochs. */
  quick: boolean;
  /** Training examples used per epoch (60000 = all of MNIST). */
  trainLimit: number;
  epochs: number;
  batchSizes: number[];
  /** Peers to run (ids from PEERS in peers.ts). */
  peers: string[];
}

export type Cell = string | number | null;

/** One printed table; `rows` hold raw numbers so --json keeps full precision. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Cell[][];
  notes?: string[];
}

/**
 * A part of `npm run bench`. main.ts runs its built-in sections, then any a module exports as
 * `sections` from src/bench/explain.ts (the explainer benchmarks), in order.
 */
export interface BenchSection {
  name: string;
  run(opts: BenchOptions): Promise<BenchTable[]>;
}
