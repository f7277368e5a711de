import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { createMetadataDeps } from '../../lambdas/core/metadata/answer.js';
import { DEFAULT_GATEWAY_CONFIG } from '../../lambdas/core/gateway/index.js';
import { DuckDbEngine } from '../../lambdas/local/duckdb-engine.js';
import { DuckDbMetadataSource } from '../../lambdas/local/duckdb-metadata.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { trino as jdbc } from '../unit/metadata/queries.js';
import { MetadataFrontEngine } from './metadata-support.js';

/**
 * A tool-like session through the local server with trino-client: browse the catalogs the way
 * JDBC DatabaseMetaData and BI tools do, describe, probe custom SQL with LIMIT 0, prepare and
 * execute. Metadata comes from the embedded DuckDB (tpch.tiny, memory.default) through
 * DuckDbMetadataSource; bob may not read memory.default.salaries.
 */
let server: LocalServer;
let duck: DuckDbEngine;
let front: MetadataFrontEngine;

beforeAll(async () => {
  duck = await DuckDbEngine.create();
  const deps = createMetadataDeps({
    source: new DuckDbMetadataSource(duck),
    canSee: (principal, table) => !(principal.user === 'bob' && table === 'memory.default.salaries'),
    version: DEFAULT_GATEWAY_CONFIG.version,
    ttlMs: 0,
  });
  front = new MetadataFrontEngine(duck, deps);
  server = await startLocalServer({ engines: { local: front }, gateway: { pollWaitMs: 200 } });
  await collect(client(), 'CREATE TABLE memory.default.salaries AS SELECT 1 AS employee_id, 100.5 AS amount');
  await collect(client(), "CREATE VIEW memory.default.big_nations AS SELECT n_name FROM tpch.tiny.nation WHERE n_regionkey > 2");
});
afterAll(async () => {
  await server?.close();
  duck?.close();
});

const client = (user = 'alice', options: { catalog?: string; schema?: string } = { catalog: 'tpch', schema: 'tiny' }) => Trino.create({ server: server.url, auth: new BasicAuth(user), source: 'bi-tool', ...options });

async function collect(c: Trino, sql: string, extraHeaders?: Record<string, string>): Promise<{ columns: QueryResult['columns']; rows: unknown[][]; last: QueryResult }> {
  const iterator = await c.query(extraHeaders ? { query: sql, extraHeaders } : sql);
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  let last!: QueryResult;
  for await (const page of iterator) {
    last = page;
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
  }
  if (last.error) throw Object.assign(new Error(last.error.message), { error: last.error });
  return { columns, rows, last };
}

interface RawPage {
  columns?: { name: string; type: string; typeSignature: { rawType: string; arguments: { kind: string; value: unknown }[] } }[];
  data?: unknown[][];
  nextUri?: string;
  updateType?: string;
  error?: { errorName: string; message: string };
}

/** POST and follow nextUri, as JDBC does; returns the final page, its headers and every row. */
async function raw(sql: string, headers: Record<string, string> = {}): Promise<{ final: RawPage; headers: Headers; rows: unknown[][] }> {
  const base = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny', 'X-Trino-Client-Capabilities': 'PATH,PARAMETRIC_DATETIME,SESSION_AUTHORIZATION', 'X-Trino-Transaction-Id': 'NONE', ...headers };
  let response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: base, body: sql });
  const rows: unknown[][] = [];
  for (;;) {
    const page = (await response.json()) as RawPage;
    if (page.data) rows.push(...page.data);
    if (!page.nextUri) return { final: page, headers: response.headers, rows };
    response = await fetch(page.nextUri, { headers: base });
  }
}

