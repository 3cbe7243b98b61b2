// Describes a value for argument errors: "number 3", "string \"a\"", "an array of 2", "a Tensor", "undefined".

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === 'object') {
    const name = (x as object).constructor?.name;
    return !name || name === 'Object' ? 'an object' : `a ${name}`;
  }
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${typeof x === 'string' ? JSON.stringify(x) : String(x)}`;
}
