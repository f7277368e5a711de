import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../../lambdas/local/server.js';
import { BIG_COUNT, BIG_SQL, DENIED_USER, startClientServer, TYPES_SQL } from './support.js';

/**
 * Malloy's Trino and Presto connections (@malloydata/db-trino; trino-client and Presto's own
 * @prestodb/presto-js-client underneath), used as Malloy uses them: test() when a connection is
 * added, fetchTableSchema (DESCRIBE) and fetchSelectSchema (PREPARE + DESCRIBE OUTPUT on Trino)
 * to learn a source's fields, runSQL for results. Presto's client also browses the catalog
 * (SHOW CATALOGS, SHOW SCHEMAS, information_schema.tables and .columns with Presto's columns).
 * Malloy runs a query to its end and offers no cancel.
 */
const require = createRequire(import.meta.url);

interface Field {
  name: string;
  type: string;
  numberType?: string;
  fields?: Field[];
}
interface MalloyConnection {
  test(): Promise<void>;
  fetchTableSchema(key: string, path: string): Promise<{ fields: Field[] }>;
  fetchSelectSchema(request: { connection: string; selectStr: string }): Promise<{ fields: Field[] }>;
  runSQL(sql: string, options?: { rowLimit?: number }): Promise<{ rows: Record<string, unknown>[]; totalRows: number }>;
}
type ConnectionClass = new (name: string, queryOptions: undefined, config: Record<string, unknown>) => MalloyConnection;
const { TrinoConnection, PrestoConnection } = require('@malloydata/db-trino') as { TrinoConnection: ConnectionClass; PrestoConnection: ConnectionClass };
interface PrestoJsClient {
  getCatalogs(): Promise<string[]>;
  getSchemas(catalog: string): Promise<string[]>;
  getTables(options: { catalog: string; schema?: string }): Promise<{ tableName: string; tableType: string }[]>;
  getColumns(options: { catalog: string; schema?: string; table?: string }): Promise<{ columnName: string; dataType: string; isNullable: string }[]>;
  query(sql: string): Promise<{ columns: { name: string; type: string }[]; data: unknown[][] }>;
}
const { PrestoClient } = require('@prestodb/presto-js-client') as { PrestoClient: new (options: Record<string, unknown>) => PrestoJsClient };

let server: LocalServer;
beforeAll(async () => {
  server = await startClientServer();
});
afterAll(async () => {
  await server?.close();
});

const trino = (user = 'alice') => new TrinoConnection('bifrost', undefined, { server: server.url, catalog: 'tpch', schema: 'tiny', user });
const presto = (user = 'alice') => new PrestoConnection('bifrost', undefined, { server: 'http://127.0.0.1', port: server.port, catalog: 'tpch', schema: 'tiny', user });

const NATION_FIELDS = [
  { name: 'n_nationkey', type: 'number', numberType: 'bigint' },
  { name: 'n_name', type: 'string' },
  { name: 'n_regionkey', type: 'number', numberType: 'bigint' },
  { name: 'n_comment', type: 'string' },
];

describe('Malloy\'s Trino connection against the local engine', () => {
  it('tests the connection and reads a table\'s and a query\'s schema', async () => {
    await trino().test();
    expect((await trino().fetchTableSchema('nation', 'tpch.tiny.nation')).fields).toEqual(NATION_FIELDS);
    const select = await trino().fetchSelectSchema({ connection: 'bifrost', selectStr: 'SELECT n_name, n_nationkey * 2 AS twice, CAST(ROW(1, 2.5) AS ROW(a integer, b double)) AS r FROM nation' });
    expect(select.fields).toEqual([
      { name: 'n_name', type: 'string' },
      { name: 'twice', type: 'number', numberType: 'bigint' },
      { name: 'r', type: 'record', join: 'one', fields: [{ name: 'a', type: 'number', numberType: 'integer' }, { name: 'b', type: 'number', numberType: 'float' }] },
    ]);
  });

  it('reads a row of many types as Malloy records', async () => {
    const { rows } = await trino().runSQL(TYPES_SQL);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ b: true, ti: 7, si: 300, i: 70000, r: 1.5, d: 2.25, dc: 12.3, v: 'héllo', dt: '2024-05-01', arr: [1, 2, 3], rw: { x: 1, y: 'x' }, j: '{"k":[1,2]}', n: null });
    // Malloy reads the zone the value names: the instant is right.
    expect(rows[0]!.tstz).toEqual(new Date('2020-06-01T14:00:00.000Z'));
    expect(rows[0]!.ts).toEqual(new Date('2024-05-01T10:10:10.123Z'));
  });

  it(`reads a ${BIG_COUNT}-row result with the exact row count`, async () => {
    expect((await trino().runSQL(BIG_SQL, { rowLimit: 1_000_000 })).totalRows).toBe(BIG_COUNT);
  });

  it('gets a syntax error and a permission denial with errorName and errorType', async () => {
    const failure = async (connection: MalloyConnection, sql: string) => JSON.parse((await connection.runSQL(sql).then(() => { throw new Error('no error'); }, (error: Error) => error)).message) as Record<string, unknown>;
    expect(await failure(trino(), 'SELEC 1')).toMatchObject({ errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' });
    expect(await failure(trino(DENIED_USER), 'SELECT * FROM nation')).toMatchObject({ errorName: 'PERMISSION_DENIED', errorType: 'USER_ERROR' });
  });
});

describe('Malloy\'s Presto connection and Presto\'s JS client against the local engine', () => {
  it('tests the connection and reads a table\'s schema', async () => {
    await presto().test();
    expect((await presto().fetchTableSchema('nation', 'tpch.tiny.nation')).fields).toEqual(NATION_FIELDS);
  });

  it('reads scalar types as Malloy records (Malloy\'s Presto dialect reads arrays as JSON text)', async () => {
    const { rows } = await presto().runSQL(`SELECT true AS b, 70000 AS i, CAST(2.25 AS double) AS d, CAST('12.30' AS decimal(10,2)) AS dc, 'x' AS v, DATE '2024-05-01' AS dt`);
    expect(rows).toEqual([{ b: true, i: 70000, d: 2.25, dc: 12.3, v: 'x', dt: '2024-05-01' }]);
  });

  it('browses catalogs, schemas, tables and columns as Presto\'s JS client does', async () => {
    const client = new PrestoClient({ host: 'http://127.0.0.1', port: server.port, user: 'alice', catalog: 'tpch', schema: 'tiny' });
    expect(await client.getCatalogs()).toEqual(expect.arrayContaining(['memory', 'tpch']));
    expect(await client.getSchemas('tpch')).toContain('tiny');
    expect((await client.getTables({ catalog: 'tpch', schema: 'tiny' })).map((t) => [t.tableName, t.tableType])).toContainEqual(['nation', 'BASE TABLE']);
    const columns = await client.getColumns({ catalog: 'tpch', schema: 'tiny', table: 'region' });
    expect(columns.map((c) => [c.columnName, c.dataType, c.isNullable])).toEqual([
      ['r_regionkey', 'bigint', 'YES'],
      ['r_name', 'varchar', 'YES'],
      ['r_comment', 'varchar', 'YES'],
    ]);
    const big = await client.query(BIG_SQL);
    expect(big.data).toHaveLength(BIG_COUNT);
    await expect(client.query('SELEC 1')).rejects.toMatchObject({ errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' });
  });
});
