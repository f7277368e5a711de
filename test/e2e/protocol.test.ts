import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/** End to end through the local server: node:http, the gateway core, dynalite and DuckDB. */
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ gateway: { maxPageBytes: 64_000, pollWaitMs: 200 } });
});
afterAll(async () => {
  await server?.close();
});

const trino = (options: { catalog?: string; schema?: string } = { catalog: 'tpch', schema: 'tiny' }) => Trino.create({ server: server.url, auth: new BasicAuth('alice'), ...options });

async function collect(client: Trino, sql: string): Promise<{ columns: QueryResult['columns']; rows: unknown[][]; pages: number; last: QueryResult }> {
  const iterator = await client.query(sql);
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  let pages = 0;
  let last!: QueryResult;
  for await (const page of iterator) {
    pages++;
    last = page;
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
  }
  return { columns, rows, pages, last };
}

interface RawPage {
  id: string;
  nextUri?: string;
  columns?: { name: string; type: string; typeSignature: { rawType: string; arguments: unknown[] } }[];
  data?: unknown[][];
  error?: { errorName: string; errorType: string; errorCode: number; message: string };
  stats: { state: string };
  updateType?: string;
  updateCount?: number;
}

/** A raw protocol client: POST, then follow nextUri; returns every page with its headers. */
async function raw(sql: string, headers: Record<string, string> = {}): Promise<{ pages: { status: number; headers: Headers; text: string; json?: RawPage }[]; final: RawPage; rows: unknown[][] }> {
  const base = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny', ...headers };
  const pages: { status: number; headers: Headers; text: string; json?: RawPage }[] = [];
  let response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: base, body: sql });
  const rows: unknown[][] = [];
  for (;;) {
    const text = await response.text();
    const page = { status: response.status, headers: response.headers, text, json: response.status === 200 ? (JSON.parse(text) as RawPage) : undefined };
    pages.push(page);
    if (!page.json) throw new Error(`HTTP ${response.status}: ${text}`);
    if (page.json.data) rows.push(...page.json.data);
    if (!page.json.nextUri) return { pages, final: page.json, rows };
    response = await fetch(page.json.nextUri, { headers: base });
  }
}

