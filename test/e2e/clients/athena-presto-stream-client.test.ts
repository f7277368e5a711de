import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIG_ROWS } from '../athena-support.js';
import { API_USER, MANY_TYPES_COLUMNS, MANY_TYPES_VALUES, startAthenaClientServer, type AthenaClientServer } from './athena-server.js';
import { DENIED_USER, eventually } from './support.js';
import { Client, streamRows } from './presto-stream.js';

/**
 * presto-stream-client (X-Presto-* headers, the nextUri sent as the request path) against Athena
 * targets: catalog discovery answered by the gateway from Glue (SHOW and information_schema), a
 * row of many types as Athena returns it, a large result from the result CSV and from
 * GetQueryResults pages, Athena's failures and Bifrost's own errors, and cancel() stopping the
 * Athena query.
 */

let athena: AthenaClientServer;
beforeAll(async () => {
  athena = await startAthenaClientServer();
});
afterAll(async () => {
  await athena?.close();
});
beforeEach(() => athena.reset());

const client = (user = 'alice') => new Client({ host: '127.0.0.1', port: athena.server.port, user, catalog: 'hive', schema: 'mydatabase', pollInterval: 20, objectMode: true });

const rows = (sql: string, c = client()) => streamRows(c, sql);

describe('presto-stream-client against Athena', () => {
  it('discovers catalogs, schemas, tables and columns from Glue, without running anything in Athena', async () => {
    expect((await rows('SHOW CATALOGS')).rows).toContainEqual({ Catalog: 'hive' });
    expect((await rows('SHOW SCHEMAS')).rows).toEqual(expect.arrayContaining([{ Schema: 'mydatabase' }, { Schema: 'sales' }]));
    expect((await rows('SHOW TABLES FROM sales')).rows).toEqual([{ Table: 'orders' }]);
    expect((await rows("SHOW TABLES LIKE 'b%'")).rows).toEqual([{ Table: 'big' }]);
    const columns = await rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'mydatabase' AND table_name = 'many_types' ORDER BY ordinal_position`);
    expect(columns.rows.map((r) => [r.column_name, r.data_type])).toEqual([
      ['b', 'boolean'], ['ti', 'tinyint'], ['si', 'smallint'], ['i', 'integer'], ['bi', 'bigint'], ['r', 'real'], ['d', 'double'], ['dc', 'decimal(10,2)'],
      ['v', 'varchar'], ['dt', 'date'], ['ts', 'timestamp(3)'], ['arr', 'array(integer)'], ['m', 'map(varchar, integer)'], ['rw', 'row(x integer, y varchar)'], ['j', 'varchar'], ['n', 'varchar'],
    ]);
    expect(athena.fake().started).toEqual([]);
  });

  it('reads a row of many types as Athena returns it, with their names and types', async () => {
    const { rows: read, statement } = await rows('SELECT * FROM many_types');
    expect(statement.columns!.map((c) => [c.name, c.type])).toEqual(MANY_TYPES_COLUMNS);
    expect(read).toEqual([Object.fromEntries(MANY_TYPES_COLUMNS.map(([name], i) => [name, MANY_TYPES_VALUES[i]]))]);
  });

  it(`streams a ${BIG_ROWS.length}-row result with the exact rows, from the result CSV and from GetQueryResults pages`, async () => {
    const expected = BIG_ROWS.map(([id, name, score]) => ({ id, name, score }));
    const viaCsv = await rows('SELECT * FROM big');
    expect(viaCsv.rows).toHaveLength(BIG_ROWS.length);
    expect(viaCsv.rows).toEqual(expected);
    const calls = athena.fake().getQueryResultsCalls;
    const viaApi = await rows('SELECT * FROM big', client(API_USER));
    expect(viaApi.rows).toEqual(expected);
    expect(athena.fake().getQueryResultsCalls - calls).toBeGreaterThanOrEqual(60);
  });

  it('gets Athena\'s failures as Trino errors, and a syntax error and a denial from Bifrost before Athena', async () => {
    await expect(rows('SELECT * FROM failed')).rejects.toMatchObject({ data: { error: { errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' } } });
    await expect(rows('SELECT * FROM exhausted ORDER BY 1')).rejects.toMatchObject({
      data: { error: { errorName: 'GENERIC_INSUFFICIENT_RESOURCES', errorType: 'INSUFFICIENT_RESOURCES', message: 'Query exhausted resources at this scale factor' } },
    });
    const started = athena.fake().started.length;
    await expect(rows('SELECT * FROM big WHERE')).rejects.toMatchObject({ data: { error: { errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' } } });
    await expect(rows('SELECT * FROM big', client(DENIED_USER))).rejects.toMatchObject({ data: { error: { errorName: 'PERMISSION_DENIED', errorType: 'USER_ERROR' } } });
    expect(athena.fake().started).toHaveLength(started);
  });

  it('cancels a running query: the Athena query is stopped', async () => {
    const statement = await client().execute({ query: 'SELECT * FROM running' });
    const states: string[] = [];
    statement.on('state_change', (s) => states.push(s));
    statement.on('data', () => {});
    statement.on('error', () => {});
    await eventually(() => states.length > 0 && athena.fake().started.length === 1);
    await statement.cancel();
    // The client sends DELETE again as its stream closes, while the first may still be on its
    // way: Athena may be asked to stop the query twice, never another query.
    await eventually(() => athena.fake().stopped.length > 0);
    expect(athena.fake().started).toHaveLength(1);
    expect(new Set(athena.fake().stopped)).toEqual(new Set(['running-1']));
    await eventually(async () => (await athena.server.store.get(statement.query_id))?.state === 'CANCELED');
  });
});
