import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { DuckDbMetadataSource } from '../../../lambdas/local/duckdb-metadata.js';
import { ok, run, session } from './support.js';
import { TPCH_QUERIES } from './tpch-queries.js';

/** What the local engine is for still works behind the guard: queries, writes, views, metadata. */
let engine: DuckDbEngine;
const memory = session('memory', 'default');

beforeAll(async () => {
  engine = await DuckDbEngine.create();
});
afterAll(() => engine?.close());

describe('queries', () => {
  it.each(Object.entries(TPCH_QUERIES))('TPC-H %s runs', async (_name, query) => {
    const outcome = await run(engine, query.sql);
    expect(outcome.state, outcome.error?.message).toBe('FINISHED');
  });

  it('TPC-H results are those of the tables named in full', async () => {
    const q1 = await ok(engine, TPCH_QUERIES.q1!.sql);
    const qualified = TPCH_QUERIES.q1!.sql.replace('FROM lineitem', 'FROM tpch.tiny.lineitem');
    expect(await ok(engine, qualified, session(null, null))).toEqual(q1);
    expect(q1.length).toBeGreaterThan(0);
  });

  it('WITH queries, recursive ones, set operations, subqueries, lambdas, windows, parameters', async () => {
    expect(await ok(engine, 'WITH big AS (SELECT * FROM nation WHERE n_regionkey > 2), counted AS (SELECT count(*) AS c FROM big) SELECT c FROM counted')).toEqual([[10n]]);
    expect(await ok(engine, 'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT CAST(sum(n) AS bigint) FROM r')).toEqual([[15n]]);
    expect(await ok(engine, 'SELECT r_name FROM region WHERE r_regionkey < 2 UNION SELECT r_name FROM region WHERE r_regionkey = 4 ORDER BY 1')).toEqual([['AFRICA'], ['AMERICA'], ['MIDDLE EAST']]);
    expect(await ok(engine, 'SELECT list_transform([1, 2], x -> x * 10), list_filter([1, 2, 3], x -> x > 1)')).toEqual([[[10, 20], [2, 3]]]);
    expect(await ok(engine, 'SELECT n_name, rank() OVER (PARTITION BY n_regionkey ORDER BY n_name) FROM nation WHERE n_regionkey = 0 ORDER BY 2 LIMIT 1')).toEqual([['ALGERIA', 1n]]);
    const outcome = await run(engine, 'SELECT n_name FROM nation WHERE n_regionkey = ? AND n_nationkey < ? ORDER BY 1', session(), ["INTEGER '1'", "BIGINT '25'"]);
    expect(outcome.rows.flat()).toEqual(['ARGENTINA', 'BRAZIL', 'CANADA', 'PERU', 'UNITED STATES']);
    expect(await ok(engine, 'SELECT 1;')).toEqual([[1]]);
  });

  it('DESCRIBE, SHOW and EXPLAIN still answer', async () => {
    expect((await ok(engine, 'DESCRIBE nation')).map((r) => r[0])).toEqual(['n_nationkey', 'n_name', 'n_regionkey', 'n_comment']);
    expect(await ok(engine, 'SHOW CATALOGS')).toEqual([['memory'], ['tpch']]);
    expect(await ok(engine, 'SHOW SCHEMAS FROM tpch')).toEqual([['information_schema'], ['tiny']]);
    expect((await ok(engine, "SHOW TABLES LIKE 'n%'")).flat()).toEqual(['nation']);
    expect((await run(engine, 'EXPLAIN SELECT * FROM nation')).state).toBe('FINISHED');
  });
});

