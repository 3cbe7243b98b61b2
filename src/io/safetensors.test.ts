import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../tensor/tensor.js';
import { encodeSafetensors, decodeSafetensors } from './safetensors.js';
import { crc32 } from './crc32.js';

const enc = new TextEncoder();

/** Hand-assembles a file from a header object and a data section, for the corrupt-file cases. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: number): Uint8Array {
  const json = enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthField ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const sample = () =>
  new Map<string, Tensor>([
    ['dense/kernel', new Tensor(new Float32Array([1.5, -2, Math.PI, NaN, -0, Infinity]), [2, 3])],
    ['steps', new Tensor(new Int32Array([7, -1]), [2], 'int32')],
    ['mask', new Tensor(new Uint8Array([1, 0, 1]), [3], 'bool')],
    ['scalar', new Tensor(new Float32Array([0.1]), [])],
    ['empty', new Tensor(new Float32Array(0), [0, 4])],
  ]);

describe('safetensors round trip', () => {
  it('is bit-exact for every dtype, including NaN, -0 and Infinity', () => {
    const bytes = encodeSafetensors(sample(), { producer: 'glassbox' });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ producer: 'glassbox' });
    expect([...tensors.keys()]).toEqual([...sample().keys()]);
    for (const [name, t] of sample()) {
      const back = tensors.get(name)!;
      expect(back.shape).toEqual(t.shape);
      expect(back.dtype).toBe(t.dtype);
      expect(new Uint8Array(back.values.buffer)).toEqual(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    }
  });

  it('starts data on an 8-byte boundary and matches the reference layout', () => {
    const bytes = encodeSafetensors({ a: new Tensor(new Float32Array([1, 2]), [2]) });
    const len = new DataView(bytes.buffer).getUint32(0, true);
    expect(len % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
    expect(header).toEqual({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
  });

  it('round-trips arbitrary float32 tensors bit for bit (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float32Array({ maxLength: 20 }), { maxLength: 5 }), (arrays) => {
        const input = arrays.map((a, i) => [`t${i}`, new Tensor(a, [a.length])] as const);
        const out = decodeSafetensors(encodeSafetensors(input)).tensors;
        input.forEach(([name, t]) => expect(new Uint8Array(out.get(name)!.values.buffer)).toEqual(new Uint8Array(t.values.buffer)));
      }),
    );
  });

  it('reads tensors from a view into a larger, unaligned buffer', () => {
    const bytes = encodeSafetensors(sample());
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(decodeSafetensors(padded.subarray(3)).tensors.get('dense/kernel')!.values[2]).toBeCloseTo(Math.PI, 6);
  });

  it('rejects bad names and metadata when writing', () => {
    const t = new Tensor(new Float32Array(1), [1]);
    expect(() => encodeSafetensors({ __metadata__: t })).toThrow(/invalid tensor name/);
    expect(() => encodeSafetensors([['a', t], ['a', t]])).toThrow(/duplicate/);
  });
});

describe('safetensors rejects corrupt files with a clear error', () => {
  const good = encodeSafetensors(sample());
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /truncated: 0 bytes/],
    ['truncated header', good.subarray(0, 20), /truncated: the header claims/],
    ['truncated data', good.subarray(0, good.length - 4), /past the end|trailing|truncated/],
    ['absurd header length', rawFile({}, undefined, 2_000_000_000), /header length 2000000000 is absurd/],
    ['64-bit header length', (() => { const b = rawFile({}); new DataView(b.buffer).setUint32(4, 1, true); return b; })(), /absurd/],
    ['header not JSON', rawFile('{"a": [1, 2'), /not valid JSON/],
    ['header not an object', rawFile('[1, 2, 3]'), /does not start with a JSON object/],
    ['header not UTF-8', (() => { const b = rawFile('{"a":1}'); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ['offsets past the end', rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /past the end/],
    ['negative offsets', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(4)), /non-negative/],
    ['wrong dtype', rawFile({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype 'F16' is not supported/],
    ['unknown dtype', rawFile({ a: { dtype: 'Q4', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /not a safetensors dtype/],
    ['absurd shape', rawFile({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, new Uint8Array(4)), /absurd shape/],
    ['negative dimension', rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /negative dimension/],
    ['fractional dimension', rawFile({ a: { dtype: 'F32', shape: [0.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /non-integer/],
    ['shape and size disagree', rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs 12 bytes but data_offsets span 8/],
    ['overlapping tensors', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /overlaps/],
    ['hole in data', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /hole/],
    ['trailing bytes', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(12)), /8 trailing bytes/],
    ['missing dtype', rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype is missing/],
    ['non-string metadata', rawFile({ __metadata__: { a: 1 } }), /must be a string/],
  ];
  it.each(cases)('%s', (_label, bytes, message) => {
    expect(() => decodeSafetensors(bytes, { source: 'w.safetensors' })).toThrow(message);
    expect(() => decodeSafetensors(bytes, { source: 'w.safetensors' })).toThrow(/^w\.safetensors: /);
  });

  it('never crashes or hangs on random corruption: it decodes or throws an Error (fuzz)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: good.length }), (at, byte, cut) => {
        const bytes = good.slice(0, Math.max(cut, at + 1));
        bytes[at] = byte;
        try {
          decodeSafetensors(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(enc.encode('123456789'))).toBe('cbf43926');
    expect(crc32(new Uint8Array(0))).toBe('00000000');
  });
});
