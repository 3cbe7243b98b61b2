// Parsers for numeric command-line flags, with messages that name the flag and the valid range.

import { InvalidArgumentError } from 'commander';

export function integer(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function number(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}`);
    return n;
  };
}

/** Comma-separated layer sizes, e.g. 64,32 ('none' or empty: no hidden layers). */
export function units(value: string): number[] {
  if (value === '' || value === 'none') return [];
  const list = value.split(',').map(Number);
  if (list.some((u) => !Number.isInteger(u) || u <= 0)) throw new InvalidArgumentError('use comma-separated positive integers, e.g. 64,32');
  return list;
}

/** A number strictly between 0 and 1 (a fraction of rows). */
export function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number strictly between 0 and 1, e.g. 0.2`);
    return n;
  };
}

/** Comma-separated column names, e.g. age,income (names are trimmed; none may be empty). */
export function columns(name: string) {
  return (value: string): string[] => {
    const list = value.split(',').map((s) => s.trim());
    if (list.some((c) => c === '')) throw new InvalidArgumentError(`${name} takes comma-separated column names, e.g. ${name} age,income`);
    return list;
  };
}
