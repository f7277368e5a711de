import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encoderFor, rowEncoder } from '../../../lambdas/core/protocol/encode.js';
import { parseType } from '../../../lambdas/core/protocol/sql-types.js';

const enc = (type: string, value: unknown) => encoderFor(parseType(type))(value);

describe('value encoding (PROTOCOL.md §1.5)', () => {
  it('writes doubles as float tokens, never integer tokens', () => {
    expect(enc('double', 1)).toBe('1.0');
    expect(enc('double', -0.5)).toBe('-0.5');
    expect(enc('real', 1e21)).toBe('1e+21');
    expect(enc('double', NaN)).toBe('"NaN"');
    expect(enc('double', Infinity)).toBe('"Infinity"');
    expect(enc('double', -Infinity)).toBe('"-Infinity"');
    expect(enc('double', '42')).toBe('42.0');
    expect(enc('double', '1.5E10')).toBe('1.5E10');
    expect(enc('double', 'nan')).toBe('"NaN"');
  });

  it('keeps big integers exact', () => {
    expect(enc('bigint', 9007199254740993n)).toBe('9007199254740993');
    expect(enc('bigint', '-9223372036854775808')).toBe('-9223372036854775808');
    expect(() => enc('bigint', 1.5)).toThrow(/cannot be encoded/);
    expect(() => enc('bigint', '12a')).toThrow(/cannot be encoded/);
  });

  it('writes decimals as strings and varbinary as base64', () => {
    expect(enc('decimal(10,2)', '12.30')).toBe('"12.30"');
    expect(enc('varbinary', new Uint8Array([0x48, 0x65, 0x6c]))).toBe('"SGVs"');
  });

  it('writes rows positionally and maps as objects with string keys', () => {
    expect(enc('row(x bigint, y varchar)', [1, 'a'])).toBe('[1,"a"]');
    expect(enc('row(x bigint, y varchar)', { x: 1, y: 'a' })).toBe('[1,"a"]');
    expect(enc('map(bigint, double)', [[1, 2]])).toBe('{"1":2.0}');
    expect(enc('map(varchar, array(double))', new Map([['k', [1, null]]]))).toBe('{"k":[1.0,null]}');
    expect(enc('array(row(a boolean))', [[true], null])).toBe('[[true],null]');
  });

  it('refuses a row whose length does not match the columns', () => {
    expect(() => rowEncoder([parseType('bigint')])([1, 2])).toThrow(/2 values for 1 columns/);
  });

  it('round-trips doubles through JSON with their value and float-ness', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const text = enc('double', d);
        expect(/[.eE]/.test(text)).toBe(true);
        expect(JSON.parse(text)).toBe(d); // -0.0 included, as Trino writes it
      }),
    );
  });

  it('round-trips 64-bit integers exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (b) => {
        expect(BigInt(enc('bigint', b))).toBe(b);
        expect(BigInt(enc('bigint', b.toString()))).toBe(b);
      }),
    );
  });

  it('round-trips strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(JSON.parse(enc('varchar', s))).toBe(s);
      }),
    );
  });
});
