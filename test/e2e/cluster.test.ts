import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
// presto-client has no type declarations.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import presto from 'presto-client';
import { ClusterEngine, type ClusterEngineOptions, type HttpFetch } from '../../lambdas/core/engines/cluster/index.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * End to end: a gateway whose only target is a cluster, and the cluster is a second Bifrost
 * (it speaks the protocol, over DuckDB). Clients are the real trino-client and presto-client.
 */
interface Seen {
  method: string;
  url: string;
  headers: [string, string][];
  body?: string;
  status?: number;
  encoding?: string | null;
}

interface Proxy {
  gateway: LocalServer;
  upstream: LocalServer;
  seen: Seen[];
  /** Return a Response to answer instead of the cluster (fault injection). */
  fault: { next?: (request: Seen) => Response | undefined };
  close(): Promise<void>;
}

async function proxy(options: { dialect?: 'trino' | 'presto'; gatewayPageBytes?: number; engine?: Partial<ClusterEngineOptions>; ownUpstream?: LocalServer } = {}): Promise<Proxy> {
  const upstream = options.ownUpstream ?? (await startLocalServer({ gateway: { maxPageBytes: 4_000_000, pollWaitMs: 100 } }));
  const seen: Seen[] = [];
  const fault: Proxy['fault'] = {};
  const spy: HttpFetch = async (url, init) => {
    const entry: Seen = { method: init.method, url, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}) };
    seen.push(entry);
    const injected = fault.next?.(entry);
    const response = injected ?? (await fetch(url, init));
    entry.status = response.status;
    entry.encoding = response.headers.get('content-encoding');
    return response;
  };
  const ref: { gateway?: LocalServer } = {};
  const engine = new ClusterEngine({
    name: 'legacy',
    dialect: options.dialect ?? 'trino',
    url: upstream.url,
    fetch: spy,
    targetResultBytes: 200_000,
    lookupQuery: async (id) => ref.gateway?.store.get(id),
    ...options.engine,
  });
  const gateway = await startLocalServer({ engines: { legacy: engine }, gateway: { maxPageBytes: options.gatewayPageBytes ?? 32_000, pollWaitMs: 200 } });
  ref.gateway = gateway;
  return {
    gateway,
    upstream,
    seen,
    fault,
    close: async () => {
      await gateway.close();
      if (!options.ownUpstream) await upstream.close().catch(() => undefined);
    },
  };
}

const trino = (url: string) => Trino.create({ server: url, auth: new BasicAuth('alice'), catalog: 'tpch', schema: 'tiny' });

async function collect(client: Trino, sql: string): Promise<{ columns: QueryResult['columns']; rows: unknown[][]; pages: number; error?: QueryResult['error'] }> {
  const iterator = await client.query(sql);
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  let pages = 0;
  let error: QueryResult['error'];
  for await (const page of iterator) {
    pages++;
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
    if (page.error) error = page.error;
  }
  return { columns, rows, pages, ...(error ? { error } : {}) };
}

interface RawPage {
  id: string;
  nextUri?: string;
  infoUri?: string;
  partialCancelUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  error?: { errorName: string; message: string };
  stats: { state: string };
}

const HEADERS = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny', 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' };

/** POST and follow nextUri; keeps every page's raw text. */
async function raw(base: string, sql: string, headers: Record<string, string> = HEADERS, stopAfter = Infinity): Promise<{ pages: { text: string; json: RawPage; headers: Headers }[]; final: RawPage }> {
  let response = await fetch(`${base}/v1/statement`, { method: 'POST', headers, body: sql });
  const pages: { text: string; json: RawPage; headers: Headers }[] = [];
  for (;;) {
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
    const json = JSON.parse(text) as RawPage;
    pages.push({ text, json, headers: response.headers });
    if (!json.nextUri || pages.length >= stopAfter) return { pages, final: json };
    response = await fetch(json.nextUri, { headers });
  }
}

