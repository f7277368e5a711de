import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
// presto-client has no type declarations.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import presto from 'presto-client';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * The gateway answers as a Trino coordinator does where clients look beyond the
 * statement protocol (infoUri, /v1/node, /v1/query/{id}), and its last data page carries a
 * nextUri, the final answer no rows.
 */
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ gateway: { maxPageBytes: 64_000, pollWaitMs: 200 } });
});
afterAll(async () => {
  await server?.close();
});

const trino = (user = 'alice') => Trino.create({ server: server.url, auth: new BasicAuth(user), catalog: 'tpch', schema: 'tiny' });

/** As Malloy reads trino-client: next() until done, counting the rows of every value, the last one included. */
async function malloyRows(client: Trino, sql: string): Promise<{ rows: unknown[][]; final: QueryResult }> {
  const iterator = await client.query(sql);
  const rows: unknown[][] = [];
  let result = await iterator.next();
  for (;;) {
    if (result.value.error) throw new Error(result.value.error.message);
    rows.push(...(result.value.data ?? []));
    if (result.done) return { rows, final: result.value };
    result = await iterator.next();
  }
}

interface Page {
  id: string;
  infoUri: string;
  nextUri?: string;
  columns?: unknown[];
  data?: unknown[][];
  stats: { state: string };
  error?: { errorName: string; message: string };
  updateType?: string;
  updateCount?: number;
}

interface QueryInfo {
  queryId: string;
  state: string;
  query: string;
  self: string;
  session: { user: string };
  queryStats: { createTime: string; endTime?: string };
  error?: { errorName: string };
  errorCode?: { name: string };
}

const headersOf = (user = 'alice', dialect: 'Trino' | 'Presto' = 'Trino') => ({ [`X-${dialect}-User`]: user, [`X-${dialect}-Catalog`]: 'tpch', [`X-${dialect}-Schema`]: 'tiny' });

async function raw(sql: string, headers: Record<string, string> = headersOf()): Promise<{ pages: { json: Page; headers: Headers }[]; final: Page; finalHeaders: Headers }> {
  const pages: { json: Page; headers: Headers }[] = [];
  let response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: sql });
  for (;;) {
    const json = (await response.json()) as Page;
    pages.push({ json, headers: response.headers });
    if (!json.nextUri) return { pages, final: json, finalHeaders: response.headers };
    response = await fetch(json.nextUri, { headers });
  }
}

function runPresto(sql: string): Promise<{ rows: unknown[][]; error?: unknown }> {
  const client = new presto.Client({ host: '127.0.0.1', port: server.port, user: 'carol', catalog: 'tpch', schema: 'tiny', checkInterval: 10 });
  return new Promise((resolve) => {
    const rows: unknown[][] = [];
    client.execute({
      query: sql,
      data: (_e: unknown, d: unknown[][]) => rows.push(...d),
      success: () => resolve({ rows }),
      error: (error: unknown) => resolve({ rows, error }),
    });
  });
}

