import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GetQueryResultsOutput } from '@aws-sdk/client-athena';
import { athenaText, DecodeError, decodeHexBytes, hexBytesText, parseComplexText, rowDecoder, valueDecoder } from '../../../../lambdas/core/engines/athena/decode.js';
import { decodeRows, resultTypes } from '../../../../lambdas/core/engines/athena/results.js';
import { encoderFor, rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { parseType } from '../../../../lambdas/core/protocol/sql-types.js';
import type { SqlType } from '../../../../lambdas/core/ports/index.js';
import { fixture } from './support.js';

const decode = (typeText: string, text: string) => {
  const d = valueDecoder(parseType(typeText));
  return d ? d(text) : text;
};

describe('decoding Athena text', () => {
  it('decodes the documented forms of every primitive type', () => {
    expect(decode('boolean', 'true')).toBe(true);
    expect(decode('boolean', 'false')).toBe(false);
    expect(decode('integer', '-2147483648')).toBe(-2147483648);
    expect(decode('bigint', '9223372036854775807')).toBe('9223372036854775807');
    expect(decode('bigint', '-42')).toBe(-42);
    expect(decode('double', '1.0E10')).toBe(1e10);
    expect(decode('double', '1.2345678901234567E-5')).toBe(Number('1.2345678901234567E-5'));
    expect(decode('double', 'NaN')).toBeNaN();
    expect(decode('double', 'Infinity')).toBe(Infinity);
    expect(decode('double', '-Infinity')).toBe(-Infinity);
    expect(decode('real', '3.4028235E38')).toBe(Number('3.4028235E38'));
    expect(decode('decimal(10,2)', '-0.50')).toBe('-0.50');
    expect(decode('varbinary', '48 65 6c')).toEqual(new Uint8Array([0x48, 0x65, 0x6c]));
    expect(decode('varbinary', '')).toEqual(new Uint8Array(0));
    expect(decode('timestamp(3)', '2024-05-01 10:10:10.000')).toBe('2024-05-01 10:10:10.000');
    expect(decode('varchar', '')).toBe('');
  });

  it('keeps NULL and the empty string apart', () => {
    const decodeRow = rowDecoder([parseType('varchar'), parseType('varchar'), parseType('varbinary')]);
    expect(decodeRow([undefined, '', ''])).toEqual([null, '', new Uint8Array(0)]);
    expect(decodeRow([null, 'x', undefined])).toEqual([null, 'x', null]);
  });

  it('refuses text that does not fit the declared type', () => {
    expect(() => decode('integer', '1.5')).toThrow(DecodeError);
    expect(() => decode('integer', '')).toThrow(DecodeError);
    expect(() => decode('bigint', '0x10')).toThrow(DecodeError);
    expect(() => decode('boolean', 'TRUE')).toThrow(DecodeError);
    expect(() => decode('double', 'abc')).toThrow(DecodeError);
    expect(() => decode('decimal(10,2)', '1e5')).toThrow(DecodeError);
    expect(() => decode('varbinary', '4 865')).toThrow(DecodeError);
    expect(() => decode('varbinary', 'zz')).toThrow(DecodeError);
    expect(() => rowDecoder([parseType('integer')])(['1', '2'])).toThrow(DecodeError);
  });

  it('reads complex text back when the full type is known', () => {
    expect(parseComplexText('[1, 2, null]', parseType('array(integer)'))).toEqual([1, 2, null]);
    expect(parseComplexText('[]', parseType('array(integer)'))).toEqual([]);
    expect(parseComplexText('[[1, 2], [], null]', parseType('array(array(bigint))'))).toEqual([[1, 2], [], null]);
    expect(parseComplexText('{1=2.5, 3=null}', parseType('map(integer, double)'))).toEqual([[1, 2.5], [3, null]]);
    expect(parseComplexText('{x=1, y=2.0E10}', parseType('row(x bigint, y double)'))).toEqual([1, 2e10]);
    expect(parseComplexText('{field0=1, field1=2.0}', parseType('row(bigint, double)'))).toEqual([1, 2]);
    expect(parseComplexText('[{a=true, b=2024-05-01}]', parseType('array(row(a boolean, b date))'))).toEqual([[true, '2024-05-01']]);
    expect(parseComplexText('[2024-05-01 10:10:10.000]', parseType('array(timestamp(3))'))).toEqual(['2024-05-01 10:10:10.000']);
    expect(() => parseComplexText('[1, x]', parseType('array(integer)'))).toThrow(DecodeError);
    expect(() => parseComplexText('{y=1, x=2}', parseType('row(x bigint, y bigint)'))).toThrow(DecodeError);
    expect(() => parseComplexText('[1, 2', parseType('array(integer)'))).toThrow(DecodeError);
  });

  it('decodes the all-types fixture and encodes it as the protocol requires', () => {
    const out = fixture<GetQueryResultsOutput>('get-query-results-all-types.json');
    const info = out.ResultSet!.ResultSetMetadata!.ColumnInfo!;
    const types = resultTypes(info);
    const raw = out.ResultSet!.Rows!.slice(1).map((r) => r.Data!.map((d) => d.VarCharValue));
    const rows = decodeRows(types, raw);
    const json = rows.map(rowEncoder(types));
    const [first, second, third] = json.map((j) => JSON.parse(j) as unknown[]);
    expect(first).toEqual([
      true, 127, 32767, 2147483647, Number('9223372036854775807'), Number('3.4028235E38'), 1e10, '12.30', 'ab ', 'héllo, "world"\nline 2', Buffer.from('Hel').toString('base64'),
      '2024-05-01', '10:10:10.000', '2024-05-01 10:10:10.000', '2024-05-01 10:10:10.000 UTC', '{"a":[1,2]}', '1-2', '2 03:04:05.678', '[a, b]', '{a=1, b=2}', '{x=1, y=abc}',
      '12151fd2-7586-11e9-8f9e-2a86e4085a59', '10.0.0.1',
    ]);
    // Big integers stay exact on the wire; doubles are float tokens or strings.
    expect(json[0]).toContain(',9223372036854775807,');
    expect(json[0]).toContain(',3.4028235e+38,10000000000.0,');
    expect(json[1]).toContain('"NaN","-Infinity"');
    expect(json[1]).toContain(',-9223372036854775808,');
    expect(second![8]).toBe('   ');
    expect(second![9]).toBe('');
    expect(second![10]).toBe('');
    expect(third).toEqual(new Array(info.length).fill(null));
  });
});

// ---------------------------------------------------------------- properties

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

/** Canonical values of a type, as the decoder produces them. */
function arbitrary(type: SqlType): fc.Arbitrary<unknown> {
  if (type.kind === 'array') return fc.array(fc.option(arbitrary(type.element), { nil: null }), { maxLength: 5 });
  if (type.kind === 'map') {
    return fc.uniqueArray(fc.tuple(arbitrary(type.key), fc.option(arbitrary(type.value), { nil: null })), { maxLength: 4, selector: ([k]) => JSON.stringify(k) });
  }
  if (type.kind === 'row') return fc.tuple(...type.fields.map((f) => fc.option(arbitrary(f.type), { nil: null })));
  switch (type.name) {
    case 'boolean':
      return fc.boolean();
    case 'tinyint':
      return fc.integer({ min: -128, max: 127 });
    case 'smallint':
      return fc.integer({ min: -32768, max: 32767 });
    case 'integer':
      return fc.integer();
    case 'bigint':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => (b.toString().replace('-', '').length <= 15 ? Number(b) : b.toString()));
    case 'double':
      return fc.double();
    case 'real':
      return fc.float();
    case 'decimal':
      return fc.tuple(fc.boolean(), digits(1, 10), digits(2, 2)).map(([neg, i, f]) => `${neg ? '-' : ''}${i.replace(/^0+(?=\d)/, '')}.${f}`);
    case 'varbinary':
      return fc.uint8Array({ maxLength: 24 });
    case 'date':
      return fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'timestamp':
      return fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', ''));
    default:
      return fc.string({ unit: 'grapheme', maxLength: 20 });
  }
}