/** The `data` arrays of a result, as raw JSON text, joined (the wire tokens, not JS values). */
function dataText(pages: { text: string }[]): string[] {
  return pages.flatMap((p) => {
    const m = /"data":(\[.*\])(?:,"|\})/s.exec(p.text);
    return m ? [m[1]!] : [];
  });
}

let shared: Proxy;
beforeAll(async () => {
  shared = await proxy();
});
afterAll(async () => {
  await shared?.close();
});

describe('a Trino cluster behind the gateway', () => {
  it('runs a query through trino-client with the same answer as the cluster', async () => {
    const sql = 'SELECT n_nationkey, n_name, n_regionkey FROM nation ORDER BY n_nationkey';
    const through = await collect(trino(shared.gateway.url), sql);
    const direct = await collect(trino(shared.upstream.url), sql);
    expect(through.error).toBeUndefined();
    expect(through.rows).toHaveLength(25);
    expect(through.rows).toEqual(direct.rows);
    expect(through.columns).toEqual(direct.columns);
  });

  it('re-encodes every value token for token (big integers, doubles, maps, rows, decimals)', async () => {
    const sql = `SELECT 9007199254740993 AS bi, CAST(2 AS double) AS d, CAST('NaN' AS double) AS nan, CAST('12.30' AS decimal(10,2)) AS dc,
      MAP(ARRAY[2, 1], ARRAY['b', 'a']) AS m, CAST(ROW(1, 'x') AS ROW(x integer, y varchar)) AS rw, ARRAY[1.5, 2.0] AS arr,
      TIMESTAMP '2024-05-01 10:10:10.123456' AS ts, X'48656C' AS vb, 'héllo "q"' AS v, CAST(NULL AS varchar) AS n`;
    const through = await raw(shared.gateway.url, sql);
    const direct = await raw(shared.upstream.url, sql);
    expect(through.final.error).toBeUndefined();
    expect(dataText(through.pages)).toEqual(dataText(direct.pages));
    expect(dataText(through.pages).join()).toContain('9007199254740993,2.0,"NaN","12.30"');
    const columns = (pages: { json: RawPage }[]) => pages.find((p) => p.json.columns)!.json.columns;
    expect(columns(through.pages)).toEqual(columns(direct.pages));
  });

  it('rewrites every URI: nothing in a response points at the cluster', async () => {
    const { pages } = await raw(shared.gateway.url, 'SELECT * FROM region');
    const upstreamHost = new URL(shared.upstream.url).host;
    for (const page of pages) {
      expect(page.text).not.toContain(upstreamHost);
      for (const uri of [page.json.nextUri, page.json.infoUri, page.json.partialCancelUri]) if (uri) expect(uri.startsWith(shared.gateway.url)).toBe(true);
    }
  });

  it('delivers a result far bigger than the byte cap complete and in order', async () => {
    const sql = 'SELECT l_orderkey, l_linenumber, l_comment FROM lineitem ORDER BY l_orderkey, l_linenumber';
    const before = shared.seen.length;
    const through = await collect(trino(shared.gateway.url), sql);
    const direct = await collect(trino(shared.upstream.url), sql);
    expect(through.error).toBeUndefined();
    expect(through.rows.length).toBeGreaterThan(50_000);
    expect(through.rows).toEqual(direct.rows);
    // The cluster's pages (4 MB) were cut to the gateway's 32 kB: many client pages per cluster page.
    expect(through.pages).toBeGreaterThan(direct.pages * 10);
    const gets = shared.seen.slice(before).filter((s) => s.method === 'GET');
    expect(gets.every((g) => new URL(g.url).searchParams.get('targetResultSize') === '200000B')).toBe(true);
  });

  it('uses gzip toward the cluster and toward the client', async () => {
    const before = shared.seen.length;
    const response = await fetch(`${shared.gateway.url}/v1/statement`, { method: 'POST', headers: HEADERS, body: 'SELECT * FROM lineitem LIMIT 2000' });
    let page = (await response.json()) as RawPage;
    let sawGzip = false;
    while (page.nextUri) {
      const next = await fetch(page.nextUri, { headers: { ...HEADERS, 'Accept-Encoding': 'gzip' } });
      if (next.headers.get('content-encoding') === 'gzip') sawGzip = true;
      page = (await next.json()) as RawPage;
    }
    expect(sawGzip).toBe(true);
    const upstream = shared.seen.slice(before);
    expect(upstream.every((s) => s.headers.some(([n, v]) => n === 'Accept-Encoding' && v === 'gzip'))).toBe(true);
    expect(upstream.some((s) => s.encoding === 'gzip')).toBe(true);
  });

  it('answers a forged or replayed token with 404 and never lets it reach the cluster', async () => {
    const a = await raw(shared.gateway.url, 'SELECT * FROM nation', HEADERS, 1);
    const b = await raw(shared.gateway.url, 'SELECT * FROM region', HEADERS, 1);
    const uriA = a.final.nextUri!;
    const uriB = b.final.nextUri!;
    const before = shared.seen.length;
    const parts = uriA.split('/');
    const forgedPayload = Buffer.from(JSON.stringify({ n: 1, c: `${new URL(shared.upstream.url).pathname}v1/query/x` })).toString('base64url');
    const tampered = [
      // A payload the gateway did not sign (a cursor of the attacker's choosing).
      [...parts.slice(0, -2), forgedPayload, parts.at(-1)].join('/'),
      // A signature changed by one character.
      [...parts.slice(0, -1), parts.at(-1)!.slice(0, -1) + (parts.at(-1)!.endsWith('A') ? 'B' : 'A')].join('/'),
      // Query B's token replayed on query A.
      uriA.replace(/[^/]+\/[^/]+$/, uriB.split('/').slice(-2).join('/')),
      // Query A's token presented for query B.
      uriA.replace(a.final.id, b.final.id),
    ];
    for (const uri of tampered) {
      expect((await fetch(uri, { headers: HEADERS })).status).toBe(404);
      expect((await fetch(uri, { method: 'DELETE', headers: HEADERS })).status).toBe(404);
    }
    expect(shared.seen.length).toBe(before);
    // The genuine URIs still work.
    expect((await fetch(uriA, { headers: HEADERS })).status).toBe(200);
  });

  it('retries a 503 from the cluster and then succeeds', async () => {
    let injected = 0;
    shared.fault.next = (request) => (request.method === 'GET' && injected++ < 2 ? new Response('busy', { status: 503 }) : undefined);
    try {
      const { rows, error } = await collect(trino(shared.gateway.url), 'SELECT r_name FROM region ORDER BY r_regionkey');
      expect(error).toBeUndefined();
      expect(rows.map((r) => r[0])).toEqual(['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST']);
      expect(injected).toBeGreaterThanOrEqual(2);
    } finally {
      shared.fault.next = undefined;
    }
  });

  it('cancels on the cluster when the client DELETEs', async () => {
    const response = await fetch(`${shared.gateway.url}/v1/statement`, { method: 'POST', headers: HEADERS, body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation' });
    const first = (await response.json()) as RawPage;
    expect((await fetch(first.nextUri!, { method: 'DELETE', headers: HEADERS })).status).toBe(204);
    const record = await shared.gateway.store.get(first.id);
    expect(record?.state).toBe('CANCELED');
    const upstreamRecord = await shared.upstream.store.get(record!.engineQueryId!);
    expect(upstreamRecord?.state).toBe('CANCELED');
    expect(shared.seen.some((s) => s.method === 'DELETE' && s.url.includes(record!.engineQueryId!))).toBe(true);
  });

  it('kills a gateway query with kill_query by cancelling it on the cluster that runs it', async () => {
    const victim = (await (await fetch(`${shared.gateway.url}/v1/statement`, { method: 'POST', headers: HEADERS, body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation' })).json()) as RawPage;
    const before = shared.seen.length;
    await raw(shared.gateway.url, `CALL system.runtime.kill_query(query_id => '${victim.id}', message => 'enough')`);
    const record = await shared.gateway.store.get(victim.id);
    expect(record?.state).toBe('CANCELED');
    expect(record?.error).toMatchObject({ errorName: 'ADMINISTRATIVELY_KILLED', message: 'Query killed. Message: enough' });
    // The gateway answered the CALL itself: the cluster saw the cancel, never the CALL.
    const upstream = shared.seen.slice(before);
    expect(upstream.some((s) => s.method === 'DELETE')).toBe(true);
    expect(upstream.some((s) => s.method === 'POST')).toBe(false);
  });
});

describe('a Presto cluster behind the gateway', () => {
  let p: Proxy;
  beforeAll(async () => {
    p = await proxy({ dialect: 'presto' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('speaks X-Presto to the cluster, and serves presto-client', async () => {
    const client = new presto.Client({ host: '127.0.0.1', port: p.gateway.port, user: 'carol', catalog: 'tpch', schema: 'tiny', checkInterval: 10 });
    const result = await new Promise<{ rows: unknown[][]; columns: { name: string; type: string }[]; error?: unknown }>((resolve) => {
      const rows: unknown[][] = [];
      let columns: { name: string; type: string }[] = [];
      client.execute({
        query: 'SELECT o_orderkey, o_orderdate, o_totalprice FROM orders ORDER BY o_orderkey',
        columns: (_e: unknown, c: typeof columns) => (columns = c),
        data: (_e: unknown, d: unknown[][]) => rows.push(...d),
        success: () => resolve({ rows, columns }),
        error: (error: unknown) => resolve({ rows, columns, error }),
      });
    });
    expect(result.error).toBeUndefined();
    expect(result.rows).toHaveLength(15_000);
    expect(result.columns.map((c) => c.type)).toEqual(['bigint', 'date', 'double']);
    const post = p.seen.find((s) => s.method === 'POST')!;
    const names = post.headers.map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['X-Presto-User', 'X-Presto-Catalog', 'X-Presto-Schema', 'X-Presto-Source']));
    expect(names.some((n) => n.toLowerCase().startsWith('x-trino-'))).toBe(false);
    expect(post.headers.find(([n]) => n === 'X-Presto-User')![1]).toBe('carol');
  });

  it('answers a Trino client in its own dialect whatever the cluster speaks', async () => {
    const { rows } = await collect(trino(p.gateway.url), 'SELECT count(*) FROM nation');
    expect(rows).toEqual([[25]]);
  });
});

describe('a cluster that dies mid-result', () => {
  it('ends the query with a clear protocol error, without hanging', async () => {
    const upstream = await startLocalServer({ gateway: { maxPageBytes: 200_000, pollWaitMs: 100 } });
    const p = await proxy({ ownUpstream: upstream, engine: { pollBudgetMs: 1_500, requestTimeoutMs: 1_000 } });
    try {
      const { pages } = await raw(p.gateway.url, 'SELECT l_orderkey, l_comment FROM lineitem ORDER BY l_orderkey', HEADERS, 3);
      const last = pages.at(-1)!.json;
      expect(last.nextUri).toBeDefined();
      await upstream.close();
      const started = Date.now();
      // Rows the gateway already holds may still come; then the poll that needs the cluster fails.
      let uri = last.nextUri!;
      let page: RawPage;
      for (let polls = 0; ; polls++) {
        const response = await fetch(uri, { headers: HEADERS });
        expect(response.status).toBe(200);
        page = (await response.json()) as RawPage;
        if (!page.nextUri || polls > 200) break;
        uri = page.nextUri;
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(page.stats.state).toBe('FAILED');
      expect(page.nextUri).toBeUndefined();
      expect(page.error?.errorName).toBe('REMOTE_HOST_GONE');
      expect(page.error?.message).toMatch(new RegExp(`^Cluster 'legacy' \\(${upstream.url.replace(/[.]/g, '\\.')}\\) stopped answering`));
      // The same URI again (a client retry) answers the same failure at once.
      const again = (await (await fetch(uri, { headers: HEADERS })).json()) as RawPage;
      expect(again.error?.errorName).toBe('REMOTE_HOST_GONE');
      // And trino-client sees a failed query, not a hang.
      const record = await p.gateway.store.get(page.id);
      expect(record?.state).toBe('FAILED');
    } finally {
      await p.close();
    }
  });

  it('fails a query submitted to a cluster that is down, clearly and at once', async () => {
    const upstream = await startLocalServer({ gateway: { pollWaitMs: 100 } });
    const p = await proxy({ ownUpstream: upstream, engine: { submitBudgetMs: 800 } });
    try {
      await upstream.close();
      const { rows, error } = await collect(trino(p.gateway.url), 'SELECT 1');
      expect(rows).toEqual([]);
      expect(error?.errorName).toBe('REMOTE_HOST_GONE');
      expect(error?.message).toMatch(/Cluster 'legacy' \(http:\/\/127\.0\.0\.1:\d+\) is unreachable: ECONNREFUSED/);
    } finally {
      await p.close();
    }
  });
});