describe('the final answer carries no rows', () => {
  it('gives trino-client read as Malloy does the exact row count of lineitem', async () => {
    const [[count]] = (await malloyRows(trino(), 'SELECT count(*) FROM lineitem')).rows as [[number]];
    expect(count).toBeGreaterThan(50_000);
    const { rows, final } = await malloyRows(trino(), 'SELECT l_orderkey, l_linenumber, l_comment FROM lineitem');
    expect(rows).toHaveLength(count);
    expect(final.stats?.state).toBe('FINISHED');
    expect(final.data).toBeUndefined();
  });

  it('gives trino-client the exact count of a generated 100,000-row result, and of one row', async () => {
    expect((await malloyRows(trino(), 'SELECT * FROM UNNEST(sequence(1, 100000)) AS t(n)')).rows).toHaveLength(100_000);
    expect((await malloyRows(trino(), 'SELECT 1')).rows).toEqual([[1]]);
  });

  it('gives presto-client the exact row count of lineitem', async () => {
    const { rows, error } = await runPresto('SELECT l_orderkey, l_comment FROM lineitem');
    expect(error).toBeUndefined();
    const counted = await runPresto('SELECT count(*) FROM lineitem');
    expect(rows).toHaveLength(Number(counted.rows[0]![0]));
  });

  it('puts every row on a page with a nextUri, and none on the FINISHED answer', async () => {
    const { pages, final } = await raw('SELECT o_orderkey, o_comment FROM orders');
    for (const { json } of pages) if (json.data?.length) expect(json.nextUri).toBeDefined();
    expect(final.stats.state).toBe('FINISHED');
    expect(final.data).toBeUndefined();
    // As Trino, the final answer repeats the columns.
    expect(final.columns).toHaveLength(2);
    expect(pages.reduce((n, p) => n + (p.json.data?.length ?? 0), 0)).toBe(15_000);
  });

  it('answers an empty result FINISHED with its columns and no rows', async () => {
    const { pages, final } = await raw('SELECT o_orderkey FROM orders WHERE o_orderkey < 0');
    expect(final.columns).toHaveLength(1);
    expect(pages.some((p) => p.json.data?.length)).toBe(false);
  });

  it('keeps updateType, updateCount and the session headers on the final answer', async () => {
    const set = await raw(`SET SESSION query_max_run_time = '1h'`);
    expect(set.pages.some((p) => p.json.data?.length && p.json.nextUri)).toBe(true);
    expect(set.final.updateType).toBe('SET SESSION');
    expect(set.final.data).toBeUndefined();
    expect(set.finalHeaders.get('x-trino-set-session')).toBe('query_max_run_time=1h');
    // JDBC tells an update from a query by the first page with columns: it names the updateType.
    expect(set.pages.find((p) => p.json.columns)!.json.updateType).toBe('SET SESSION');

    await raw('CREATE TABLE memory."default".issue20 (id bigint)');
    const insert = await raw('INSERT INTO memory."default".issue20 VALUES (1), (2), (3)');
    expect(insert.final.updateType).toBe('INSERT');
    expect(insert.final.updateCount).toBe(3);
    expect(insert.final.data).toBeUndefined();
  });

  it('answers DESCRIBE OUTPUT with its rows before the final answer', async () => {
    await raw('PREPARE issue20_stmt FROM SELECT o_orderkey, o_comment FROM orders');
    const headers = { ...headersOf(), 'X-Trino-Prepared-Statement': 'issue20_stmt=' + encodeURIComponent('SELECT o_orderkey, o_comment FROM orders') };
    const { pages, final } = await raw('DESCRIBE OUTPUT issue20_stmt', headers);
    expect(final.data).toBeUndefined();
    expect(final.stats.state).toBe('FINISHED');
    expect(pages.flatMap((p) => p.json.data ?? []).map((r) => r[0])).toEqual(['o_orderkey', 'o_comment']);
  });
});

describe('infoUri and the old query page', () => {
  it('names the admin page detail of the query, and redirects /ui/query.html there', async () => {
    const { final } = await raw('SELECT 1');
    expect(final.infoUri).toBe(`${server.url}/admin/queries/${final.id}`);
    const old = await fetch(`${server.url}/ui/query.html?${final.id}`, { redirect: 'manual' });
    expect(old.status).toBe(302);
    expect(old.headers.get('location')).toBe(final.infoUri);
  });
});

