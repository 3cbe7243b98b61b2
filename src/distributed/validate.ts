// Checks for data that came through Redis (job payloads, run specs, results): types, ranges, sizes, known keys only.

/** A payload that breaks its schema: the job fails at once (no retry) with this message. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

export type Obj = Record<string, unknown>;

function fail(what: string, expected: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `'${v.slice(0, 40)}'` : typeof v;
  throw new PayloadError(`${what}: expected ${expected}, got ${got}`);
}

/** A plain JSON object whose keys are all in `allowed` (and `required` present). */
export function record(v: unknown, what: string, allowed: readonly string[], required: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what, 'an object', v);
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new PayloadError(`${what}: unknown field '${k.slice(0, 40)}'`);
  for (const k of required) if (!(k in o)) throw new PayloadError(`${what}: missing field '${k}'`);
  return o;
}

export function int(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(what, `an integer in [${min}, ${max}]`, v);
  return v as number;
}

export function num(v: unknown, what: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(what, `a finite number >= ${min}`, v);
  return v as number;
}

export function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') fail(what, 'true or false', v);
  return v as boolean;
}

export function str(v: unknown, what: string, maxLength = 1000, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length > maxLength || (pattern && !pattern.test(v))) {
    fail(what, `text of at most ${maxLength} characters${pattern ? ` matching ${pattern}` : ''}`, v);
  }
  return v as string;
}

export function oneOf<T extends string>(v: unknown, options: readonly T[], what: string): T {
  if (typeof v !== 'string' || !options.includes(v as T)) fail(what, `one of ${options.join(', ')}`, v);
  return v as T;
}

export function list<T>(v: unknown, what: string, maxItems: number, item: (x: unknown, what: string) => T): T[] {
  if (!Array.isArray(v)) fail(what, 'an array', v);
  const a = v as unknown[];
  if (a.length > maxItems) throw new PayloadError(`${what}: ${a.length} items, at most ${maxItems}`);
  return a.map((x, i) => item(x, `${what}[${i}]`));
}

/** A SHA-256 content hash (64 hex digits). */
export function hash(v: unknown, what: string): string {
  return str(v, what, 64, /^[0-9a-f]{64}$/);
}