describe('browsing like a BI tool', () => {
  it('SHOW CATALOGS, SHOW SCHEMAS, SHOW TABLES', async () => {
    expect((await collect(client(), 'SHOW CATALOGS')).rows).toEqual([['memory'], ['tpch']]);
    expect((await collect(client(), 'SHOW SCHEMAS FROM tpch')).rows).toEqual([['information_schema'], ['tiny']]);
    const tables = await collect(client(), 'SHOW TABLES');
    expect(tables.columns).toEqual([{ name: 'Table', type: 'varchar', typeSignature: { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] } }]);
    expect(tables.rows.flat()).toEqual(['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier']);
    expect((await collect(client(), 'SHOW TABLES FROM memory.default')).rows).toEqual([['big_nations'], ['salaries']]);
    expect((await collect(client('bob'), 'SHOW TABLES FROM memory.default')).rows).toEqual([['big_nations']]);
  });

  it('DESCRIBE and SHOW COLUMNS', async () => {
    const { columns, rows } = await collect(client(), 'DESCRIBE nation');
    expect(columns?.map((c) => c.name)).toEqual(['Column', 'Type', 'Extra', 'Comment']);
    expect(rows).toEqual([
      ['n_nationkey', 'bigint', '', ''],
      ['n_name', 'varchar', '', ''],
      ['n_regionkey', 'bigint', '', ''],
      ['n_comment', 'varchar', '', ''],
    ]);
    expect((await collect(client(), 'SHOW COLUMNS FROM memory.default.big_nations')).rows).toEqual([['n_name', 'varchar', '', '']]);
    await expect(collect(client('bob'), 'DESCRIBE memory.default.salaries')).rejects.toMatchObject({ error: { errorName: 'PERMISSION_DENIED' } });
    await expect(collect(client(), 'DESCRIBE no_such_table')).rejects.toMatchObject({ error: { errorName: 'TABLE_NOT_FOUND', message: "line 1:1: Table 'tpch.tiny.no_such_table' does not exist" } });
  });

  it('JDBC getCatalogs, getSchemas, getTables, getColumns, getTypeInfo and getPrimaryKeys, with the column signatures JDBC reads', async () => {
    expect((await raw(jdbc.getCatalogs())).rows).toEqual([['memory'], ['tpch']]);
    expect((await raw(jdbc.getSchemas('tpch', null))).rows).toEqual([
      ['information_schema', 'tpch'],
      ['tiny', 'tpch'],
    ]);
    const tables = await raw(jdbc.getTables('memory', 'default', '%', ['TABLE', 'VIEW']));
    expect(tables.rows).toEqual([
      ['memory', 'default', 'salaries', 'TABLE', null, null, null, null, null, null],
      ['memory', 'default', 'big_nations', 'VIEW', null, null, null, null, null, null],
    ]);
    const columns = await raw(jdbc.getColumns('tpch', 'tiny', 'region', null));
    expect(columns.final.columns!.find((c) => c.name === 'DATA_TYPE')!.typeSignature).toEqual({ rawType: 'bigint', arguments: [] });
    expect(columns.final.columns!.find((c) => c.name === 'TYPE_NAME')!.typeSignature).toEqual({ rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] });
    expect(columns.rows.map((r) => [r[3], r[4], r[5], r[6], r[16]])).toEqual([
      ['r_regionkey', -5, 'bigint', 19, 1],
      ['r_name', 12, 'varchar', 2147483647, 2],
      ['r_comment', 12, 'varchar', 2147483647, 3],
    ]);
    const salaries = await raw(jdbc.getColumns('memory', 'default', 'salaries', null));
    expect(salaries.rows.map((r) => [r[3], r[4], r[5], r[6], r[8]])).toEqual([
      ['employee_id', 4, 'integer', 10, null],
      ['amount', 3, 'decimal(4,1)', 4, 1],
    ]);
    expect((await raw(jdbc.getColumns('memory', 'default', 'salaries', null), { 'X-Trino-User': 'bob' })).rows).toEqual([]);
    expect((await raw(jdbc.getTypeInfo())).rows.length).toBeGreaterThan(20);
    const pk = await raw(jdbc.getPrimaryKeys());
    expect(pk.final.columns!.map((c) => c.name)).toEqual(['TABLE_CAT', 'TABLE_SCHEM', 'TABLE_NAME', 'COLUMN_NAME', 'KEY_SEQ', 'PK_NAME']);
    expect(pk.rows).toEqual([]);
    expect((await raw(jdbc.getProcedures())).final.columns).toHaveLength(9);
  });

  it('information_schema as Superset reads it, and SELECT version()', async () => {
    const { rows } = await collect(client(), `SELECT "table_name"\nFROM "information_schema"."tables"\nWHERE "table_schema" = 'tiny'\n  AND "table_type" = 'BASE TABLE'`);
    expect(rows.flat()).toHaveLength(8);
    expect((await collect(client(), 'SELECT version()')).rows).toEqual([[DEFAULT_GATEWAY_CONFIG.version]]);
  });

  it('a catalog-qualified information_schema query with GROUP BY, as Cube lists schemas', async () => {
    const { rows } = await collect(client(), 'SELECT table_schema FROM tpch.information_schema.tables GROUP BY 1');
    const schemas = rows.map((r) => r[0]);
    expect(schemas).toContain('tiny');
    expect(new Set(schemas).size).toBe(schemas.length);
  });
});

