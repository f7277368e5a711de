import { describe, expect, it } from 'vitest';
import type { GetQueryResultsOutput } from '@aws-sdk/client-athena';
import { isHeaderRow, settleTypes, shapeUtility, skipsHeaderRow, splitUtilityRow, updateTypeFromSubstatement } from '../../../../lambdas/core/engines/athena/results.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';
import { columnInfo, fixture } from './support.js';

const raw = (out: GetQueryResultsOutput) => out.ResultSet!.Rows!.map((r) => r.Data!.map((d) => d.VarCharValue));

describe('the header row', () => {
  const columns = [columnInfo('a', 'varchar'), columnInfo('b', 'integer')];

  it('is the first row of the first page of a DML statement that repeats the labels', () => {
    expect(isHeaderRow(['a', 'b'], columns)).toBe(true);
    expect(skipsHeaderRow(true, 'DML', ['a', 'b'], columns)).toBe(true);
  });

  it('is never taken from a later page, from DDL/UTILITY output, or from a row that differs', () => {
    expect(skipsHeaderRow(false, 'DML', ['a', 'b'], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'UTILITY', ['a', 'b'], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'DDL', ['a', 'b'], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'DML', ['a', '1'], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'DML', ['a', undefined], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'DML', ['a'], columns)).toBe(false);
    expect(skipsHeaderRow(true, 'DML', undefined, columns)).toBe(false);
  });
});

describe('DDL and UTILITY output', () => {
  it('splits tab-joined lines into the announced columns', () => {
    expect(splitUtilityRow(['id   \tbigint   \tthe id  '], 3)).toEqual(['id', 'bigint', 'the id']);
    expect(splitUtilityRow(['id\tbigint'], 3)).toEqual(['id', 'bigint', null]);
    expect(splitUtilityRow(['a\tb\tc\td'], 3)).toEqual(['a', 'b', 'c\td']);
    expect(splitUtilityRow(['x', 'y'], 2)).toEqual(['x', 'y']);
  });

  it('shapes SHOW TABLES and SHOW SCHEMAS with Trino column names', () => {
    const tables = fixture<GetQueryResultsOutput>('get-query-results-show-tables.json');
    const shaped = shapeUtility('show-tables', tables.ResultSet!.ResultSetMetadata!.ColumnInfo!, raw(tables));
    expect(shaped.columns.map((c) => c.name)).toEqual(['Table']);
    expect(shaped.rows).toEqual([['cloudfront_logs'], ['elb_logs'], ['flights']]);
    const dbs = fixture<GetQueryResultsOutput>('get-query-results-show-databases.json');
    expect(shapeUtility('show-schemas', dbs.ResultSet!.ResultSetMetadata!.ColumnInfo!, raw(dbs))).toEqual({ columns: [{ name: 'Schema', type: { kind: 'simple', name: 'varchar', params: [] } }], rows: [['default'], ['mydatabase'], ['sampledb']] });
  });

  it('shapes DESCRIBE like Trino: Column, Type, Extra, Comment, partition keys once', () => {
    const out = fixture<GetQueryResultsOutput>('get-query-results-describe.json');
    const shaped = shapeUtility('describe', out.ResultSet!.ResultSetMetadata!.ColumnInfo!, raw(out));
    expect(shaped.columns.map((c) => c.name)).toEqual(['Column', 'Type', 'Extra', 'Comment']);
    expect(shaped.rows).toEqual([
      ['request_timestamp', 'varchar', '', ''],
      ['elb_name', 'varchar', '', 'load balancer'],
      ['request_ip', 'varchar', '', ''],
      ['backend_port', 'integer', '', ''],
      ['tags', 'array(varchar)', '', ''],
      ['geo', 'row(lat double, lon double)', '', ''],
      ['dt', 'varchar', 'partition key', ''],
    ]);
  });

  it('shapes SHOW CREATE TABLE as one row', () => {
    const out = fixture<GetQueryResultsOutput>('get-query-results-show-create-table.json');
    const shaped = shapeUtility('show-create-table', out.ResultSet!.ResultSetMetadata!.ColumnInfo!, raw(out));
    expect(shaped.columns.map((c) => c.name)).toEqual(['Create Table']);
    expect(shaped.rows).toHaveLength(1);
    expect(String(shaped.rows[0]![0])).toMatch(/^CREATE EXTERNAL TABLE `elb_logs`\(\n {2}`request_timestamp` string, \n[\s\S]*'classification'='csv'\)$/);
  });

  it('keeps Athena columns (typed) for other statements', () => {
    const shaped = shapeUtility('show-other', [columnInfo('partition', 'string')], [['dt=2024-05-01'], ['dt=2024-05-02']]);
    expect(shaped.columns.map((c) => [c.name, formatType(c.type)])).toEqual([['partition', 'varchar']]);
    expect(shaped.rows).toEqual([['dt=2024-05-01'], ['dt=2024-05-02']]);
  });

  it('names updates from the substatement type', () => {
    expect(updateTypeFromSubstatement('CREATE_TABLE_AS_SELECT')).toBe('CREATE TABLE');
    expect(updateTypeFromSubstatement('INSERT')).toBe('INSERT');
    expect(updateTypeFromSubstatement('ALTER_TABLE_ADD_PARTITION')).toBe('ALTER TABLE ADD PARTITION');
    expect(updateTypeFromSubstatement('SELECT')).toBeUndefined();
  });
});

describe('settling the types of complex columns on the first page', () => {
  it('keeps a hint whose values read back, and drops one whose values do not', () => {
    const columns = [columnInfo('xs', 'array'), columnInfo('ys', 'array')];
    const hints: Record<string, [string, string?]> = { '0': ['array(integer)', 'xs'], '1': ['array(integer)', 'ys'] };
    const settled = settleTypes(columns, hints, [['[1, 2]', '[a, b]'], [null, '[3]']]);
    expect(settled.types.map(formatType)).toEqual(['array(integer)', 'varchar']);
    expect(settled.hints).toEqual({ '0': ['array(integer)', 'xs'] });
  });

  it('ignores a hint meant for another column name', () => {
    const settled = settleTypes([columnInfo('other', 'array')], { '0': ['array(integer)', 'xs'] }, [['[1]']]);
    expect(settled.types.map(formatType)).toEqual(['varchar']);
  });
});
