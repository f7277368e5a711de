import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { DuckDbInspector } from '../../../lambdas/local/duckdb-inspect.js';
import { inspect, names, ok, run, session } from './support.js';
import { TPCH_QUERIES } from './tpch-queries.js';

/**
 * For the local engine: DuckDB's own reading of a statement (its
 * tables, qualified, and what it refuses), and submit refusing whatever inspect refuses.
 */
let engine: DuckDbEngine;

beforeAll(async () => {
  engine = await DuckDbEngine.create();
});
afterAll(() => engine?.close());

/** Inspect refuses, and submit fails the same statement without running it. */
async function refused(sql: string, pattern: RegExp, errorName = 'PERMISSION_DENIED'): Promise<void> {
  const inspection = await inspect(engine, sql);
  expect(inspection.refusal, sql).toMatch(pattern);
  expect(inspection.tables).toEqual([]);
  const outcome = await run(engine, sql);
  expect(outcome.state, sql).toBe('FAILED');
  expect(outcome.error?.errorName, `${sql}: ${outcome.error?.message}`).toBe(errorName);
  expect(outcome.error?.message).toMatch(pattern);
}

describe('tables, qualified as Trino qualifies them', () => {
  it.each(Object.entries(TPCH_QUERIES))('TPC-H %s names exactly its tables', async (_name, query) => {
    const inspection = await inspect(engine, query.sql);
    expect(inspection.refusal).toBeUndefined();
    expect(names(inspection.tables)).toEqual(query.tables.map((t) => `tpch.tiny.${t}`).sort());
  });

  it('one-, two- and three-part names, case folded, quoted or not', async () => {
    const inspection = await inspect(engine, 'SELECT 1 FROM Nation, tiny.REGION, "tpch"."tiny"."Orders", TPCH . tiny . customer');
    expect(names(inspection.tables)).toEqual(['tpch.tiny.customer', 'tpch.tiny.nation', 'tpch.tiny.orders', 'tpch.tiny.region']);
  });

  it('a session in another schema qualifies with that schema', async () => {
    const inspection = await inspect(engine, 'SELECT * FROM orders, tiny.nation', session('memory', 'default'));
    expect(names(inspection.tables)).toEqual(['memory.default.orders', 'memory.tiny.nation']);
  });

  it('the engine runs the names it reports: orders in a memory.default session is memory.default.orders', async () => {
    const outcome = await run(engine, 'SELECT count(*) FROM orders', session('memory', 'default'));
    expect(outcome.error?.errorName).toBe('TABLE_NOT_FOUND');
  });

  it('without a session catalog or schema, names must be qualified (as in Trino)', async () => {
    expect((await run(engine, 'SELECT * FROM nation', session(null, null))).error?.message).toBe('Catalog must be specified when session catalog is not set');
    expect((await run(engine, 'SELECT * FROM nation', session('tpch', null))).error?.message).toBe('Schema must be specified when session schema is not set');
    expect((await run(engine, 'SELECT * FROM tiny.nation', session(null, null))).error?.message).toBe('Catalog must be specified when session catalog is not set');
    expect(await ok(engine, 'SELECT count(*) FROM tpch.tiny.nation', session(null, null))).toEqual([[25n]]);
    expect(await inspect(engine, 'SELECT 1', session(null, null))).toEqual({ tables: [] });
  });

  it('subqueries everywhere: SELECT list, WHERE, HAVING, ORDER BY, JOIN ON, VALUES, table function arguments, window, CASE, lambdas', async () => {
    const sql = `SELECT (SELECT max(r_name) FROM region), CASE WHEN EXISTS (SELECT 1 FROM part) THEN 1 END,
        sum(n_nationkey) OVER (PARTITION BY (SELECT 1 FROM supplier LIMIT 1)), list_transform([1], x -> x + (SELECT count(*) FROM partsupp))
      FROM nation JOIN (VALUES ((SELECT 1 FROM lineitem LIMIT 1))) v(k) ON k = (SELECT 1 FROM orders LIMIT 1)
        CROSS JOIN unnest((SELECT list(c_custkey) FROM customer)) u(c)
      GROUP BY n_nationkey HAVING count(*) > (SELECT 0 FROM memory."default".h LIMIT 1) ORDER BY (SELECT 1 FROM memory."default".o LIMIT 1)`;
    const inspection = await inspect(engine, sql);
    expect(inspection.refusal).toBeUndefined();
    expect(names(inspection.tables)).toEqual([
      'memory.default.h', 'memory.default.o', 'tpch.tiny.customer', 'tpch.tiny.lineitem', 'tpch.tiny.nation', 'tpch.tiny.orders', 'tpch.tiny.part', 'tpch.tiny.partsupp', 'tpch.tiny.region', 'tpch.tiny.supplier',
    ]);
  });

  it('targets of INSERT, CREATE TABLE AS, CREATE VIEW, DELETE, UPDATE, DROP, ALTER, TRUNCATE and COMMENT are named with what they read', async () => {
    const cases: [string, string[]][] = [
      ['INSERT INTO memory."default".t (a, b) SELECT n_nationkey, n_name FROM nation', ['memory.default.t', 'tpch.tiny.nation']],
      ['INSERT INTO memory."default".t VALUES (1, (SELECT max(r_name) FROM region))', ['memory.default.t', 'tpch.tiny.region']],
      ['CREATE TABLE memory."default".t AS SELECT * FROM orders WITH NO DATA', ['memory.default.t', 'tpch.tiny.orders']],
      ['CREATE TABLE IF NOT EXISTS memory."default".t (id bigint, name varchar)', ['memory.default.t']],
      ['CREATE OR REPLACE VIEW memory."default".v AS SELECT * FROM orders', ['memory.default.v', 'tpch.tiny.orders']],
      ['DELETE FROM memory."default".t WHERE a IN (SELECT n_nationkey FROM nation)', ['memory.default.t', 'tpch.tiny.nation']],
      ["UPDATE memory.\"default\".t SET a = (SELECT max(c_custkey) FROM customer), b = 'x' WHERE a > (SELECT 1 FROM part LIMIT 1)", ['memory.default.t', 'tpch.tiny.customer', 'tpch.tiny.part']],
      ['DROP TABLE IF EXISTS memory."default".t', ['memory.default.t']],
      ['DROP VIEW memory."default".v', ['memory.default.v']],
      ['TRUNCATE TABLE memory."default".t', ['memory.default.t']],
      ["COMMENT ON TABLE memory.\"default\".t IS 'x'", ['memory.default.t']],
      ['EXPLAIN SELECT * FROM nation', ['tpch.tiny.nation']],
      ['DESCRIBE nation', ['tpch.tiny.nation']],
      ['SHOW COLUMNS FROM tiny.region', ['tpch.tiny.region']],
    ];
    for (const [sql, tables] of cases) {
      const inspection = await inspect(engine, sql);
      expect(inspection.refusal, sql).toBeUndefined();
      expect(names(inspection.tables), sql).toEqual(tables);
    }
    // Trino qualifies the new name of a rename with the session too.
    const rename = await inspect(engine, 'ALTER TABLE t RENAME TO u', session('memory', 'default'));
    expect(names(rename.tables)).toEqual(['memory.default.t', 'memory.default.u']);
    expect((await inspect(engine, 'ALTER TABLE memory."default".t RENAME TO u')).refusal).toMatch(/renaming into another schema/);
  });

  it('a statement DuckDB cannot parse names no table and fails with a syntax error', async () => {
    expect(await inspect(engine, 'SELEC 1')).toEqual({ tables: [] });
    const outcome = await run(engine, 'SELECT * FROM nation WHERE');
    expect(outcome.error?.errorName).toBe('SYNTAX_ERROR');
    expect(outcome.error?.errorLocation).toEqual({ lineNumber: 1, columnNumber: 27 });
  });

  it('parameters are bound before the inspection, as they are before the run', async () => {
    const inspection = await inspect(engine, 'SELECT n_name FROM nation WHERE n_nationkey = ?', session(), ['(SELECT max(c_custkey) FROM customer)']);
    expect(names(inspection.tables)).toEqual(['tpch.tiny.customer', 'tpch.tiny.nation']);
    const refusal = await inspect(engine, 'SELECT ?', session(), ["E'\\''"]);
    expect(refusal.refusal).toMatch(/directly followed by a string/);
  });
});