describe('writes to memory.default', () => {
  it('CREATE TABLE, INSERT (VALUES and SELECT), UPDATE, DELETE, TRUNCATE, ALTER, COMMENT, DROP', async () => {
    const create = await run(engine, 'CREATE TABLE visits (id bigint, page varchar)', memory);
    expect(create.update).toEqual({ type: 'CREATE TABLE' });
    expect((await run(engine, "INSERT INTO visits VALUES (1, 'a'), (2, 'b')", memory)).update).toEqual({ type: 'INSERT', count: 2 });
    expect((await run(engine, 'INSERT INTO memory."default".visits (id, page) SELECT n_nationkey + 10, n_name FROM nation WHERE n_regionkey = 1')).update).toEqual({ type: 'INSERT', count: 5 });
    expect((await run(engine, "UPDATE visits SET page = upper(page), id = id * 1 WHERE id IN (SELECT n_nationkey + 10 FROM tpch.tiny.nation WHERE n_name = 'PERU')", memory)).update).toEqual({ type: 'UPDATE', count: 1 });
    expect((await run(engine, 'DELETE FROM visits WHERE id > 10', memory)).update).toEqual({ type: 'DELETE', count: 5 });
    expect(await ok(engine, 'SELECT id, page FROM visits ORDER BY id', memory)).toEqual([[1n, 'a'], [2n, 'b']]);
    await ok(engine, 'ALTER TABLE visits ADD COLUMN seen timestamp with time zone', memory);
    await ok(engine, 'ALTER TABLE visits RENAME COLUMN page TO path', memory);
    await ok(engine, 'ALTER TABLE visits DROP COLUMN seen', memory);
    await ok(engine, "COMMENT ON TABLE visits IS 'pages seen'", memory);
    await ok(engine, "COMMENT ON COLUMN visits.path IS 'the path'", memory);
    await ok(engine, 'ALTER TABLE visits RENAME TO page_visits', memory);
    expect(await ok(engine, 'SELECT path FROM page_visits ORDER BY id', memory)).toEqual([['a'], ['b']]);
    const { rows } = await engine.internalQuery("SELECT comment FROM duckdb_tables() WHERE table_name = 'page_visits'");
    expect(rows).toEqual([['pages seen']]);
    await ok(engine, 'TRUNCATE TABLE page_visits', memory);
    expect(await ok(engine, 'SELECT count(*) FROM page_visits', memory)).toEqual([[0n]]);
    await ok(engine, 'DROP TABLE page_visits', memory);
    await ok(engine, 'DROP TABLE IF EXISTS page_visits', memory);
  });

  it('CREATE TABLE AS, with column names, IF NOT EXISTS, WITH NO DATA', async () => {
    expect((await run(engine, 'CREATE TABLE memory."default".eu AS SELECT n_name FROM nation WHERE n_regionkey = 3')).update).toEqual({ type: 'CREATE TABLE', count: 5 });
    await ok(engine, 'CREATE TABLE IF NOT EXISTS memory."default".eu AS SELECT 1 AS x');
    await ok(engine, 'CREATE TABLE memory."default".renamed (a, b) AS SELECT n_nationkey, n_name FROM nation');
    await ok(engine, 'CREATE TABLE memory."default".empty AS SELECT * FROM orders WITH NO DATA');
    expect(await ok(engine, 'SELECT (SELECT count(*) FROM eu), (SELECT count(b) FROM renamed), (SELECT count(*) FROM empty)', memory)).toEqual([[5n, 25n, 0n]]);
  });

  it('CREATE VIEW and reading it, from another session too', async () => {
    await ok(engine, 'CREATE VIEW memory."default".big_nations AS SELECT n_name FROM nation WHERE n_regionkey > 2');
    expect((await ok(engine, 'SELECT count(*) FROM big_nations', memory))).toEqual([[10n]]);
    expect((await ok(engine, 'SELECT count(*) FROM memory."default".big_nations'))).toEqual([[10n]]);
    await ok(engine, 'DROP VIEW memory."default".big_nations');
  });

  it('CREATE and DROP SCHEMA', async () => {
    await ok(engine, 'CREATE SCHEMA memory.scratch');
    await ok(engine, 'CREATE TABLE memory.scratch.t AS SELECT 1 AS a');
    expect(await ok(engine, 'SELECT a FROM t', session('memory', 'scratch'))).toEqual([[1]]);
    await ok(engine, 'DROP SCHEMA memory.scratch CASCADE');
  });
});

describe('metadata reads through the internal path', () => {
  it('DuckDbMetadataSource lists catalogs, schemas, tables and columns', async () => {
    const source = new DuckDbMetadataSource(engine);
    expect(await source.listCatalogs()).toEqual(['memory', 'tpch']);
    expect(await source.listSchemas('tpch')).toEqual(['tiny']);
    expect((await source.listTables('tpch', 'tiny')).map((t) => t.name)).toEqual(['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier']);
    expect((await source.listColumns('tpch', 'tiny', 'region'))?.map((c) => c.name)).toEqual(['r_regionkey', 'r_name', 'r_comment']);
    expect(await source.listColumns('tpch', 'tiny', 'no_such_table')).toBeUndefined();
  });
});
