// Scores as the CLI prints them: each metric with the trivial baseline's value beside it.

/** Scores picked out of a result by key prefix (`test_accuracy` -> `accuracy`), leaving the row count out. */
export function scoresWithPrefix(result: Record<string, unknown>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(result)) if (k.startsWith(prefix) && k !== `${prefix}rows` && typeof v === 'number') out[k.slice(prefix.length)] = v;
  return out;
}

/** "accuracy 0.93  (trivial baseline 0.41)" lines under a heading; `baseline` holds `baseline_<metric>` keys. */
export function resultLines(scores: Record<string, number>, baseline: Record<string, unknown>, heading: string): string[] {
  return [`${heading}:`, ...Object.entries(scores).map(([name, v]) => {
    const base = baseline[`baseline_${name}`];
    return `  ${name} ${format(v)}${typeof base === 'number' ? `  (trivial baseline ${format(base)})` : ''}`;
  })];
}

function format(v: number): string {
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}
