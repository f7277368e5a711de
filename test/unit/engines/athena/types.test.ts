import { describe, expect, it } from 'vitest';
import { athenaColumnType, isTextDecodable, parseCatalogType } from '../../../../lambdas/core/engines/athena/types.js';
import { formatType, parseType, typeSignature } from '../../../../lambdas/core/protocol/sql-types.js';
import { resultTypes } from '../../../../lambdas/core/engines/athena/results.js';
import { fixture } from './support.js';
import type { GetQueryResultsOutput } from '@aws-sdk/client-athena';

const t = (Type: string, Precision = 0, Scale = 0) => formatType(athenaColumnType({ Name: 'c', Type, Precision, Scale }));

describe('Athena column types → Presto types', () => {
  it('maps every primitive type exactly', () => {
    expect(t('boolean')).toBe('boolean');
    expect(t('tinyint', 3)).toBe('tinyint');
    expect(t('smallint', 5)).toBe('smallint');
    expect(t('integer', 10)).toBe('integer');
    expect(t('int', 10)).toBe('integer');
    expect(t('bigint', 19)).toBe('bigint');
    expect(t('float', 17)).toBe('real');
    expect(t('real', 17)).toBe('real');
    expect(t('double', 17)).toBe('double');
    expect(t('decimal', 10, 2)).toBe('decimal(10,2)');
    expect(t('decimal', 38, 0)).toBe('decimal(38,0)');
    expect(t('decimal')).toBe('decimal(38,0)');
    expect(t('char', 3)).toBe('char(3)');
    expect(t('varchar', 2147483647)).toBe('varchar');
    expect(t('varchar', 20)).toBe('varchar(20)');
    expect(t('string')).toBe('varchar');
    expect(t('varbinary', 2147483647)).toBe('varbinary');
    expect(t('date')).toBe('date');
    expect(t('time', 3)).toBe('time(3)');
    expect(t('time with time zone', 3)).toBe('time(3) with time zone');
    expect(t('timestamp', 3)).toBe('timestamp(3)');
    expect(t('timestamp', 6)).toBe('timestamp(6)');
    expect(t('timestamp with time zone', 3)).toBe('timestamp(3) with time zone');
    expect(t('json')).toBe('json');
    expect(t('interval year to month')).toBe('interval year to month');
    expect(t('interval day to second')).toBe('interval day to second');
    expect(t('uuid')).toBe('uuid');
    expect(t('ipaddress')).toBe('ipaddress');
    expect(t('unknown')).toBe('unknown');
  });

  it('uses millisecond precision when Athena reports none that fits a datetime', () => {
    expect(t('timestamp', 0)).toBe('timestamp(0)');
    expect(t('timestamp', 23)).toBe('timestamp(3)');
    expect(formatType(athenaColumnType({ Type: 'timestamp' }))).toBe('timestamp(3)');
  });

  it('reads types Athena prints with parameters', () => {
    expect(t('decimal(12,4)')).toBe('decimal(12,4)');
    expect(t('varchar(5)')).toBe('varchar(5)');
  });

  it('declares complex types varchar without a faithful hint, and types them with one', () => {
    expect(t('array')).toBe('varchar');
    expect(t('map')).toBe('varchar');
    expect(t('row')).toBe('varchar');
    expect(formatType(athenaColumnType({ Type: 'array' }, parseType('array(integer)')))).toBe('array(integer)');
    // A hint of another kind, or with strings inside, is not used.
    expect(formatType(athenaColumnType({ Type: 'map' }, parseType('array(integer)')))).toBe('varchar');
    expect(formatType(athenaColumnType({ Type: 'array' }, parseType('array(varchar)')))).toBe('varchar');
  });

  it('declares unknown Athena types varchar', () => {
    expect(t('geometry')).toBe('varchar');
    expect(t('hyperloglog')).toBe('varchar');
  });

  it('maps the all-types fixture to types every client can read (typeSignature arguments present)', () => {
    const out = fixture<GetQueryResultsOutput>('get-query-results-all-types.json');
    const types = resultTypes(out.ResultSet!.ResultSetMetadata!.ColumnInfo!);
    expect(types.map(formatType)).toEqual([
      'boolean', 'tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal(10,2)', 'char(3)', 'varchar', 'varbinary', 'date', 'time(3)', 'timestamp(3)',
      'timestamp(3) with time zone', 'json', 'interval year to month', 'interval day to second', 'varchar', 'varchar', 'varchar', 'uuid', 'ipaddress',
    ]);
    for (const type of types) {
      const sig = typeSignature(type);
      if (sig.rawType === 'varchar' || sig.rawType === 'char') expect(sig.arguments).toHaveLength(1);
      if (sig.rawType === 'decimal') expect(sig.arguments).toHaveLength(2);
    }
  });
});

describe('catalog type text (Glue/Hive and Trino notations)', () => {
  it.each([
    ['string', 'varchar'],
    ['int', 'integer'],
    ['float', 'real'],
    ['binary', 'varbinary'],
    ['timestamp', 'timestamp(3)'],
    ['decimal(10,2)', 'decimal(10,2)'],
    ['varchar(65535)', 'varchar(65535)'],
    ['array<int>', 'array(integer)'],
    ['array<array<bigint>>', 'array(array(bigint))'],
    ['map<string,int>', 'map(varchar, integer)'],
    ['struct<lat:double,lon:double>', 'row(lat double, lon double)'],
    ['struct<a:int,b:array<struct<c:string>>>', 'row(a integer, b array(row(c varchar)))'],
    ['array(integer)', 'array(integer)'],
    ['row(x bigint, y double)', 'row(x bigint, y double)'],
    ['map(bigint, array(double))', 'map(bigint, array(double))'],
  ])('%s → %s', (text, expected) => {
    expect(formatType(parseCatalogType(text))).toBe(expected);
  });

  it('refuses uniontype', () => {
    expect(() => parseCatalogType('uniontype<int,string>')).toThrow();
  });

  it('knows which complex types can be read back from Athena text', () => {
    expect(isTextDecodable(parseCatalogType('array<int>'))).toBe(true);
    expect(isTextDecodable(parseCatalogType('map<bigint,array<double>>'))).toBe(true);
    expect(isTextDecodable(parseCatalogType('struct<a:int,b:decimal(10,2),c:date,d:timestamp>'))).toBe(true);
    expect(isTextDecodable(parseCatalogType('array<string>'))).toBe(false);
    expect(isTextDecodable(parseCatalogType('map<string,int>'))).toBe(false);
    expect(isTextDecodable(parseCatalogType('struct<a:int,b:string>'))).toBe(false);
    expect(isTextDecodable(parseCatalogType('array<binary>'))).toBe(false);
  });
});