describe('queries a tool runs next', () => {
  it('a LIMIT 0 probe of custom SQL goes to the engine and returns typed columns and no rows', async () => {
    const probe = await raw('SELECT * FROM (SELECT n_name, n_regionkey FROM nation WHERE n_regionkey = 1) "Custom SQL Query" LIMIT 0');
    expect(probe.final.error).toBeUndefined();
    expect(probe.final.columns?.map((c) => `${c.name}:${c.type}`)).toEqual(['n_name:varchar', 'n_regionkey:bigint']);
    expect(probe.rows).toEqual([]);
    expect(front.answered).not.toContain('SELECT * FROM (SELECT n_name, n_regionkey FROM nation WHERE n_regionkey = 1) "Custom SQL Query" LIMIT 0');
  });

  it('SELECT 1 (connection validation) goes to the engine', async () => {
    expect((await collect(client(), 'SELECT 1')).rows).toEqual([[1]]);
    expect(front.answered).not.toContain('SELECT 1');
  });

  it('prepare, describe and execute as the JDBC driver does', async () => {
    const statement = 'SELECT n_name FROM nation WHERE n_regionkey = ? AND n_nationkey < ?';
    const prepare = await raw(`PREPARE statement1 FROM ${statement}`);
    expect(prepare.final.updateType).toBe('PREPARE');
    const added = prepare.headers.get('x-trino-added-prepare')!;
    expect(added).toBe('statement1=SELECT+n_name+FROM+nation+WHERE+n_regionkey+%3D+%3F+AND+n_nationkey+%3C+%3F');
    const prepared = { 'X-Trino-Prepared-Statement': added };
    const input = await raw('DESCRIBE INPUT statement1', prepared);
    expect(input.rows).toEqual([
      [0, 'unknown'],
      [1, 'unknown'],
    ]);
    const output = await raw('DESCRIBE OUTPUT statement1', prepared);
    expect(output.rows.map((r) => [r[0], r[4]])).toEqual([['n_name', 'varchar']]);
    const executed = await collect(client(), "EXECUTE statement1 USING INTEGER '1', BIGINT '25'", prepared);
    expect(executed.rows.flat()).toEqual(['ARGENTINA', 'BRAZIL', 'CANADA', 'PERU', 'UNITED STATES']);
    const immediate = await collect(client(), "EXECUTE IMMEDIATE 'SELECT count(*) FROM nation WHERE n_name LIKE ?' USING 'C%'");
    expect(immediate.rows).toEqual([[2]]);
  });

  it('a metadata query prepared and executed is answered too', async () => {
    const sql = 'SHOW TABLES FROM memory.default';
    const { rows } = await collect(client(), 'EXECUTE IMMEDIATE ' + `'${sql}'`);
    expect(rows).toEqual([['big_nations'], ['salaries']]);
  });
});
