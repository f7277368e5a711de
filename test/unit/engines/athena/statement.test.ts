import { describe, expect, it } from 'vitest';
import { complexHints, needsTableColumns, planAthenaStatement } from '../../../../lambdas/core/engines/athena/statement.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';

describe('planAthenaStatement', () => {
  it('passes queries through untouched', () => {
    const sql = "SELECT a, \"b\" FROM t WHERE c = 'x'";
    expect(planAthenaStatement(sql)).toMatchObject({ kind: 'query', sql });
    expect(planAthenaStatement('WITH x AS (SELECT 1) SELECT * FROM x')).toMatchObject({ kind: 'query' });
    expect(planAthenaStatement('EXPLAIN SELECT 1').kind).toBe('query');
  });

  it('names updates the way Trino does', () => {
    expect(planAthenaStatement('INSERT INTO t SELECT * FROM u')).toMatchObject({ kind: 'update', updateType: 'INSERT' });
    expect(planAthenaStatement('CREATE TABLE t AS SELECT 1 AS x')).toMatchObject({ kind: 'update', updateType: 'CREATE TABLE' });
    expect(planAthenaStatement("CREATE EXTERNAL TABLE t (a string) LOCATION 's3://b/p/'")).toMatchObject({ kind: 'query' });
    expect(planAthenaStatement('DROP TABLE IF EXISTS t')).toMatchObject({ kind: 'update', updateType: 'DROP TABLE' });
    expect(planAthenaStatement('ALTER TABLE t ADD COLUMNS (b int)')).toMatchObject({ kind: 'update', updateType: 'ALTER TABLE' });
  });

  it('rewrites Trino SHOW statements into Athena DDL', () => {
    expect(planAthenaStatement('SHOW TABLES')).toEqual({ kind: 'show-tables', sql: 'SHOW TABLES' });
    expect(planAthenaStatement('SHOW TABLES FROM hive.sales')).toEqual({ kind: 'show-tables', sql: 'SHOW TABLES IN `sales`', catalog: 'hive', schema: 'sales' });
    expect(planAthenaStatement("SHOW TABLES IN sales LIKE 'order%'")).toEqual({ kind: 'show-tables', sql: "SHOW TABLES IN `sales` 'order*'", schema: 'sales' });
    expect(planAthenaStatement('SHOW SCHEMAS FROM hive')).toEqual({ kind: 'show-schemas', sql: 'SHOW DATABASES', catalog: 'hive' });
    expect(planAthenaStatement("SHOW SCHEMAS LIKE 'sa_es'")).toEqual({ kind: 'show-schemas', sql: "SHOW DATABASES LIKE 'sa.es'" });
  });

  it('turns SHOW COLUMNS and DESCRIBE into a backquoted DESCRIBE', () => {
    expect(planAthenaStatement('SHOW COLUMNS FROM hive.sales.orders')).toEqual({ kind: 'describe', sql: 'DESCRIBE `sales`.`orders`', catalog: 'hive', schema: 'sales' });
    expect(planAthenaStatement('DESCRIBE "my-db"."my table"')).toEqual({ kind: 'describe', sql: 'DESCRIBE `my-db`.`my table`', schema: 'my-db' });
    expect(planAthenaStatement('DESC orders')).toEqual({ kind: 'describe', sql: 'DESCRIBE `orders`' });
    expect(planAthenaStatement('SHOW CREATE TABLE sales.orders')).toEqual({ kind: 'show-create-table', sql: 'SHOW CREATE TABLE `sales`.`orders`', schema: 'sales' });
    expect(planAthenaStatement('SHOW CREATE VIEW v')).toEqual({ kind: 'show-create-view', sql: 'SHOW CREATE VIEW `v`' });
    expect(planAthenaStatement('SHOW PARTITIONS "sales"."orders"')).toEqual({ kind: 'show-other', sql: 'SHOW PARTITIONS `sales`.`orders`' });
  });
});

describe('complex type hints from the statement', () => {
  it('takes the type of a top-level CAST', () => {
    const plan = planAthenaStatement('SELECT CAST(x AS ARRAY(INTEGER)) AS xs, CAST(m AS map(bigint, double)), CAST(s AS array(varchar)) FROM t');
    expect(complexHints(plan.select!)).toEqual({ '0': ['array(integer)', 'xs'], '1': ['map(bigint, double)'] });
  });

  it('takes table column types for a star or plain columns of one table', () => {
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'scores', type: 'array<int>' },
      { name: 'tags', type: 'array<string>' },
      { name: 'geo', type: 'struct<lat:double,lon:double>' },
    ];
    const star = planAthenaStatement('SELECT * FROM db.events WHERE id > 3 LIMIT 10').select!;
    expect(star.table).toEqual(['db', 'events']);
    expect(needsTableColumns(star)).toBe(true);
    expect(complexHints(star, columns)).toEqual({ '1': ['array(integer)', 'scores'], '3': ['row(lat double, lon double)', 'geo'] });
    const list = planAthenaStatement('SELECT e.geo AS g, id, scores FROM events e ORDER BY id').select!;
    expect(complexHints(list, columns)).toEqual({ '0': ['row(lat double, lon double)', 'g'], '2': ['array(integer)', 'scores'] });
  });

  it('gives nothing it cannot be sure of', () => {
    const columns = [{ name: 'scores', type: 'array<int>' }];
    for (const sql of [
      'SELECT scores FROM a JOIN b ON a.id = b.id',
      'SELECT scores FROM a, b',
      'SELECT scores FROM a UNION ALL SELECT scores FROM b',
      'SELECT scores FROM (SELECT * FROM a)',
      'SELECT scores FROM a CROSS JOIN UNNEST(x) AS t(y)',
    ]) {
      const select = planAthenaStatement(sql).select;
      expect(select === undefined || complexHints(select, columns)['0'] === undefined, sql).toBe(true);
    }
    // After a star of an unknown table, positions are unknown.
    const shape = planAthenaStatement('SELECT *, CAST(x AS array(integer)) FROM t').select!;
    expect(complexHints(shape)).toEqual({});
    // An expression over a column is not the column.
    expect(complexHints(planAthenaStatement('SELECT transform(scores, x -> x * 2.5) AS scores FROM t').select!, columns)).toEqual({});
  });

  it('prints hint types as Trino types', () => {
    const plan = planAthenaStatement('SELECT CAST(NULL AS ARRAY<BIGINT>) FROM t');
    expect(formatType(plan.select!.items[0]!.kind === 'cast' ? plan.select!.items[0]!.type : (null as never))).toBe('array(bigint)');
  });
});
