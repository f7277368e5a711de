import { describe, expect, it } from 'vitest';
import { ClusterEngine, type ClusterEngineOptions } from '../../../../lambdas/core/engines/cluster/index.js';
import type { EnginePage } from '../../../../lambdas/core/ports/index.js';
import { QueryFailure } from '../../../../lambdas/core/errors.js';
import { readSession } from '../../../../lambdas/core/protocol/headers.js';
import { rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';
import { FakeCluster, header, submission, virtualTime, type SeenRequest } from './support.js';

const POLL = { maxWaitMs: 1000, maxRows: 20_000 };

function engine(cluster: FakeCluster, options: Partial<ClusterEngineOptions> = {}): ClusterEngine {
  return new ClusterEngine({ name: 'legacy', dialect: 'trino', url: cluster.base, fetch: cluster.fetch, ...options });
}

/** Follows the query from its handle to the end, as the gateway does (cursor by cursor). */
async function drain(e: ClusterEngine, handle: string): Promise<EnginePage[]> {
  const pages: EnginePage[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await e.poll(handle, cursor, POLL);
    pages.push(page);
    if (page.nextCursor === undefined) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('no end');
}

function asHeaders(request: SeenRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [n, v] of request.headers) (out[n.toLowerCase()] ??= []).push(v);
  return out;
}

describe('ClusterEngine: submit', () => {
  it("sends the client's session in the cluster's dialect, and nothing the gateway keeps for itself", async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster, { credentials: async () => ({ user: 'svc-bifrost', password: 's3cret' }) });
    const submitted = await e.submit(
      submission('SELECT * FROM t', {
        source: 'trino-jdbc',
        catalog: 'hive',
        schema: 'web',
        path: 'hive.web',
        timeZone: 'Europe/Berlin',
        language: 'en-US',
        traceToken: 'trace-1',
        clientInfo: 'dashboards',
        clientTags: ['etl', 'nightly'],
        clientCapabilities: ['PATH', 'PARAMETRIC_DATETIME'],
        properties: { query_max_run_time: '1h', 'hive.compression_codec': 'ZSTD, fast' },
        resourceEstimates: { EXECUTION_TIME: '1h' },
        roles: { hive: 'ROLE{admin}' },
        extraCredentials: { routing: 'legacy', 'hive.token': 'a b=c' },
        preparedStatements: { q1: 'SELECT 1', unused: 'SELECT 2' },
        transactionId: 'txn-1',
        routingGroup: 'etl',
      }),
    );
    expect(JSON.parse(submitted.handle)).toMatchObject({ id: '20240501_101010_00042_abcde', next: '/v1/statement/queued/20240501_101010_00042_abcde/y7f3a/1' });
    expect(submitted.engineQueryId).toBe('20240501_101010_00042_abcde');
    const [post] = cluster.made('POST', '/v1/statement');
    expect(post!.url).toBe('https://trino.example.com:8443/v1/statement');
    expect(post!.body).toBe('SELECT * FROM t');
    // What the cluster reads back is the client's session, minus the gateway's own hints.
    const seen = readSession(asHeaders(post!));
    expect(seen).toMatchObject({
      dialect: 'trino',
      user: 'alice',
      source: 'trino-jdbc',
      catalog: 'hive',
      schema: 'web',
      path: 'hive.web',
      timeZone: 'Europe/Berlin',
      language: 'en-US',
      traceToken: 'trace-1',
      clientInfo: 'dashboards',
      clientTags: ['etl', 'nightly'],
      clientCapabilities: ['PATH', 'PARAMETRIC_DATETIME'],
      properties: { query_max_run_time: '1h', 'hive.compression_codec': 'ZSTD, fast' },
      resourceEstimates: { EXECUTION_TIME: '1h' },
      roles: { hive: 'ROLE{admin}' },
      extraCredentials: { 'hive.token': 'a b=c' },
      preparedStatements: {},
    });
    // Transactions are the gateway's: the cluster never sees a gateway transaction id.
    expect(seen.transactionId).toBeUndefined();
    expect(header(post!, 'X-Trino-Transaction-Id')).toEqual(['NONE']);
    expect(seen.routingGroup).toBeUndefined();
    const names = post!.headers.map(([n]) => n.toLowerCase());
    expect(names.some((n) => n.startsWith('x-presto-'))).toBe(false);
    for (const forbidden of ['host', 'forwarded', 'via', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-trino-routing-group', 'x-trino-query-data-encoding']) expect(names).not.toContain(forbidden);
    expect(header(post!, 'Accept-Encoding')).toEqual(['gzip']);
    // The cluster's own credentials, never the client's.
    expect(header(post!, 'Authorization')).toEqual([`Basic ${Buffer.from('svc-bifrost:s3cret').toString('base64')}`]);
    expect(header(post!, 'Content-Type')).toEqual(['text/plain; charset=utf-8']);
  });

  it('sends only the prepared statements the statement runs', async () => {
    const cluster = new FakeCluster('trino-types');
    await engine(cluster).submit(submission('EXECUTE q1 USING 1', { preparedStatements: { q1: 'SELECT ?', q2: 'SELECT 2' } }));
    expect(header(cluster.requests[0]!, 'X-Trino-Prepared-Statement')).toEqual(['q1=SELECT+%3F']);
  });

  it('binds parameters as SQL literals', async () => {
    const cluster = new FakeCluster('trino-types');
    await engine(cluster).submit(submission("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?", {}, { parameters: ["'x''y'", '42'] }));
    expect(cluster.requests[0]!.body).toBe("SELECT * FROM t WHERE a = 'x''y' AND b = '?' AND c = 42");
  });

  it('speaks the Presto dialect to a Presto cluster', async () => {
    const cluster = new FakeCluster('presto-select');
    const e = engine(cluster, { dialect: 'presto' });
    const { handle } = await e.submit(submission('SELECT n, k FROM nation', { catalog: 'tpch', schema: 'tiny', properties: { a: 'b' }, originalUser: 'root' }));
    const post = cluster.requests[0]!;
    const names = post.headers.map(([n]) => n);
    expect(names).toContain('X-Presto-User');
    expect(names).toContain('X-Presto-Catalog');
    expect(names).toContain('X-Presto-Session');
    expect(names).toContain('X-Presto-Transaction-Id');
    expect(names.some((n) => n.toLowerCase().startsWith('x-trino-'))).toBe(false);
    expect(names).not.toContain('X-Presto-Original-User');
    // A Presto nextUri with a query string, and typeSignatures with Presto's argument kinds.
    const pages = await drain(e, handle);
    expect(cluster.made('GET', '/v1/statement/queued/')[0]!.url).toMatch(/\/queued\/20240501_101015_00047_zabcd\/1\?slug=x1&maxWait=1000ms&targetResultSize=400000B$/);
    expect(header(cluster.made('GET', '/v1/statement/')[0]!, 'X-Presto-User')).toEqual(['alice']);
    expect(pages.at(-1)!.columns!.map((c) => formatType(c.type))).toEqual(['varchar(25)', 'bigint']);
    expect(pages.at(-1)!.rows).toEqual([
      ['ALGERIA', 0],
      ['ARGENTINA', 1],
    ]);
  });

  it('retries a POST answered 503 (Trino starting: nothing ran), with linear back-off', async () => {
    const cluster = new FakeCluster('trino-types');
    const time = virtualTime();
    cluster.intercept = (r, attempt) => (r.method === 'POST' && attempt <= 2 ? { status: 503, body: 'Trino server is still initializing' } : undefined);
    const submitted = await engine(cluster, time).submit(submission('SELECT 1'));
    expect(submitted.engineQueryId).toBe('20240501_101010_00042_abcde');
    expect(cluster.made('POST', '/v1/statement')).toHaveLength(3);
    expect(time.sleeps).toEqual([100, 200]);
  });

  it('never retries a POST that may have reached the cluster', async () => {
    const cluster = new FakeCluster('trino-types');
    const time = virtualTime();
    cluster.intercept = (r) => (r.method === 'POST' ? Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET', message: 'socket hang up' } }) : undefined);
    const failure = await engine(cluster, time).submit(submission('INSERT INTO t VALUES 1')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(QueryFailure);
    expect((failure as QueryFailure).error).toMatchObject({ errorName: 'REMOTE_HOST_GONE' });
    expect((failure as QueryFailure).message).toMatch(/Cluster 'legacy' \(https:\/\/trino\.example\.com:8443\) is unreachable \(the query may have reached it\): ECONNRESET/);
    expect(cluster.made('POST', '/v1/statement')).toHaveLength(1);
  });

  it('retries a refused connection at submit until the budget is spent', async () => {
    const cluster = new FakeCluster('trino-types');
    const time = virtualTime();
    cluster.intercept = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } });
    const failure = (await engine(cluster, { ...time, submitBudgetMs: 2_000 })
      .submit(submission('SELECT 1'))
      .catch((e: unknown) => e)) as QueryFailure;
    expect(failure.error.errorName).toBe('REMOTE_HOST_GONE');
    expect(failure.message).toMatch(/ECONNREFUSED/);
    expect(time.sleeps).toEqual([100, 200, 300, 400, 500]);
  });

  it('reads the secret again once when the cluster answers 401', async () => {
    const cluster = new FakeCluster('trino-types');
    let reads = 0;
    cluster.intercept = (r) => (header(r, 'Authorization')[0]?.includes(Buffer.from('svc:old').toString('base64')) ? { status: 401, body: 'Unauthorized' } : undefined);
    const credentials = async (o?: { refresh?: boolean }) => {
      reads++;
      return { user: 'svc', password: o?.refresh ? 'new' : 'old' };
    };
    await engine(cluster, { credentials }).submit(submission('SELECT 1'));
    expect(reads).toBe(2);
    expect(cluster.made('POST', '/v1/statement')).toHaveLength(2);
  });

  it('refuses a redirect rather than following it', async () => {
    const cluster = new FakeCluster('trino-types');
    cluster.intercept = (r) => (r.method === 'POST' ? { status: 307, headers: { Location: ['http://attacker.example.com/v1/statement'] } } : undefined);
    const failure = (await engine(cluster).submit(submission('SELECT 1')).catch((e: unknown) => e)) as QueryFailure;
    expect(failure.message).toMatch(/redirect \(HTTP 307\)/);
    expect(cluster.requests.every((r) => r.url.startsWith(cluster.base))).toBe(true);
  });
});

