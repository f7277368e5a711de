import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * What a client hands back is checked before the store is asked: an id that cannot be one of
 * Bifrost's is an unknown query (404), however long. And a client that comes back for more rows
 * after the engine dropped them is told the results expired, as a user error.
 */
const HEADERS = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
let server: LocalServer;

beforeAll(async () => {
  // Results dropped 100 ms after their last read (the engine looks every second).
  server = await startLocalServer({ engineResultTtlMs: 100, sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await server.close();
});

async function post(sql: string): Promise<{ id: string; nextUri: string }> {
  const response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: HEADERS, body: sql });
  return (await response.json()) as { id: string; nextUri: string };
}

describe('query ids a client hands in', () => {
  it('answers 404 for an id that cannot be one of ours, before touching the store', async () => {
    const { id, nextUri } = await post('SELECT 1');
    const long = 'x'.repeat(3_000);
    const path = new URL(nextUri).pathname;
    const forged = path.replace(id, long);
    for (const [method, url] of [
      ['GET', `${server.url}${forged}`],
      ['DELETE', `${server.url}${forged}`],
      ['GET', `${server.url}${path.replace(id, `${id}x`)}`],
      ['DELETE', `${server.url}/v1/query/${long}`],
      ['GET', `${server.url}/v1/query/${long}`],
      ['DELETE', `${server.url}/v1/query/${encodeURIComponent("20250301_120000_00001_abc'd")}`],
    ] as const) {
      const response = await fetch(url, { method, headers: HEADERS });
      expect({ method, status: response.status }).toEqual({ method, status: 404 });
      expect(await response.text()).toBe('Query not found');
    }
    const login = await fetch(`${server.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'alice' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const admin = { Cookie: cookie, 'X-Bifrost-CSRF': csrfToken };
    expect((await fetch(`${server.url}/api/admin/queries/${long}`, { headers: admin })).status).toBe(404);
    expect((await fetch(`${server.url}/api/admin/queries/${long}/cancel`, { method: 'POST', headers: admin })).status).toBe(404);
    // The real id still answers.
    expect((await fetch(`${server.url}/v1/query/${id}`, { headers: HEADERS })).status).toBe(200);
  });
});

describe('results the engine no longer holds', () => {
  it('are a user error that names the query and the expiry, while history keeps FINISHED', async () => {
    let page = (await post('SELECT l_orderkey, l_comment FROM lineitem ORDER BY l_orderkey, l_linenumber')) as { id: string; nextUri?: string; data?: unknown[]; stats?: { state: string }; error?: Record<string, unknown> };
    let rows = 0;
    while (page.nextUri && rows === 0) {
      page = (await (await fetch(page.nextUri, { headers: HEADERS })).json()) as typeof page;
      rows += page.data?.length ?? 0;
    }
    expect(rows).toBeGreaterThan(0);
    expect(page.nextUri).toBeDefined();
    // The client pauses longer than the engine keeps results.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const next = (await (await fetch(page.nextUri!, { headers: HEADERS })).json()) as typeof page;
    expect(next.error).toMatchObject({ errorName: 'RESULTS_EXPIRED', errorType: 'USER_ERROR' });
    expect(next.error!.message).toBe(`The results of query ${page.id} have expired (target local keeps results 100 milliseconds after their last read); run the query again`);
    expect((await server.store.get(page.id))!.state).toBe('FINISHED');
  });
});