describe('GET /v1/node', () => {
  it('lists the gateway as one node, as a coordinator does', async () => {
    const response = await fetch(`${server.url}/v1/node`, { headers: { 'X-Trino-User': 'alice' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const nodes = (await response.json()) as Record<string, unknown>[];
    expect(nodes).toHaveLength(1);
    expect(Object.keys(nodes[0]!).sort()).toEqual(
      ['age', 'lastRequestTime', 'lastResponseTime', 'recentFailureRatio', 'recentFailures', 'recentFailuresByType', 'recentRequests', 'recentSuccesses', 'uri'].sort(),
    );
    expect(nodes[0]!.uri).toBe(server.url);
  });

  it('answers presto-client nodes()', async () => {
    const client = new presto.Client({ host: '127.0.0.1', port: server.port, user: 'carol' });
    const nodes = await new Promise<unknown[]>((resolve, reject) => client.nodes(null, (error: unknown, data: unknown[]) => (error ? reject(new Error(JSON.stringify(error))) : resolve(data))));
    expect(nodes).toHaveLength(1);
  });
});

describe('GET /v1/query/{id}', () => {
  it('answers the owner the query info, in the Trino dialect', async () => {
    const { final } = await raw('SELECT 42 AS answer');
    const response = await fetch(`${server.url}/v1/query/${final.id}`, { headers: { 'X-Trino-User': 'alice' } });
    expect(response.status).toBe(200);
    const info = (await response.json()) as QueryInfo;
    expect(info).toMatchObject({ queryId: final.id, state: 'FINISHED', query: 'SELECT 42 AS answer', self: `${server.url}/v1/query/${final.id}`, session: { user: 'alice' } });
    expect(info.queryStats.createTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(info.queryStats.endTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(info.error).toBeUndefined();
  });

  it('answers the error of a failed query', async () => {
    const { final } = await raw('SELECT * FROM missing_table');
    const info = (await (await fetch(`${server.url}/v1/query/${final.id}`, { headers: { 'X-Trino-User': 'alice' } })).json()) as QueryInfo;
    expect(info.state).toBe('FAILED');
    expect(info.error?.errorName).toBe('TABLE_NOT_FOUND');
    expect(info.errorCode?.name).toBe('TABLE_NOT_FOUND');
  });

  it('answers 404 to another user, and to an unknown id', async () => {
    const { final } = await raw('SELECT 1');
    expect((await fetch(`${server.url}/v1/query/${final.id}`, { headers: { 'X-Trino-User': 'mallory' } })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/query/${final.id}`, { headers: { 'X-Presto-User': 'mallory' } })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/query/20240101_000000_00000_aaaaa`, { headers: { 'X-Trino-User': 'alice' } })).status).toBe(404);
  });

  it('answers presto-client query() in the Presto dialect', async () => {
    const { final } = await raw('SELECT 7', headersOf('carol', 'Presto'));
    const client = new presto.Client({ host: '127.0.0.1', port: server.port, user: 'carol' });
    const info = await new Promise<QueryInfo>((resolve, reject) => client.query(final.id, (error: unknown, data: QueryInfo) => (error ? reject(new Error(JSON.stringify(error))) : resolve(data))));
    expect(info).toMatchObject({ queryId: final.id, state: 'FINISHED', query: 'SELECT 7', session: { user: 'carol' } });
    const other = new presto.Client({ host: '127.0.0.1', port: server.port, user: 'dave' });
    const refused = await new Promise<{ code?: number }>((resolve) => other.query(final.id, (error: { code?: number }) => resolve(error)));
    expect(refused.code).toBe(404);
  });

  it('still cancels with DELETE /v1/query/{id}', async () => {
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: headersOf(), body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b' })).json()) as Page;
    expect((await fetch(`${server.url}/v1/query/${posted.id}`, { method: 'DELETE', headers: { 'X-Trino-User': 'alice' } })).status).toBe(204);
    expect((await fetch(`${server.url}/v1/query/${posted.id}`, { method: 'PUT', headers: { 'X-Trino-User': 'alice' } })).status).toBe(405);
  });
});

describe('EXPLAIN', () => {
  it('answers one varchar column named Query Plan, one row of plan text', async () => {
    for (const sql of ['EXPLAIN SELECT o_orderkey FROM orders WHERE o_totalprice > 1000', 'EXPLAIN ANALYZE SELECT count(*) FROM nation']) {
      const { pages, final } = await raw(sql);
      expect(final.error, sql).toBeUndefined();
      expect(final.columns, sql).toEqual([expect.objectContaining({ name: 'Query Plan', type: 'varchar' })]);
      const rows = pages.flatMap((p) => p.json.data ?? []);
      expect(rows, sql).toHaveLength(1);
      expect(typeof rows[0]![0]).toBe('string');
      expect((rows[0]![0] as string).length).toBeGreaterThan(10);
    }
  });
});