describe('ClusterEngine: poll', () => {
  it('maps a recorded Trino result: states, columns with their upstream types, exact rows, stats', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster, { targetResultBytes: 240_000 });
    const { handle } = await e.submit(submission('SELECT ...'));
    const pages = await drain(e, handle);
    expect(pages.map((p) => p.state)).toEqual(['QUEUED', 'RUNNING', 'FINISHED']);
    const running = pages[1]!;
    expect(running.columns!.map((c) => [c.name, formatType(c.type)])).toEqual([
      ['id', 'bigint'],
      ['d', 'double'],
      ['r', 'real'],
      ['amt', 'decimal(10,2)'],
      ['name', 'varchar(10)'],
      ['ts', 'timestamp(3) with time zone'],
      ['m', 'map(bigint, varchar)'],
      ['rw', 'row(x bigint, "y z" varchar)'],
      ['tags', 'array(varchar)'],
      ['hll', 'HyperLogLog'],
      // A type with a type parameter the gateway cannot describe travels as varchar (base64 text).
      ['qd', 'varchar'],
    ]);
    const encode = rowEncoder(running.columns!.map((c) => c.type));
    expect(running.rows!.map(encode)).toEqual([
      '[9007199254740993,100000000000000000000.0,1.1,"12.30","héllo","2024-05-01 10:10:10.123 UTC",{"2":"b","1":"a"},[7,"x"],["p","q"],"AgwBAA==","AAAA"]',
      '[-9223372036854775808,2.0,"NaN","-0.01","a\\"b","2024-05-01 10:10:10.000 Europe/Berlin",{},[null,null],[],null,null]',
    ]);
    expect(running.stats).toMatchObject({ progressPercentage: 40, processedRows: 2, elapsedTimeMillis: 120, cpuTimeMillis: 12, peakMemoryBytes: 512 });
    expect(pages[2]!.rows!.map(encode)).toEqual(['[1,"-Infinity",0.0,"0.00","","1970-01-01 00:00:00.000 UTC",null,null,null,null,null]']);
    // Every GET asks for pages that fit, and long-polls.
    for (const get of cluster.made('GET', '/v1/statement/')) expect(new URL(get.url).searchParams.get('targetResultSize')).toBe('240000B');
    expect(new URL(cluster.made('GET', '/v1/statement/')[0]!.url).searchParams.get('maxWait')).toBe('1000ms');
  });

  it('serves the same page again for the same cursor', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT ...'));
    const first = await e.poll(handle, undefined, POLL);
    const a = await e.poll(handle, first.nextCursor, POLL);
    const b = await e.poll(handle, first.nextCursor, POLL);
    expect(b).toEqual(a);
  });

  it('keeps a page with rows for the cuts that read it again, and only that', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT ...'));
    const queued = await e.poll(handle, undefined, POLL);
    await e.poll(handle, queued.nextCursor, POLL);
    await e.poll(handle, queued.nextCursor, POLL);
    expect(cluster.made('GET', '/v1/statement/executing/')).toHaveLength(1);
    await e.poll(handle, undefined, POLL);
    // A page without rows is asked again (it may change: the long poll).
    expect(cluster.made('GET', '/v1/statement/queued/')).toHaveLength(2);
    const uncached = engine(cluster, { pageCacheBytes: 0 });
    await uncached.poll(handle, queued.nextCursor, POLL);
    expect(cluster.made('GET', '/v1/statement/executing/')).toHaveLength(2);
  });

  it('keeps a cluster error verbatim', async () => {
    const cluster = new FakeCluster('trino-failed');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT x FROM t'));
    const page = await e.poll(handle, undefined, POLL);
    expect(page.state).toBe('FAILED');
    expect(page.nextCursor).toBeUndefined();
    expect(page.error).toMatchObject({ message: "line 1:8: Column 'x' cannot be resolved", errorCode: 47, errorName: 'COLUMN_NOT_FOUND', errorType: 'USER_ERROR', errorLocation: { lineNumber: 1, columnNumber: 8 } });
    expect(page.error!.failureInfo).toMatchObject({ type: 'io.trino.spi.TrinoException', errorLocation: { lineNumber: 1, columnNumber: 8 } });
  });

  it('reports updateType and updateCount', async () => {
    const cluster = new FakeCluster('trino-insert');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('INSERT INTO t VALUES 1, 2, 3'));
    expect((await e.poll(handle, undefined, POLL)).update).toEqual({ type: 'INSERT', count: 3 });
  });

  it("passes the cluster's session and prepare headers back", async () => {
    const cluster = new FakeCluster('trino-session');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SET ROLE admin IN hive'));
    const page = await e.poll(handle, undefined, POLL);
    expect(page.sessionUpdate).toEqual({
      setCatalog: 'hive',
      setSchema: 'web',
      setRole: { hive: 'ROLE{admin}' },
      setSession: { query_max_run_time: '1h', 'hive.insert_existing_partitions_behavior': 'OVERWRITE' },
      addedPrepare: { q1: 'SELECT * FROM t WHERE a = ?, 1' },
    });
    expect(page.update).toEqual({ type: 'SET ROLE' });
  });

  it('refuses a nextUri that points at another host, and never calls it', async () => {
    const cluster = new FakeCluster('trino-other-host');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    const page = await e.poll(handle, undefined, POLL);
    expect(page.state).toBe('FAILED');
    expect(page.error!.message).toMatch(/Cluster 'legacy': The cluster returned a nextUri on another origin \(http:\/\/attacker\.example\.com:8080, expected https:\/\/trino\.example\.com:8443\): refused/);
    expect(cluster.requests.some((r) => r.url.includes('attacker'))).toBe(false);
    // The query is canceled on the cluster rather than left running.
    expect(cluster.made('DELETE', '/v1/query/20240501_101012_00044_klmno')).toHaveLength(1);
  });

  it('refuses a cursor that does not point at the configured cluster', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    for (const cursor of ['https://attacker.example.com/v1/statement/x', '//attacker.example.com/v1/statement/x', '/v1/query/x', '/v1/statement/../../x']) {
      const page = await e.poll(handle, cursor, POLL);
      expect(page.state).toBe('FAILED');
    }
    expect(cluster.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
  });

  it('retries 503 then succeeds, with linear back-off', async () => {
    const cluster = new FakeCluster('trino-types');
    const time = virtualTime();
    cluster.intercept = (r, attempt) => (r.method === 'GET' && attempt <= 2 ? { status: attempt === 1 ? 503 : 502, body: '' } : undefined);
    const e = engine(cluster, time);
    const { handle } = await e.submit(submission('SELECT 1'));
    const page = await e.poll(handle, undefined, POLL);
    expect(page.state).toBe('QUEUED');
    expect(time.sleeps).toEqual([100, 200]);
  });

  it('ends the query with REMOTE_HOST_GONE, naming the cluster, once the budget is spent', async () => {
    const cluster = new FakeCluster('trino-types');
    const time = virtualTime();
    const e = engine(cluster, { ...time, pollBudgetMs: 1_500 });
    const { handle } = await e.submit(submission('SELECT 1'));
    cluster.intercept = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:8443' } });
    const page = await e.poll(handle, undefined, POLL);
    expect(page.state).toBe('FAILED');
    expect(page.error).toMatchObject({ errorName: 'REMOTE_HOST_GONE', errorType: 'INTERNAL_ERROR' });
    expect(page.error!.message).toMatch(/^Cluster 'legacy' \(https:\/\/trino\.example\.com:8443\) stopped answering while running query 20240501_101010_00042_abcde: ECONNREFUSED/);
    expect(time.sleeps.slice(0, 4)).toEqual([100, 200, 300, 400]);
  });

  it('times out a request that never answers, without hanging', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster, { pollBudgetMs: 600, requestTimeoutMs: 100 });
    const { handle } = await e.submit(submission('SELECT 1'));
    cluster.intercept = () => 'hang';
    const started = Date.now();
    const page = await e.poll(handle, undefined, { maxWaitMs: 50, maxRows: 10 });
    expect(page.error!.errorName).toBe('REMOTE_HOST_GONE');
    expect(page.error!.message).toMatch(/no answer within 150 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('answers a cluster that lost the query (404) with a clear failure', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    cluster.intercept = (r) => (r.method === 'GET' ? { status: 404, body: 'Query not found' } : undefined);
    const page = await e.poll(handle, undefined, POLL);
    expect(page.error).toMatchObject({ errorName: 'REMOTE_HOST_GONE' });
    expect(page.error!.message).toMatch(/no longer knows query 20240501_101010_00042_abcde \(HTTP 404\)/);
  });

  it('fails clearly on rows that do not match the columns or invalid JSON', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    cluster.intercept = () => ({ status: 200, body: '{"id":"q","columns":[{"name":"a","type":"bigint"}],"data":[[1,2]],"stats":{"state":"FINISHED"}}' });
    expect((await e.poll(handle, undefined, POLL)).error!.message).toMatch(/row of 2 values for 1 columns/);
    cluster.intercept = () => ({ status: 200, body: '<html>proxy error</html>' });
    expect((await e.poll(handle, undefined, POLL)).error!.message).toMatch(/invalid JSON/);
    cluster.intercept = () => ({ status: 200, body: '{"id":"q","columns":[{"name":"a","type":"bigint"}],"data":{"encoding":"json+zstd","segments":[]},"stats":{"state":"RUNNING"}}' });
    expect((await e.poll(handle, undefined, POLL)).error!.message).toMatch(/spooled/);
  });
});