describe('WITH queries follow DuckDB scoping (the real table is never mistaken for a WITH query)', () => {
  it.each([
    ['WITH orders AS (SELECT 1 AS x) SELECT * FROM orders', []],
    ['WITH orders AS (SELECT * FROM orders) SELECT * FROM orders', ['tpch.tiny.orders']],
    ['WITH RECURSIVE orders AS (SELECT * FROM orders) SELECT count(*) FROM orders', ['tpch.tiny.orders']],
    ['WITH RECURSIVE orders AS (SELECT o_orderkey FROM orders UNION ALL SELECT o_orderkey FROM orders WHERE false) SELECT count(*) FROM orders', ['tpch.tiny.orders']],
    ['WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r', []],
    ['WITH x AS (SELECT * FROM nation), nation AS (SELECT 1 AS n) SELECT * FROM x', ['tpch.tiny.nation']],
    ['WITH nation AS (SELECT 1 AS n), x AS (SELECT * FROM nation) SELECT * FROM x', []],
    ['SELECT * FROM (WITH nation AS (SELECT 1 AS n) SELECT * FROM nation) a, nation', ['tpch.tiny.nation']],
    ['(WITH nation AS (SELECT 1 AS n) SELECT n FROM nation) UNION ALL (SELECT n_nationkey FROM nation)', ['tpch.tiny.nation']],
    ['WITH nation AS (SELECT 1 AS n) SELECT n FROM nation UNION ALL SELECT n FROM nation', []],
    ['WITH nation AS (SELECT 1 AS n) SELECT * FROM tiny.nation', ['tpch.tiny.nation']],
    ['WITH Nation AS (SELECT 1 AS n) SELECT * FROM "NATION"', []],
    ['WITH region AS (SELECT 1 AS r) SELECT (SELECT max(r) FROM region), (SELECT count(*) FROM (WITH z AS (SELECT * FROM region) SELECT * FROM z))', []],
  ])('%s', async (sql, tables) => {
    const inspection = await inspect(engine, sql as string);
    expect(inspection.refusal).toBeUndefined();
    expect(names(inspection.tables)).toEqual(tables);
    expect((await run(engine, sql as string)).state).toBe('FINISHED');
  });

  it('a WITH query named like a DuckDB catalog view is refused', async () => {
    await refused('WITH duckdb_tables AS (SELECT 1) SELECT * FROM duckdb_tables', /like a DuckDB catalog view/);
  });
});

