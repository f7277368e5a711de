import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../../lambdas/local/server.js';
import { BIG_COUNT, BIG_SQL, DENIED_USER, eventually, SLOW_SQL, startClientServer, TYPES_COLUMNS, TYPES_SQL, TYPES_VALUES } from './support.js';
import { Client, streamRows } from './presto-stream.js';

/**
 * presto-stream-client (X-Presto-* headers over node:http, the nextUri sent as the request
 * path), used as its users do: execute() gives a Readable of rows, read through its data, end
 * and error events; cancel() sends DELETE /v1/query/{id}.
 */

let server: LocalServer;
beforeAll(async () => {
  server = await startClientServer();
});
afterAll(async () => {
  await server?.close();
});

const client = (user = 'alice') => new Client({ host: '127.0.0.1', port: server.port, user, catalog: 'tpch', schema: 'tiny', pollInterval: 20, objectMode: true });

const rows = (sql: string, c = client()) => streamRows(c, sql);

describe('presto-stream-client against the local engine', () => {
  it('discovers catalogs, schemas, tables and columns', async () => {
    expect((await rows('SHOW CATALOGS')).rows).toEqual([{ Catalog: 'memory' }, { Catalog: 'tpch' }]);
    expect((await rows('SHOW SCHEMAS FROM tpch')).rows).toContainEqual({ Schema: 'tiny' });
    expect((await rows('SHOW TABLES')).rows).toContainEqual({ Table: 'nation' });
    const columns = await rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'tiny' AND table_name = 'region' ORDER BY ordinal_position`);
    expect(columns.rows).toEqual([
      { column_name: 'r_regionkey', data_type: 'bigint' },
      { column_name: 'r_name', data_type: 'varchar' },
      { column_name: 'r_comment', data_type: 'varchar' },
    ]);
  });

  it('reads a row of many types with their names and types', async () => {
    const { rows: read, statement } = await rows(TYPES_SQL);
    expect(statement.columns!.map((c) => [c.name, c.type])).toEqual(TYPES_COLUMNS);
    expect(read).toEqual([Object.fromEntries(TYPES_COLUMNS.map(([name], i) => [name, TYPES_VALUES[i]]))]);
  });

  it('prints timestamp with time zone in the zone the client asks for', async () => {
    const statement = await client().execute({ query: 'SELECT from_iso8601_timestamp(\'2020-06-01T10:00:00\') AS t', timezone: 'America/Sao_Paulo' });
    const read: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => statement.on('data', (r) => read.push(r)).on('end', resolve).on('error', reject));
    expect(read).toEqual([{ t: '2020-06-01 10:00:00.000 America/Sao_Paulo' }]);
  });

  it(`streams a ${BIG_COUNT}-row result over many pages with the exact row count`, async () => {
    const { rows: read } = await rows(BIG_SQL);
    expect(read).toHaveLength(BIG_COUNT);
    expect(new Set(read.map((r) => `${String(r.l_orderkey)}/${String(r.l_linenumber)}/${String(r.n_name)}`)).size).toBe(BIG_COUNT);
  });

  it('gets a syntax error and a permission denial with errorName and errorType', async () => {
    await expect(rows('SELEC 1')).rejects.toMatchObject({ data: { error: { errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' } } });
    await expect(rows('SELECT * FROM nation', client(DENIED_USER))).rejects.toMatchObject({ data: { error: { errorName: 'PERMISSION_DENIED', errorType: 'USER_ERROR' } } });
  });

  it('cancels a running query', async () => {
    const statement = await client().execute({ query: SLOW_SQL });
    const states: string[] = [];
    statement.on('state_change', (s) => states.push(s));
    statement.on('data', () => {});
    await eventually(() => states.length > 0);
    await statement.cancel();
    // Its stream's own poll may still be under way, and end in an error once the query is gone.
    statement.on('error', () => {});
    await eventually(async () => (await server.store.get(statement.query_id))?.state === 'CANCELED');
  });
});
