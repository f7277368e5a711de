import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseExactJson } from '../../../../lambdas/core/engines/cluster/json.js';
import { rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { parseType } from '../../../../lambdas/core/protocol/sql-types.js';

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 exact, as digit strings', () => {
    expect(parseExactJson('[9007199254740993, -9223372036854775808, 9007199254740991, 12]')).toEqual(['9007199254740993', '-9223372036854775808', 9007199254740991, 12]);
  });

  it('keeps doubles as numbers, and over-long float tokens as text', () => {
    expect(parseExactJson('[1.0, 1.0E20, -0.5e-3, 0.1]')).toEqual([1, 1e20, -0.0005, 0.1]);
    expect(parseExactJson('[12345678901234567890.123]')).toEqual(['12345678901234567890.123']);
  });

  it('parses objects under the named keys as Maps, keeping key order', () => {
    const parsed = parseExactJson('{"id":"q","stats":{"state":"RUNNING"},"data":[[{"2":"b","1":"a"}]]}', { mapsUnder: ['data'] }) as { stats: object; data: unknown[][] };
    expect(parsed.stats).toEqual({ state: 'RUNNING' });
    const map = parsed.data[0]![0] as Map<string, string>;
    expect(map).toBeInstanceOf(Map);
    expect([...map.keys()]).toEqual(['2', '1']);
  });

  it('treats __proto__ as an ordinary key', () => {
    const parsed = parseExactJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
  });

  it('decodes string escapes', () => {
    expect(parseExactJson('"a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00"')).toBe('a"b\\c/\né😀');
  });

  it('refuses invalid JSON with an offset', () => {
    for (const bad of ['{"a":1,}', '[1 2]', '{"a" 1}', '01', '"x', 'tru', '[1]x', '{"a":"\u0001"}']) expect(() => parseExactJson(bad), bad).toThrow(/offset/);
  });

  it('agrees with JSON.parse wherever JSON.parse is exact', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        // JSON.parse is the reference where no integer exceeds 2^53 (fast-check's doubles stay numbers).
        fc.pre(!/(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/.test(text));
        expect(parseExactJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('lets the encoder write back what the cluster sent, token for token', () => {
    const types = ['bigint', 'double', 'real', 'decimal(10,2)', 'map(bigint, varchar)', 'row(x bigint, y varchar)', 'array(double)'].map(parseType);
    const row = '[9007199254740993,1.0E20,1.5,"12.30",{"2":"b","1":"a"},[7,"x"],[2.0,"NaN"]]';
    const parsed = (parseExactJson(`{"data":[${row}]}`, { mapsUnder: ['data'] }) as { data: unknown[][] }).data[0]!;
    expect(rowEncoder(types)(parsed)).toBe('[9007199254740993,100000000000000000000.0,1.5,"12.30",{"2":"b","1":"a"},[7,"x"],[2.0,"NaN"]]');
  });
});