describe('the engine refuses what is not plain relational SQL over catalog tables', () => {
  it.each([
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    'SELECT * FROM duckdb_tables()',
    'SELECT * FROM duckdb_columns()',
    'SELECT * FROM duckdb_views()',
    'SELECT * FROM duckdb_settings()',
    'SELECT * FROM duckdb_databases()',
    "SELECT * FROM pragma_table_info('customer')",
    "SELECT * FROM query('SELECT * FROM tpch.tiny.customer')",
    "SELECT * FROM query_table('customer')",
    "SELECT * FROM json_execute_serialized_sql('{}')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    'SELECT * FROM duckdb_profiling_settings()',
    'SELECT * FROM nation, LATERAL duckdb_tables()',
    "SELECT * FROM nation WHERE n_name IN (SELECT * FROM read_csv('/etc/passwd'))",
    'SELECT * FROM main.duckdb_tables()',
  ])('table function: %s', async (sql) => {
    await refused(sql, /table function/);
  });

  it('harmless generators are allowed', async () => {
    expect(await ok(engine, 'SELECT count(*) FROM range(10)')).toEqual([[10n]]);
    expect(await ok(engine, 'SELECT count(x) FROM unnest([1, 2, 3]) AS t(x)')).toEqual([[3n]]);
    expect((await inspect(engine, 'SELECT * FROM generate_series(1, 3)')).tables).toEqual([]);
  });

  it.each([
    ['information_schema.tables', /tpch.information_schema belongs to the local engine/],
    ['information_schema.columns', /belongs to the local engine/],
    ['tpch.information_schema.columns', /belongs to the local engine/],
    ['pg_catalog.pg_tables', /belongs to the local engine/],
    ['system.main.duckdb_tables', /catalog system belongs to the local engine/],
    ['system.information_schema.columns', /catalog system/],
    ['temp.main.x', /catalog temp/],
    ['memory.main.x', /memory.main belongs to the local engine/],
    ['tpch.main.x', /belongs to the local engine/],
    ['"/etc/passwd"', /reads as a file path/],
    ['"data.csv"', /reads as a file path/],
    ['"s3://bucket/data.parquet"', /reads as a file path/],
    ['"~/secret"', /reads as a file path/],
    ["'/etc/passwd'", /the file "\/etc\/passwd" as a table/],
    ["'orders.csv'", /as a table/],
  ])('DuckDB catalog or file as a table: %s', async (name, pattern) => {
    await refused(`SELECT * FROM ${name}`, pattern);
  });

  it('bare names of DuckDB catalog views resolve to the session schema, where they do not exist', async () => {
    for (const view of ['duckdb_tables', 'duckdb_columns', 'pg_tables', 'sqlite_master', 'pg_class']) {
      expect(names((await inspect(engine, `SELECT * FROM ${view}`)).tables)).toEqual([`tpch.tiny.${view}`]);
      expect((await run(engine, `SELECT * FROM ${view}`)).error?.errorName, view).toBe('TABLE_NOT_FOUND');
    }
  });

  it.each([
    "SELECT COLUMNS('c_.*') FROM customer",
    'SELECT COLUMNS(*) FROM customer',
    "SELECT *COLUMNS('c_.*') FROM customer",
    'SELECT COLUMNS(c -> c LIKE \'c_%\') FROM customer',
    'SELECT * EXCLUDE (c_phone) FROM customer',
    'SELECT c.* EXCLUDE (c_phone) FROM customer c',
    'SELECT * REPLACE (1 AS c_phone) FROM customer',
    'SELECT * RENAME (c_phone AS p) FROM customer',
    "SELECT * LIKE 'c_%' FROM customer",
    "SELECT * SIMILAR TO 'c_.*' FROM customer",
    'SELECT coalesce(*) FROM customer',
    'SELECT c_custkey + * FROM customer',
    'SELECT min(COLUMNS(*)) FROM customer',
  ])('star forms that select columns the check cannot see: %s', async (sql) => {
    await refused(sql, /COLUMNS|EXCLUDE|outside the select list/);
  });

  it('plain * and t.* are fine', async () => {
    expect((await inspect(engine, 'SELECT *, n.* FROM nation n')).refusal).toBeUndefined();
    expect((await inspect(engine, 'SELECT count(*) FROM nation')).refusal).toBeUndefined();
  });

  it.each([
    'SELECT customer FROM customer',
    'SELECT c FROM customer c',
    'SELECT "CUSTOMER" FROM customer',
    'SELECT tiny.customer FROM customer',
    'SELECT to_json(c) FROM customer c',
    'SELECT n_name FROM nation WHERE (SELECT list(c) FROM customer c) IS NOT NULL',
    'SELECT (SELECT max(n) FROM customer) FROM nation n',
    "UPDATE memory.\"default\".t SET a = t",
    'WITH w AS (SELECT c_phone FROM customer) SELECT w FROM w',
  ])('a column reference naming a table reads the whole row: %s', async (sql) => {
    await refused(sql, /names a table/);
  });

  it('a column named like a table of another query level is fine (TPC-H Q9 names a column nation)', async () => {
    expect((await inspect(engine, 'SELECT nation FROM (SELECT n_name AS nation FROM nation) AS profit')).refusal).toBeUndefined();
  });

  it.each([
    'SELECT #1 FROM customer',
    "SELECT c_acctbal -> '$' FROM customer",
    "SELECT concat(c_phone -> '$') FROM customer",
    "SELECT current_setting('enable_external_access')",
    "SELECT getvariable('x')",
    'SELECT pg_get_viewdef(1)',
    'SELECT pg_get_constraintdef(1)',
    'SELECT format_type(1, 1)',
    "SELECT json_serialize_plan('SELECT * FROM tpch.tiny.customer')",
    "SELECT json_serialize_sql('SELECT 1')",
    "SELECT nextval('s')",
    'SELECT current_query()',
    'SELECT system.main.abs(1)',
    'SELECT pg_catalog.abs(1)',
    'SELECT has_table_privilege(1, 1)',
  ])('%s', async (sql) => {
    const inspection = await inspect(engine, sql);
    expect(inspection.refusal, sql).toBeDefined();
    expect((await run(engine, sql)).error?.errorName).toBe('PERMISSION_DENIED');
  });

  it.each([
    'SUMMARIZE customer',
    'SELECT * FROM (SUMMARIZE customer)',
    'SELECT * FROM (DESCRIBE customer)',
    'SELECT * FROM (SHOW TABLES)',
    'PIVOT customer ON c_mktsegment',
    'SELECT * FROM (PIVOT customer ON c_mktsegment USING max(c_phone))',
    'SELECT * FROM customer AT (VERSION => 1)',
    'FROM customer',
    'SHOW ALL TABLES',
    'WITH x AS (SELECT 1) INSERT INTO memory."default".t SELECT * FROM x',
    'INSERT OR REPLACE INTO memory."default".t SELECT 1',
    'INSERT INTO memory."default".t BY NAME SELECT 1 AS a',
    'CREATE TABLE memory."default".t (a bigint REFERENCES tpch.tiny.customer (c_custkey))',
    'CREATE TABLE memory."default".t (a bigint DEFAULT 1)',
    "CREATE TABLE memory.\"default\".t (a bigint) WITH (format = 'ORC')",
    'CREATE VIEW memory."default".v (a) AS SELECT 1',
    'MERGE INTO memory."default".t USING nation ON true WHEN MATCHED THEN DELETE',
    'DROP TABLE memory."default".a, memory."default".b',
  ])('not supported: %s', async (sql) => {
    const inspection = await inspect(engine, sql);
    expect(inspection.refusal, sql).toBeDefined();
    const outcome = await run(engine, sql);
    expect(outcome.state).toBe('FAILED');
    expect(['PERMISSION_DENIED', 'NOT_SUPPORTED', 'SYNTAX_ERROR']).toContain(outcome.error?.errorName);
  });

  it("DuckDB's `f(*)` is `f()`: no column is read", async () => {
    expect((await inspect(engine, 'SELECT concat(*) FROM customer')).refusal).toBeUndefined();
    expect((await run(engine, 'SELECT concat(*) FROM customer')).error?.errorName).toBe('FUNCTION_NOT_FOUND');
  });

  it('a clause DuckDB reads only inside the full statement does not slip past the inspection of the query part', async () => {
    const outcome = await run(engine, 'INSERT INTO memory."default".t SELECT 1 RETURNING *');
    expect(outcome.error?.errorName).toBe('SYNTAX_ERROR');
  });

  it('never crashes: deep expressions, a long IN list, an empty text, only a comment', async () => {
    expect((await run(engine, `SELECT ${'('.repeat(2_000)}1${')'.repeat(2_000)}`)).state).toBe('FINISHED');
    for (const deep of [`SELECT ${'abs('.repeat(3_000)}1${')'.repeat(3_000)}`, `SELECT ${'('.repeat(100_000)}1${')'.repeat(100_000)}`, `SELECT 1 FROM nation WHERE ${Array.from({ length: 3_000 }, (_, i) => `n_nationkey = ${i}`).join(' OR ')}`]) {
      const outcome = await run(engine, deep);
      expect(outcome.error?.errorType ?? 'USER_ERROR', outcome.error?.message).toBe('USER_ERROR');
      expect(await inspect(engine, deep)).toBeDefined();
    }
    const list = `SELECT count(*) FROM orders WHERE o_orderkey IN (${Array.from({ length: 20_000 }, (_, i) => i).join(', ')})`;
    expect(names((await inspect(engine, list)).tables)).toEqual(['tpch.tiny.orders']);
    expect((await run(engine, list)).state).toBe('FINISHED');
    for (const sql of ['', '   ', '-- nothing', '/* nothing */']) {
      const outcome = await run(engine, sql);
      expect(outcome.error?.errorName, JSON.stringify(sql)).toBe('SYNTAX_ERROR');
    }
  });
});