describe('the protocol through trino-client', () => {
  it('runs SELECT 1', async () => {
    const { columns, rows } = await collect(trino(), 'SELECT 1');
    expect(rows).toEqual([[1]]);
    expect(columns?.[0]?.type).toBe('integer');
  });

  it('pages a 100,000-row result with the exact row count', async () => {
    const { rows, pages } = await collect(trino(), 'SELECT l_orderkey, n_name FROM lineitem CROSS JOIN nation LIMIT 100000');
    expect(rows).toHaveLength(100_000);
    expect(pages).toBeGreaterThan(10);
    expect(rows.every((r) => r.length === 2 && typeof r[1] === 'string')).toBe(true);
  });

  it('encodes every type as Trino does', async () => {
    const sql = `SELECT true AS b, CAST(7 AS tinyint) AS ti, CAST(7 AS smallint) AS si, 7 AS i, 9007199254740993 AS bi,
      CAST(1.5 AS real) AS r, CAST(2 AS double) AS d, CAST('NaN' AS double) AS nan, CAST('12.30' AS decimal(10,2)) AS dc,
      'héllo' AS v, X'48656C' AS vb, DATE '2024-05-01' AS dt, TIMESTAMP '2024-05-01 10:10:10.123456' AS ts,
      ARRAY[1, 2] AS arr, MAP(ARRAY['a'], ARRAY[1]) AS m, CAST(ROW(1, 'x') AS ROW(x integer, y varchar)) AS rw, CAST(NULL AS varchar) AS n`;
    const { final, pages } = await raw(sql, { 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' });
    const types = Object.fromEntries(final.columns!.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ b: 'boolean', ti: 'tinyint', si: 'smallint', i: 'integer', bi: 'bigint', r: 'real', d: 'double', dc: 'decimal(10,2)', v: 'varchar', vb: 'varbinary', dt: 'date', ts: 'timestamp(6)', arr: 'array(integer)', m: 'map(varchar, integer)', rw: 'row(x integer, y varchar)', n: 'varchar' });
    const varchar = final.columns!.find((c) => c.name === 'v')!;
    expect(varchar.typeSignature).toEqual({ rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] });
    const text = pages.find((p) => p.json?.data)!.text;
    // Raw JSON: the double is a float token, the big integer exact, the decimal a string.
    expect(text).toContain('[true,7,7,7,9007199254740993,1.5,2.0,"NaN","12.30","héllo","SGVs","2024-05-01","2024-05-01 10:10:10.123456",[1,2],{"a":1},[1,"x"],null]');
  });

  it('reports timestamps with millisecond precision to clients without PARAMETRIC_DATETIME', async () => {
    const { final, rows } = await raw(`SELECT TIMESTAMP '2024-05-01 10:10:10.123456' AS ts`);
    expect(final.columns![0]!.type).toBe('timestamp');
    expect(rows).toEqual([['2024-05-01 10:10:10.123']]);
  });

  it('applies USE to later unqualified queries', async () => {
    const client = trino({});
    const use = await collect(client, 'USE tpch.tiny');
    expect(use.rows).toEqual([[true]]);
    const { rows } = await collect(client, 'SELECT count(*) FROM nation');
    expect(rows).toEqual([[25]]);
  });

  it('runs PREPARE then EXECUTE with parameters', async () => {
    const client = trino();
    await collect(client, 'PREPARE by_key FROM SELECT n_name FROM nation WHERE n_nationkey = ?');
    const { rows } = await collect(client, 'EXECUTE by_key USING 3');
    expect(rows).toEqual([['CANADA']]);
  });

  it('fails a syntax error with SYNTAX_ERROR', async () => {
    const { last } = await collect(trino(), 'SELEC 1');
    expect(last.error?.errorName).toBe('SYNTAX_ERROR');
    expect(last.error?.errorType).toBe('USER_ERROR');
    expect(last.stats?.state).toBe('FAILED');
  });

  it('fails an unknown table with TABLE_NOT_FOUND', async () => {
    const { last } = await collect(trino(), 'SELECT * FROM no_such_table');
    expect(last.error?.errorName).toBe('TABLE_NOT_FOUND');
    expect(last.error?.errorCode).toBe(46);
  });
});

