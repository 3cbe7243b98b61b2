// Tests for IDX parsing and its validation of magic numbers and sizes.

import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, parseIdx } from './idx.js';

describe('parseIdx', () => {
  it('round-trips encodeIdx and rejects data that does not fill the dimensions', () => {
    expect(Array.from(parseIdx(encodeIdx([2, 2], [1, 2, 3, 4]), 'r').data)).toEqual([1, 2, 3, 4]);
    expect(() => encodeIdx([2, 2], [1, 2, 3])).toThrow(/3 values do not fill dimensions 2x2/);
  });

  it('reads dims and data of an image file', () => {
    const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const idx = parseIdx(encodeIdx([2, 3, 4], data), 'f', IDX_IMAGES_MAGIC);
    expect(idx.magic).toBe(IDX_IMAGES_MAGIC);
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(data);
  });

  it('reads a label file', () => {
    const idx = parseIdx(encodeIdx([3], [7, 0, 9]), 'l', IDX_LABELS_MAGIC);
    expect(idx.dims).toEqual([3]);
    expect(Array.from(idx.data)).toEqual([7, 0, 9]);
  });

  it('rejects a wrong magic number, naming the file and both numbers', () => {
    const bytes = encodeIdx([3], [1, 2, 3]);
    expect(() => parseIdx(bytes, 'labels.idx', IDX_IMAGES_MAGIC)).toThrow(/labels\.idx: wrong magic number 0x00000801 \(expected 0x00000803/);
  });

  it('rejects files that are not IDX at all', () => {
    expect(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'x.zip')).toThrow(/x\.zip: not an IDX file/);
    expect(() => parseIdx(new Uint8Array([0, 0]), 'tiny')).toThrow(/tiny: not an IDX file: only 2 bytes/);
  });

  it('rejects element types other than unsigned byte', () => {
    const bytes = encodeIdx([4], [0, 0, 0, 0]);
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, 'f32')).toThrow(/f32: IDX element type float32 is not supported/);
  });

  it('rejects a truncated header', () => {
    const bytes = encodeIdx([2, 2, 2], new Array(8).fill(0)).subarray(0, 10);
    expect(() => parseIdx(bytes, 'h')).toThrow(/h: truncated IDX header: 10 bytes, but a 3-dimensional header needs 16/);
  });

  it('rejects truncated data and trailing bytes, with expected and actual sizes', () => {
    const full = encodeIdx([2, 2, 2], new Array(8).fill(1));
    expect(() => parseIdx(full.subarray(0, 20), 'cut')).toThrow(/cut: truncated: .* 2x2x2, .* 24 bytes \(16 header \+ 8 data\), but it is 20/);
    const longer = new Uint8Array(30);
    longer.set(full);
    expect(() => parseIdx(longer, 'long')).toThrow(/long: has trailing bytes/);
  });

  it('does not allocate from a huge declared size', () => {
    const bytes = encodeIdx([1, 1, 1], [0]);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 3; i++) view.setUint32(4 + 4 * i, 0xffffffff, false);
    expect(() => parseIdx(bytes, 'huge')).toThrow(/huge: truncated/);
  });
});