describe('ClusterEngine: cancel and kill_query', () => {
  it("cancels by DELETE on the query's nextUri", async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    await e.cancel(handle);
    expect(cluster.made('DELETE', '/v1/statement/queued/20240501_101010_00042_abcde/y7f3a/1')).toHaveLength(1);
    expect(cluster.made('DELETE', '/v1/query/')).toHaveLength(0);
  });

  it('falls back to DELETE /v1/query/{id}', async () => {
    const cluster = new FakeCluster('trino-types');
    const e = engine(cluster);
    const { handle } = await e.submit(submission('SELECT 1'));
    cluster.intercept = (r) => (r.method === 'DELETE' && r.url.includes('/statement/') ? { status: 404, body: 'Query not found' } : undefined);
    await e.cancel(handle);
    const [kill] = cluster.made('DELETE', '/v1/query/20240501_101010_00042_abcde');
    expect(kill).toBeDefined();
    expect(header(kill!, 'X-Trino-User')).toEqual(['alice']);
  });

  it("rewrites kill_query's gateway query id into the cluster's own id", async () => {
    const cluster = new FakeCluster('trino-types');
    const known = { '20240501_000000_00009_victm': { user: 'alice', target: 'legacy', engineQueryId: '20240501_101010_00001_upstr' }, '20240501_000000_00010_other': { user: 'alice', target: 'athena-adhoc', engineQueryId: 'uuid' }, '20240501_000000_00011_bobsq': { user: 'bob', target: 'legacy', engineQueryId: '20240501_101010_00002_upstr' } } as Record<string, { user: string; target: string; engineQueryId: string }>;
    const e = engine(cluster, { lookupQuery: async (id) => known[id] });
    await e.submit(submission("CALL system.runtime.kill_query(query_id => '20240501_000000_00009_victm', message => 'stop')"));
    expect(cluster.requests[0]!.body).toBe("CALL system.runtime.kill_query(query_id => '20240501_101010_00001_upstr', message => 'stop')");
    // A query that runs elsewhere cannot be killed on this cluster.
    const elsewhere = (await e.submit(submission("CALL system.runtime.kill_query('20240501_000000_00010_other')")).catch((x: unknown) => x)) as QueryFailure;
    expect(elsewhere.message).toMatch(/does not run on cluster 'legacy' but on target 'athena-adhoc'/);
    // Another user's query id is not resolved (nor revealed): the cluster's access control decides.
    await e.submit(submission("CALL system.runtime.kill_query('20240501_000000_00011_bobsq')"));
    expect(cluster.requests.at(-1)!.body).toBe("CALL system.runtime.kill_query('20240501_000000_00011_bobsq')");
  });
});

describe('ClusterEngine: health', () => {
  it('is healthy when /v1/info says the coordinator is not starting', async () => {
    const cluster = new FakeCluster('trino-types');
    cluster.intercept = (r) => (r.url.endsWith('/v1/info') ? { status: 200, body: '{"nodeVersion":{"version":"476"},"environment":"prod","coordinator":true,"starting":false,"uptime":"1.00d"}' } : undefined);
    expect(await engine(cluster).health()).toEqual({ healthy: true, detail: 'version 476' });
    cluster.intercept = (r) => (r.url.endsWith('/v1/info') ? { status: 200, body: '{"nodeVersion":{"version":"476"},"environment":"prod","coordinator":true,"starting":true}' } : undefined);
    expect(await engine(cluster).health()).toEqual({ healthy: false, detail: 'the coordinator is starting' });
    cluster.intercept = () => 'hang';
    const slow = await engine(cluster, { healthTimeoutMs: 50 }).health();
    expect(slow).toEqual({ healthy: false, detail: 'no answer within 50 ms' });
  });
});