describe('session statements', () => {
  it('answers SET SESSION with updateType and the Set-Session header on the final response', async () => {
    const { final, pages } = await raw(`SET SESSION query_max_run_time = '1h'`);
    expect(final.updateType).toBe('SET SESSION');
    expect(final.columns).toEqual([{ name: 'result', type: 'boolean', typeSignature: { rawType: 'boolean', arguments: [] } }]);
    expect(pages.at(-1)!.headers.get('x-trino-set-session')).toBe('query_max_run_time=1h');
  });

  it('answers RESET SESSION, PREPARE and DEALLOCATE with their headers', async () => {
    const reset = await raw('RESET SESSION query_max_run_time');
    expect(reset.pages.at(-1)!.headers.get('x-trino-clear-session')).toBe('query_max_run_time');
    const prepare = await raw('PREPARE my_query FROM SELECT * FROM nation WHERE n_name = ?');
    expect(prepare.final.updateType).toBe('PREPARE');
    expect(prepare.pages.at(-1)!.headers.get('x-trino-added-prepare')).toBe('my_query=SELECT+*+FROM+nation+WHERE+n_name+%3D+%3F');
    const deallocate = await raw('DEALLOCATE PREPARE my_query', { 'X-Trino-Prepared-Statement': 'my_query=SELECT+1' });
    expect(deallocate.pages.at(-1)!.headers.get('x-trino-deallocated-prepare')).toBe('my_query');
  });

  it('starts and ends transactions as JDBC with auto-commit off needs', async () => {
    const start = await raw('START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ WRITE');
    const id = start.pages.at(-1)!.headers.get('x-trino-started-transaction-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const commit = await raw('COMMIT', { 'X-Trino-Transaction-Id': id! });
    expect(commit.final.updateType).toBe('COMMIT');
    expect(commit.pages.at(-1)!.headers.get('x-trino-clear-transaction-id')).toBe('true');
  });

  it('resolves EXECUTE IMMEDIATE and DESCRIBE INPUT/OUTPUT', async () => {
    const immediate = await raw(`EXECUTE IMMEDIATE 'SELECT n_name FROM nation WHERE n_nationkey = ?' USING 6`);
    expect(immediate.rows).toEqual([['FRANCE']]);
    const prepared = { 'X-Trino-Prepared-Statement': 'q1=SELECT+n_name%2C+n_nationkey+FROM+nation+WHERE+n_regionkey+%3D+%3F' };
    const input = await raw('DESCRIBE INPUT q1', prepared);
    expect(input.rows).toEqual([[0, 'unknown']]);
    const output = await raw('DESCRIBE OUTPUT q1', prepared);
    expect(output.final.columns!.map((c) => c.name)).toEqual(['Column Name', 'Catalog', 'Schema', 'Table', 'Type', 'Type Size', 'Aliased']);
    expect(output.rows.map((r) => [r[0], r[4]])).toEqual([
      ['n_name', 'varchar'],
      ['n_nationkey', 'bigint'],
    ]);
  });

  it('answers DDL with a boolean result and INSERT with rows and updateCount', async () => {
    const create = await raw('CREATE TABLE memory."default".visits (id bigint, page varchar)');
    expect(create.final.updateType).toBe('CREATE TABLE');
    expect(create.final.columns!.map((c) => [c.name, c.type])).toEqual([['result', 'boolean']]);
    const insert = await raw(`INSERT INTO memory."default".visits VALUES (1, 'a'), (2, 'b')`);
    expect(insert.final.updateType).toBe('INSERT');
    expect(insert.final.updateCount).toBe(2);
    expect(insert.final.columns!.map((c) => [c.name, c.type])).toEqual([['rows', 'bigint']]);
    expect(insert.rows).toEqual([[2]]);
  });
});

describe('polling, cancel and tokens', () => {
  it('returns the same page for a repeated GET of the same nextUri', async () => {
    const headers = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    let page = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT * FROM lineitem' })).json()) as RawPage;
    while (page.nextUri && !page.data) page = (await (await fetch(page.nextUri, { headers })).json()) as RawPage;
    const uri = page.nextUri!;
    const first = await (await fetch(uri, { headers })).text();
    const again = await (await fetch(uri, { headers })).text();
    const strip = (t: string) => t.replace(/"elapsedTimeMillis":\d+/, '').replace(/"queuedTimeMillis":\d+/, '');
    expect(strip(again)).toBe(strip(first));
    expect((JSON.parse(first) as RawPage).data!.length).toBeGreaterThan(0);
  });

  it('cancels a query in flight: DELETE answers 204 and the query ends canceled', async () => {
    const headers = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation c' })).json()) as RawPage;
    const polled = (await (await fetch(posted.nextUri!, { headers })).json()) as RawPage;
    expect(['QUEUED', 'RUNNING']).toContain(polled.stats.state);
    const deleted = await fetch(polled.nextUri!, { method: 'DELETE', headers });
    expect(deleted.status).toBe(204);
    const after = (await (await fetch(polled.nextUri!, { headers })).json()) as RawPage;
    expect(after.error?.errorName).toBe('USER_CANCELED');
    const record = await server.store.get(posted.id);
    expect(record?.state).toBe('CANCELED');
    expect(record?.endReason).toContain('DELETE');
  });

  it('answers 404 to a tampered nextUri and to another user replaying it', async () => {
    const headers = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT 1' })).json()) as RawPage;
    const uri = posted.nextUri!;
    const tampered = uri.replace(/\/([^/]+)\/([^/]+)$/, (_m, payload: string, sig: string) => `/${Buffer.from('{"n":0,"c":"999"}').toString('base64url')}/${sig}`);
    const a = await fetch(tampered, { headers });
    expect(a.status).toBe(404);
    expect(await a.text()).toBe('Query not found');
    const b = await fetch(uri, { headers: { ...headers, 'X-Trino-User': 'mallory' } });
    expect(b.status).toBe(404);
    const c = await fetch(uri.replace(posted.id, '20200101_000000_00000_aaaaa'), { headers });
    expect(c.status).toBe(404);
    expect((await fetch(uri, { headers })).status).toBe(200);
  });

  it('gzips pages when the client accepts it', async () => {
    const { pages } = await raw('SELECT * FROM nation', { 'Accept-Encoding': 'gzip' });
    // fetch decompresses transparently; the header tells what travelled.
    expect(pages.some((p) => p.headers.get('content-encoding') === 'gzip')).toBe(true);
    expect(pages.flatMap((p) => p.json?.data ?? [])).toHaveLength(25);
  });
});

describe('bad input', () => {
  const post = (body: string | Uint8Array, headers: Record<string, string> = { 'X-Trino-User': 'alice' }) => fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body });

  it('refuses an empty body, non-UTF-8, no user, mixed dialects and malformed headers with 400', async () => {
    const cases: [Promise<Response>, string][] = [
      [post(''), 'SQL statement is empty'],
      [post(new Uint8Array([0x53, 0xff, 0xfe])), 'Query text is not valid UTF-8'],
      [post('SELECT 1', { 'X-Trino-User': 'a', 'X-Presto-User': 'a' }), 'Request contains both X-Trino- and X-Presto- headers: use one protocol'],
      [post('SELECT 1', { 'X-Trino-User': 'a', 'X-Trino-Session': 'no_equals_sign' }), 'Invalid X-Trino-Session header'],
      [post('SELECT 1', { 'X-Trino-User': 'a', 'X-Trino-Schema': 'tiny' }), 'Schema is set but catalog is not'],
    ];
    for (const [response, message] of cases) {
      const r = await response;
      expect(r.status).toBe(400);
      expect(await r.text()).toBe(message);
    }
  });

  it('asks for credentials when no user is sent, as Trino without authentication does', async () => {
    const r = await post('SELECT 1', {});
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="Trino"');
    expect(await r.text()).toBe('Basic authentication or X-Trino-User must be sent');
  });

  it('fails SQL over 256 KB as a query with QUERY_TEXT_TOO_LARGE', async () => {
    const { final } = await raw(`SELECT '${'x'.repeat(262_200)}'`);
    expect(final.error?.errorName).toBe('QUERY_TEXT_TOO_LARGE');
  });

  it('answers unknown paths with 404 and wrong methods with 405, and keeps serving', async () => {
    expect((await fetch(`${server.url}/v2/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/statement`, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await fetch(`${server.url}/v1/info`)).status).toBe(200);
  });

  it('refuses two statements in one request', async () => {
    const { final } = await raw('SELECT 1; DROP TABLE nation');
    expect(final.error?.errorName).toBe('SYNTAX_ERROR');
    const { rows } = await raw('SELECT count(*) FROM nation');
    expect(rows).toEqual([[25]]);
  });

  it('answers /v1/info with the fields JDBC needs, and HEAD /v1/statement', async () => {
    const info = (await (await fetch(`${server.url}/v1/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ nodeVersion: { version: expect.any(String) }, environment: expect.any(String), coordinator: true, starting: false });
    expect((await fetch(`${server.url}/v1/statement`, { method: 'HEAD', headers: { 'X-Trino-User': 'alice' } })).status).toBe(200);
  });
});