/**
 * Oracle: DuckDB's binder. For statements over tables named like WITH queries, the tables in
 * DuckDB's logical plan of the original text (run with the session's schema as its search path,
 * as the engine used to) are among the tables the inspection reports.
 */
describe("the inspection holds every table DuckDB's binder reads", () => {
  let raw: DuckDBInstance;
  let connection: DuckDBConnection;
  let inspector: DuckDbInspector;

  beforeAll(async () => {
    raw = await DuckDBInstance.create(':memory:');
    connection = await raw.connect();
    await connection.run(`ATTACH ':memory:' AS cat`);
    await connection.run('CREATE SCHEMA cat.s');
    for (const t of ['a', 'b', 'c']) await connection.run(`CREATE TABLE cat.s.${t} AS SELECT 1 AS k, '${t}' AS m`);
    await connection.run('USE cat.s');
    inspector = await DuckDbInspector.create(raw);
  });
  afterAll(() => {
    inspector?.close();
    connection?.closeSync();
    raw?.closeSync();
  });

  async function planned(sql: string): Promise<string[] | undefined> {
    const reader = await connection.runAndReadAll(`SELECT json_serialize_plan(${`'${sql.replace(/'/g, "''")}'`})`);
    const json = JSON.parse(String(reader.getRows()[0]![0])) as { error?: boolean };
    if (json.error) return undefined;
    const found = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        const data = o.function_data as Record<string, unknown> | undefined;
        if (o.name === 'seq_scan' && data && typeof data.table === 'string') found.add(`${String(data.catalog)}.${String(data.schema)}.${data.table}`);
        Object.values(o).forEach(walk);
      }
    };
    walk(json);
    return [...found].sort();
  }

  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s / 2 ** 32;
    };
  }

  /** A random query over names a, b, c (tables) and x, y (never tables), with WITH queries in scope or not. */
  function generate(next: () => number, depth: number): string {
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
    const name = () => pick(['a', 'b', 'c', 'a', 'b', 'x', 'y']);
    const relation = (): string => (depth > 0 && next() < 0.3 ? `(${generate(next, depth - 1)}) AS q${Math.floor(next() * 100)}` : name());
    let body = `SELECT k FROM ${relation()}`;
    if (next() < 0.4) body += ` WHERE k IN (${depth > 0 ? generate(next, depth - 1) : `SELECT k FROM ${name()}`})`;
    if (next() < 0.3) body += ` UNION ALL SELECT k FROM ${relation()}`;
    if (next() < 0.6) {
      const ctes: string[] = [];
      const recursive = next() < 0.3;
      const count = 1 + Math.floor(next() * 3);
      for (let i = 0; i < count; i++) {
        const cte = pick(['a', 'b', 'x', 'y', 'c']);
        if (ctes.some((c) => c.startsWith(`${cte} `))) continue;
        const inner = recursive && next() < 0.5 ? `SELECT k FROM ${name()} UNION ALL SELECT k FROM ${pick([cte, name()])} WHERE false` : depth > 0 ? generate(next, depth - 1) : `SELECT k FROM ${name()}`;
        ctes.push(`${cte} AS (${inner})`);
      }
      body = `WITH ${recursive ? 'RECURSIVE ' : ''}${ctes.join(', ')} ${body}`;
    }
    return body;
  }

  it('over 600 generated statements with WITH queries, subqueries and set operations', async () => {
    const next = random(42);
    let compared = 0;
    for (let n = 0; n < 600; n++) {
      const sql = generate(next, 2);
      const plan = await planned(sql);
      if (!plan) continue;
      const inspected = await inspector.inspect(sql, { catalog: 'cat', schema: 's' });
      const tables = names(inspected.tables);
      for (const table of plan) expect(tables, sql).toContain(table);
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });
});

describe('cost', () => {
  it('inspect costs well under a millisecond per TPC-H statement (median)', async () => {
    const statements = Object.values(TPCH_QUERIES).map((q) => q.sql);
    for (const sql of statements) await inspect(engine, sql);
    const times: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const sql of statements) {
        const started = performance.now();
        await inspect(engine, sql);
        times.push(performance.now() - started);
      }
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1]!;
    console.log(`inspect over the 22 TPC-H queries x 10: median ${median.toFixed(3)} ms, p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(3)} ms, max ${times[times.length - 1]!.toFixed(3)} ms`);
    // Generous for a shared 2-core machine; the figure itself is in the log.
    expect(median).toBeLessThan(5);
  });
});
