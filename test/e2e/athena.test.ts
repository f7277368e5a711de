import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { AthenaEngine } from '../../lambdas/adapters/aws/athena/athena-engine.js';
import type { Router } from '../../lambdas/core/ports/index.js';
import { BIG_ROWS, clients, FakeAthena, scenarios } from './athena-support.js';

/**
 * End to end: trino-client → the local server (node:http, the gateway core, dynalite) → the
 * Athena engine → a mocked Athena and S3. Two targets run the same engine, one reading results
 * from the result CSV in S3 and one through GetQueryResults; the client's source picks one.
 */
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
let server: LocalServer;
let fake: FakeAthena;

const router: Router = {
  route: async ({ session }) => ({ outcome: 'target', target: session.source === 'api-path' ? 'athena-api' : 'athena', group: 'athena', reasons: ['test'] }),
};

beforeAll(async () => {
  const engineOptions = { workgroup: 'primary', tableTypes: false, statusIntervalMs: 50, freshStateMs: 0 };
  server = await startLocalServer({
    engines: { athena: new AthenaEngine({ ...clients(), ...engineOptions }), 'athena-api': new AthenaEngine({ ...clients(), ...engineOptions, csvFastPath: false }) },
    router,
    gateway: { maxPageBytes: 200_000, pollWaitMs: 100 },
  });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  athenaMock.reset();
  s3Mock.reset();
  fake = new FakeAthena(athenaMock, s3Mock, scenarios());
});

const trino = (source = 'fast-path') => Trino.create({ server: server.url, auth: new BasicAuth('alice'), catalog: 'hive', schema: 'mydatabase', source });

async function collect(client: Trino, sql: string): Promise<{ columns: QueryResult['columns']; rows: unknown[][]; pages: number; last: QueryResult }> {
  const iterator = await client.query(sql);
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  let pages = 0;
  let last!: QueryResult;
  for await (const page of iterator) {
    pages++;
    last = page;
    if (page.error) break;
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
  }
  return { columns, rows, pages, last };
}

describe('Athena behind the gateway, through trino-client', () => {
  it('returns exactly the rows of a 60-page result, on both paths', async () => {
    const viaCsv = await collect(trino(), 'SELECT * FROM big');
    expect(viaCsv.last.error).toBeUndefined();
    expect(viaCsv.rows).toHaveLength(59_500);
    expect(viaCsv.rows).toEqual(BIG_ROWS);
    const csvResultCalls = fake.getQueryResultsCalls;
    expect(csvResultCalls).toBe(1); // column metadata only: every page came from S3
    const viaApi = await collect(trino('api-path'), 'SELECT * FROM big');
    expect(viaApi.rows).toEqual(viaCsv.rows);
    expect(fake.getQueryResultsCalls - csvResultCalls).toBeGreaterThanOrEqual(60);
    expect(viaApi.columns).toEqual(viaCsv.columns);
  });

  it('gives identical typed results from the CSV path and the API path', async () => {
    const viaCsv = await collect(trino(), 'SELECT * FROM typed');
    const viaApi = await collect(trino('api-path'), 'SELECT * FROM typed');
    expect(viaCsv.rows).toHaveLength(5000);
    expect(viaApi.rows).toEqual(viaCsv.rows);
    expect(viaCsv.columns!.map((c) => c.type)).toEqual(['bigint', 'varchar', 'decimal(10,2)', 'double', 'boolean']);
    expect(viaCsv.rows[11]).toEqual([11_000_000_077, null, '11.25', 11.5, true]);
    expect(viaCsv.rows[13]![1]).toBe('');
    expect(viaCsv.rows[3]![3]).toBe(1e10);
  });

  it('decodes every type', async () => {
    const { columns, rows, last } = await collect(trino(), 'SELECT * FROM all_types');
    expect(last.error).toBeUndefined();
    expect(columns!.map((c) => c.type)).toEqual([
      // trino-client does not announce PARAMETRIC_DATETIME: datetime types come without precision.
      'boolean', 'tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal(10,2)', 'char(3)', 'varchar', 'varbinary', 'date', 'time', 'timestamp',
      'timestamp with time zone', 'json', 'interval year to month', 'interval day to second', 'varchar', 'varchar', 'varchar', 'uuid', 'ipaddress',
    ]);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.slice(0, 11)).toEqual([true, 127, 32767, 2147483647, Number('9223372036854775807'), Number('3.4028235E38'), 1e10, '12.30', 'ab ', 'héllo, "world"\nline 2', 'SGVs']);
    expect(rows[1]![5]).toBe('NaN');
    expect(rows[1]![9]).toBe('');
    expect(rows[2]).toEqual(new Array(23).fill(null));
  });

  it('runs DDL and INSERT with Trino\'s update types and counts', async () => {
    const ddl = await collect(trino(), 'CREATE TABLE flights_copy (a varchar)');
    expect(ddl.last.error).toBeUndefined();
    expect(ddl.rows).toEqual([[true]]);
    expect((ddl.last as QueryResult & { updateType?: string }).updateType).toBe('CREATE TABLE');
    const insert = await collect(trino(), 'INSERT INTO flights_copy SELECT * FROM flights');
    expect(insert.rows).toEqual([[42]]);
    expect((insert.last as QueryResult & { updateType?: string; updateCount?: number }).updateType).toBe('INSERT');
    expect((insert.last as QueryResult & { updateCount?: number }).updateCount).toBe(42);
  });

  it('answers SHOW TABLES with Trino\'s column name', async () => {
    const { columns, rows } = await collect(trino(), 'SHOW TABLES');
    expect(columns!.map((c) => c.name)).toEqual(['Table']);
    expect(rows).toEqual([['cloudfront_logs'], ['elb_logs'], ['flights']]);
  });

  it('reports Athena\'s failure with the Trino error name and Athena\'s message', async () => {
    const { last } = await collect(trino(), 'SELECT * FROM failed');
    expect(last.error).toMatchObject({ errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR', errorCode: 46 });
    expect(last.error!.message).toContain("Table 'awsdatacatalog.mydatabase.nope' does not exist");
  });

  it('never runs a throttled query twice, and never loses it', async () => {
    const result = await collect(trino(), 'SELECT * FROM throttled');
    const tokens = new Set(fake.started.map((s) => s.token));
    expect(tokens.size).toBe(1);
    if (result.last.error) {
      // The gateway gave up on the target: the client is told why, nothing runs in Athena.
      expect(result.last.error.message).toMatch(/busy|exceeded the limit/i);
      expect(fake.started).toHaveLength(1);
    } else {
      expect(result.rows).toEqual([[1]]);
    }
  });

  it('cancels the Athena query when the client cancels', async () => {
    const headers = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'hive', 'X-Trino-Schema': 'mydatabase' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT * FROM running' })).json()) as { id: string; nextUri: string };
    let page = (await (await fetch(posted.nextUri, { headers })).json()) as { nextUri?: string; stats: { state: string } };
    expect(['QUEUED', 'RUNNING']).toContain(page.stats.state);
    await trino().cancel(posted.id);
    expect(fake.stopped).toHaveLength(1);
    expect(fake.stopped[0]).toMatch(/^running-/);
    page = (await (await fetch(page.nextUri!, { headers })).json()) as typeof page & { error?: { errorName: string } };
    expect(page).toMatchObject({ stats: { state: 'FAILED' }, error: { errorName: 'USER_CANCELED' } });
  });
});
