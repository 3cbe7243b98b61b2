// Tests for --rows parsing: decimal indices, ranges and lists only; anything else is one clear error.

import { describe, expect, it } from 'vitest';
import { parseRows } from './datasets.js';

describe('parseRows', () => {
  it('reads ranges, single indices and comma lists', () => {
    expect(parseRows('0:3', 10)).toEqual([0, 1, 2]);
    expect(parseRows(':2', 10)).toEqual([0, 1]);
    expect(parseRows('8:', 10)).toEqual([8, 9]);
    expect(parseRows('5', 10)).toEqual([5]);
    expect(parseRows('1,4,9', 10)).toEqual([1, 4, 9]);
    expect(parseRows(' 2 ', 10)).toEqual([2]);
  });

  it('refuses hex, exponents, signs, empty parts, empty specs and rows past the end', () => {
    for (const spec of ['0x10', '1e1', '', ' ', '1,,2', ',1', '-1', '+1', '1.0', '3:1', '2:2', '0:11', '10', 'a', '1:2:3', '0b1', 'Infinity']) {
      expect(() => parseRows(spec, 10), spec).toThrow(/^--rows .*: use START:END \(e\.g\. 0:20\), one index, or a comma list \(1,4,9\) of decimal row numbers within 0\.\.9$/);
    }
  });
});
