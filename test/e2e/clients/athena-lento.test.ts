import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIG_ROWS } from '../athena-support.js';
import { API_USER, startAthenaClientServer, MANY_TYPES_COLUMNS, MANY_TYPES_VALUES, type AthenaClientServer } from './athena-server.js';
import { DENIED_USER, eventually } from './support.js';

/**
 * lento (X-Presto-* headers) against Athena targets: catalog discovery answered by the gateway
 * from Glue, a row of many types as Athena returns it, a large result from the result CSV and
 * from GetQueryResults pages, Athena's failures and Bifrost's own syntax error and denial, and a cancel
 * that stops the Athena query.
 */
const require = createRequire(import.meta.url);

interface LentoClient {
  query(sql: string, callback: (error: LentoError | null, rows: Record<string, unknown>[]) => void): void;
  createRowStream(sql: string, options?: { rowFormat?: 'array' | 'object' }): NodeJS.ReadableStream & { destroy(): void; on(event: 'id', f: (id: string) => void): unknown; on(event: 'columns', f: (c: { name: string; type: string }[]) => void): unknown };
}
type LentoError = Error & { code: string; type: string };
const lento = require('lento') as (options: Record<string, unknown>) => LentoClient;

let athena: AthenaClientServer;
beforeAll(async () => {
  athena = await startAthenaClientServer();
});
afterAll(async () => {
  await athena?.close();
});
beforeEach(() => athena.reset());

const client = (user = 'alice') => lento({ hostname: '127.0.0.1', port: athena.server.port, user, catalog: 'hive', schema: 'mydatabase', pollInterval: 20 });
const query = (sql: string, c = client()) => new Promise<Record<string, unknown>[]>((resolve, reject) => c.query(sql, (error, rows) => (error ? reject(error) : resolve(rows))));

async function stream(sql: string, user?: string): Promise<{ columns: { name: string; type: string }[]; rows: unknown[][] }> {
  let columns: { name: string; type: string }[] = [];
  const rows: unknown[][] = [];
  const s = client(user).createRowStream(sql, { rowFormat: 'array' });
  s.on('columns', (c) => (columns = c));
  for await (const row of s) rows.push(row as unknown as unknown[]);
  return { columns, rows };
}

describe('lento against Athena', () => {
  it('discovers catalogs, schemas, tables and columns from Glue, without running anything in Athena', async () => {
    expect((await query('SHOW CATALOGS')).map((r) => r.Catalog)).toContain('hive');
    expect((await query('SHOW SCHEMAS FROM hive')).map((r) => r.Schema)).toEqual(expect.arrayContaining(['mydatabase', 'sales']));
    expect((await query('SHOW TABLES')).map((r) => r.Table)).toEqual(['big', 'many_types', 'running']);
    const columns = await query('SHOW COLUMNS FROM big');
    expect(columns.map((r) => [r.Column, r.Type, r.Extra])).toEqual([['id', 'varchar', ''], ['name', 'varchar', ''], ['score', 'varchar', ''], ['dt', 'varchar', 'partition key']]);
    const described = await query('DESCRIBE many_types');
    expect(described.find((r) => r.Column === 'rw')).toMatchObject({ Type: 'row(x integer, y varchar)' });
    expect(athena.fake().started).toEqual([]);
    expect(athena.glue.total).toBeGreaterThan(0);
  });

  it('reads a row of many types as Athena returns it, with their names and types', async () => {
    const { columns, rows } = await stream('SELECT * FROM many_types');
    expect(columns.map((c) => [c.name, c.type])).toEqual(MANY_TYPES_COLUMNS);
    // lento turns a plain timestamp into a Date (read as UTC); every other value is as sent.
    const expected = [...MANY_TYPES_VALUES];
    expected[10] = new Date('2024-05-01T10:10:10.123Z');
    expect(rows).toEqual([expected]);
  });

  it(`streams a ${BIG_ROWS.length}-row result with the exact rows, from the result CSV and from GetQueryResults pages`, async () => {
    const viaCsv = await stream('SELECT * FROM big');
    expect(viaCsv.rows).toHaveLength(BIG_ROWS.length);
    expect(viaCsv.rows).toEqual(BIG_ROWS);
    const calls = athena.fake().getQueryResultsCalls;
    expect(calls).toBe(1); // column metadata only: every row came from S3
    const viaApi = await stream('SELECT * FROM big', API_USER);
    expect(viaApi.rows).toEqual(BIG_ROWS);
    expect(athena.fake().getQueryResultsCalls - calls).toBeGreaterThanOrEqual(60);
    expect(viaApi.columns).toEqual(viaCsv.columns);
  });

  it('gets Athena\'s failures as Trino errors, and a syntax error and a denial from Bifrost before Athena', async () => {
    await expect(query('SELECT * FROM failed')).rejects.toMatchObject({ name: 'PrestoError', code: 'TABLE_NOT_FOUND', type: 'USER_ERROR' });
    const exhausted = await query('SELECT * FROM exhausted ORDER BY 1').catch((error: LentoError) => error);
    expect(exhausted).toMatchObject({ name: 'PrestoError', code: 'GENERIC_INSUFFICIENT_RESOURCES', type: 'INSUFFICIENT_RESOURCES' });
    expect((exhausted as Error).message).toContain('Query exhausted resources at this scale factor');
    const started = athena.fake().started.length;
    await expect(query('SELEC * FROM big')).rejects.toMatchObject({ name: 'PrestoError', code: 'SYNTAX_ERROR', type: 'USER_ERROR' });
    await expect(query('SELECT * FROM big', client(DENIED_USER))).rejects.toMatchObject({ name: 'PrestoError', code: 'PERMISSION_DENIED', type: 'USER_ERROR' });
    expect(athena.fake().started).toHaveLength(started);
  });

  it('cancels by destroying the stream: the Athena query is stopped', async () => {
    const s = client().createRowStream('SELECT * FROM running');
    const id = await new Promise<string>((resolve) => {
      s.on('id', resolve);
      s.resume();
    });
    await eventually(() => athena.fake().started.length === 1);
    const closed = new Promise<Error | undefined>((resolve) => {
      s.on('error', (error: Error) => resolve(error));
      s.on('close', () => resolve(undefined));
    });
    s.destroy();
    // No error: the DELETE was answered 204, as lento expects.
    expect(await closed).toBeUndefined();
    await eventually(() => athena.fake().stopped.length > 0);
    expect(new Set(athena.fake().stopped)).toEqual(new Set(['running-1']));
    await eventually(async () => (await athena.server.store.get(id))?.state === 'CANCELED');
  });
});
