// Tables the tests make themselves: a seeded mix of numeric and categorical columns with a known target rule.

import { Rng } from '../util/random.js';

export interface TestTableOptions {
  rows: number;
  seed?: number;
  /** 'regression': "price" in the thousands; 'classification': "bought" (yes/no) from a logistic rule. */
  task: 'regression' | 'classification';
  /** Share of feature cells left empty (or written NA), default 0. */
  missingRate?: number;
  /** Add an identifier column "id" (distinct per row), default false. */
  withId?: boolean;
}

const REGIONS = ['north', 'south', 'east', 'west'];
const REGION_EFFECT = [0, 800, -500, 300];

/**
 * CSV text with columns age (18..80), income (thousands), region (4 categories), noise (irrelevant) and a target:
 * price = 2000 + 45 age + 9 income + region effect + noise (sd 150), or bought = yes with probability
 * sigmoid((age - 45) / 6 + (income - 60) / 15 + region effect / 400).
 */
export function makeTestTable(o: TestTableOptions): string {
  const rng = new Rng(o.seed ?? 1);
  const missing = o.missingRate ?? 0;
  const target = o.task === 'regression' ? 'price' : 'bought';
  const lines = [[...(o.withId ? ['id'] : []), 'age', 'income', 'region', 'noise', target].join(',')];
  for (let i = 0; i < o.rows; i++) {
    const age = 18 + Math.floor(rng.next() * 63);
    const income = Math.round((25 + 70 * rng.next() + 10 * rng.normal()) * 10) / 10;
    const r = Math.floor(rng.next() * 4);
    const noise = Math.round(rng.normal() * 1000) / 1000;
    let y: string;
    if (o.task === 'regression') {
      y = String(Math.round(2000 + 45 * age + 9 * income + REGION_EFFECT[r] + 150 * rng.normal()));
    } else {
      const z = (age - 45) / 6 + (income - 60) / 15 + REGION_EFFECT[r] / 400;
      y = rng.next() < 1 / (1 + Math.exp(-z)) ? 'yes' : 'no';
    }
    const cell = (v: string, k: number) => (rng.next() < missing ? (k % 2 ? 'NA' : '') : v);
    const features = [String(age), String(income), REGIONS[r], String(noise)].map(cell);
    lines.push([...(o.withId ? [`u${1000 + i}`] : []), ...features, y].join(','));
  }
  return lines.join('\n') + '\n';
}
