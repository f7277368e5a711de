import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../../lambdas/local/server.js';
import { BIG_COUNT, BIG_SQL, DENIED_USER, eventually, raw, SLOW_SQL, startClientServer, TYPES_COLUMNS, TYPES_SQL, TYPES_VALUES } from './support.js';

/**
 * lento, a streaming Presto client (X-Presto-* headers), used as its users do: query() with a
 * callback for rows as objects, row streams for large results, session() and set() for session
 * properties, and destroy() on the stream to cancel (DELETE /v1/query/{id}, expecting 204).
 */
const require = createRequire(import.meta.url);

interface LentoClient {
  query(sql: string, callback: (error: LentoError | null, rows: Record<string, unknown>[]) => void): void;
  createRowStream(sql: string, options?: { rowFormat?: 'array' | 'object' }): NodeJS.ReadableStream & { destroy(): void; on(event: 'id', f: (id: string) => void): unknown; on(event: 'columns', f: (c: { name: string; type: string }[]) => void): unknown };
  session(callback: (error: Error | null, session: Record<string, unknown>) => void): void;
  setTimeout(duration: string, callback: (error?: Error) => void): void;
  resetTimeout(callback: (error?: Error) => void): void;
}
type LentoError = Error & { code: string; type: string };
const lento = require('lento') as (options: Record<string, unknown>) => LentoClient;

let server: LocalServer;
beforeAll(async () => {
  server = await startClientServer();
});
afterAll(async () => {
  await server?.close();
});

const client = (user = 'alice') => lento({ hostname: '127.0.0.1', port: server.port, user, catalog: 'tpch', schema: 'tiny', pollInterval: 20 });
const query = (sql: string, c = client()) => new Promise<Record<string, unknown>[]>((resolve, reject) => c.query(sql, (error, rows) => (error ? reject(error) : resolve(rows))));

describe('lento against the local engine', () => {
  it('discovers catalogs, schemas, tables and columns', async () => {
    expect((await query('SHOW CATALOGS')).map((r) => r.Catalog)).toEqual(expect.arrayContaining(['memory', 'tpch']));
    expect((await query('SHOW SCHEMAS FROM tpch')).map((r) => r.Schema)).toContain('tiny');
    expect((await query('SHOW TABLES')).map((r) => r.Table)).toEqual(expect.arrayContaining(['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier']));
    const columns = await query('SHOW COLUMNS FROM nation');
    expect(columns.map((r) => [r.Column, r.Type])).toEqual([['n_nationkey', 'bigint'], ['n_name', 'varchar'], ['n_regionkey', 'bigint'], ['n_comment', 'varchar']]);
  });

  it('reads and sets session properties through X-Presto-Set-Session and X-Presto-Clear-Session', async () => {
    const c = client();
    await new Promise<void>((resolve, reject) => c.setTimeout('1h', (error) => (error ? reject(error) : resolve())));
    await new Promise<void>((resolve, reject) => c.resetTimeout((error) => (error ? reject(error) : resolve())));
  });

  it('lists the session properties the engine honours with session(), the client\'s values where set', async () => {
    const c = client();
    const read = () => new Promise<Record<string, { key: string; value: unknown; default: unknown; type: string; description: string }>>((resolve, reject) => c.session((error, s) => (error ? reject(error) : resolve(s as never))));
    const defaults = await read();
    expect(Object.keys(defaults).sort()).toEqual(['integer_division', 'time_zone']);
    expect(defaults.integer_division).toMatchObject({ key: 'integer_division', value: true, default: true, type: 'boolean' });
    expect(defaults.time_zone!.value).toBe(defaults.time_zone!.default);
    expect(defaults.time_zone!.description).toMatch(/time zone/);
    // A value is data: quotes and SQL in it come back as sent.
    const odd = "x'); DROP TABLE memory.default.t; --";
    const { rows, columns } = await raw(server.url, "SHOW SESSION LIKE 'time%'", { 'X-Trino-Time-Zone': 'Asia/Tokyo', 'X-Trino-Session': `integer_division=true,other=${encodeURIComponent(odd)}` });
    expect(columns!.map((col) => col.name)).toEqual(['Name', 'Value', 'Default', 'Type', 'Description']);
    expect(rows).toEqual([['time_zone', 'Asia/Tokyo', defaults.time_zone!.default, 'varchar', defaults.time_zone!.description]]);
    const all = await raw(server.url, 'SHOW SESSION', { 'X-Trino-Session': `integer_division=${encodeURIComponent(odd)}` });
    expect(all.rows[0]!.slice(0, 3)).toEqual(['integer_division', odd, 'true']);
    // The engine cannot divide otherwise: a session asking for it is refused, not ignored.
    const refused = await raw(server.url, 'SELECT 7 / 2', { 'X-Trino-Session': 'integer_division=false' });
    expect(refused.final.error).toMatchObject({ errorName: 'INVALID_SESSION_PROPERTY', errorType: 'USER_ERROR' });
    expect((await raw(server.url, 'SELECT 7 / 2', { 'X-Trino-Session': 'integer_division=true' })).rows).toEqual([[3]]);
  });

  it('reads a row of many types with their names and types', async () => {
    let columns: { name: string; type: string }[] = [];
    const rows: unknown[][] = [];
    const stream = client().createRowStream(TYPES_SQL, { rowFormat: 'array' });
    stream.on('columns', (c) => (columns = c));
    for await (const row of stream) rows.push(row as unknown as unknown[]);
    expect(columns.map((c) => [c.name, c.type])).toEqual(TYPES_COLUMNS);
    // lento turns a plain timestamp into a Date (read as UTC); every other value is as sent.
    const expected = [...TYPES_VALUES];
    expected[10] = new Date('2024-05-01T10:10:10.123Z');
    expect(rows).toEqual([expected]);
  });

  it(`streams a ${BIG_COUNT}-row result over many pages with the exact row count`, async () => {
    let count = 0;
    let last: unknown[] | undefined;
    for await (const row of client().createRowStream(BIG_SQL, { rowFormat: 'array' })) {
      count++;
      last = row as unknown as unknown[];
    }
    expect(count).toBe(BIG_COUNT);
    expect(last).toHaveLength(3);
  });

  it('gets a syntax error and a permission denial with errorName and errorType', async () => {
    await expect(query('SELEC 1')).rejects.toMatchObject({ name: 'PrestoError', code: 'SYNTAX_ERROR', type: 'USER_ERROR' });
    await expect(query('SELECT * FROM nation', client(DENIED_USER))).rejects.toMatchObject({ name: 'PrestoError', code: 'PERMISSION_DENIED', type: 'USER_ERROR' });
  });

  it('cancels a running query by destroying the stream', async () => {
    const stream = client().createRowStream(SLOW_SQL);
    const id = await new Promise<string>((resolve) => {
      stream.on('id', resolve);
      // Rows are requested only once read.
      stream.resume();
    });
    const closed = new Promise<Error | undefined>((resolve) => {
      stream.on('error', (error: Error) => resolve(error));
      stream.on('close', () => resolve(undefined));
    });
    stream.destroy();
    // No error: the DELETE was answered 204, as lento expects.
    expect(await closed).toBeUndefined();
    await eventually(async () => (await server.store.get(id))?.state === 'CANCELED');
  });
});
