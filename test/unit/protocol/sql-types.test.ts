import { describe, expect, it } from 'vitest';
import { column, formatType, parseType, typeSignature } from '../../../lambdas/core/protocol/sql-types.js';

describe('type names and signatures', () => {
  it.each([
    ['varchar', 'varchar'],
    ['varchar(10)', 'varchar(10)'],
    ['DECIMAL(10, 2)', 'decimal(10,2)'],
    ['timestamp(3) with time zone', 'timestamp(3) with time zone'],
    ['array(map(varchar, bigint))', 'array(map(varchar, bigint))'],
    ['row(x bigint, "y z" varchar)', 'row(x bigint, "y z" varchar)'],
    ['row(bigint, varchar)', 'row(bigint, varchar)'],
    ['interval day to second', 'interval day to second'],
    ['double precision', 'double'],
  ])('parses and prints %s', (input, printed) => {
    expect(formatType(parseType(input))).toBe(printed);
  });

  it('gives varchar its unbounded length argument, as JDBC requires', () => {
    expect(column('v', 'varchar')).toEqual({ name: 'v', type: 'varchar', typeSignature: { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] } });
  });

  it('gives decimal both arguments and prints them', () => {
    expect(column('d', 'decimal')).toEqual({ name: 'd', type: 'decimal(38,0)', typeSignature: { rawType: 'decimal', arguments: [{ kind: 'LONG', value: 38 }, { kind: 'LONG', value: 0 }] } });
  });

  it('describes row fields as NAMED_TYPE arguments', () => {
    expect(typeSignature(parseType('row(x bigint)'))).toEqual({
      rawType: 'row',
      arguments: [{ kind: 'NAMED_TYPE', value: { fieldName: { name: 'x' }, typeSignature: { rawType: 'bigint', arguments: [] } } }],
    });
  });

  it('never puts <, > or , in a rawType', () => {
    for (const t of ['array(varchar)', 'map(varchar,row(a bigint))', 'timestamp(6) with time zone', 'decimal(3,1)']) {
      const walk = (sig: ReturnType<typeof typeSignature>): void => {
        expect(sig.rawType).toMatch(/^[a-z][a-z ]*$/);
        for (const a of sig.arguments) {
          if (a.kind === 'TYPE') walk(a.value);
          if (a.kind === 'NAMED_TYPE') walk(a.value.typeSignature);
        }
      };
      walk(typeSignature(parseType(t)));
    }
  });

  it('rejects malformed type text', () => {
    expect(() => parseType('array(varchar')).toThrow();
    expect(() => parseType('decimal(x)')).toThrow();
  });
});