const PRIMITIVES = ['boolean', 'tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal(12,2)', 'varchar', 'char(5)', 'varbinary', 'date', 'timestamp(3)', 'json', 'time(3)', 'uuid'];
const COMPLEX = ['array(integer)', 'array(array(bigint))', 'array(double)', 'map(integer, double)', 'map(bigint, array(decimal(12,2)))', 'row(x bigint, y array(double), z decimal(12,2))', 'array(row(a boolean, b date, c timestamp(3)))', 'row(bigint, real)'];

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (a === 0 && b === 0);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  return a === b;
}

describe('decoding round-trips (property)', () => {
  for (const typeText of [...PRIMITIVES, ...COMPLEX]) {
    it(`${typeText}: Athena text → value → Athena text`, () => {
      const type = parseType(typeText);
      const decoder = valueDecoder(type);
      fc.assert(
        fc.property(arbitrary(type), (value) => {
          const text = athenaText(value, type)!;
          const decoded = decoder ? decoder(text) : text;
          expect(same(decoded, value)).toBe(true);
          expect(athenaText(decoded, type)).toBe(text);
          // The protocol encoding of the decoded value is valid JSON of the right shape.
          const encoded = encoderFor(type)(decoded);
          expect(() => JSON.parse(encoded)).not.toThrow();
          if (type.kind === 'simple' && (type.name === 'double' || type.name === 'real')) expect(encoded).toMatch(/^"(NaN|Infinity|-Infinity)"$|[.eE]/);
          if (type.kind === 'simple' && type.name === 'bigint') expect(encoded).toBe(String(value));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('NULL and empty strings survive a row of every type', () => {
    const types = PRIMITIVES.map(parseType);
    const decodeRow = rowDecoder(types);
    fc.assert(
      fc.property(fc.tuple(...types.map((t) => fc.option(arbitrary(t), { nil: null }))), (values) => {
        const raw = values.map((v, i) => athenaText(v, types[i]!));
        const decoded = decodeRow(raw);
        decoded.forEach((d, i) => expect(same(d, values[i])).toBe(true));
      }),
      { numRuns: 200 },
    );
  });

  it('varbinary hex is read exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(Buffer.from(decodeHexBytes(hexBytesText(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});
