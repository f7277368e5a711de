import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../../lambdas/local/server.js';

/**
 * Closing the local server while work is under way: a query's end still on its way to tracking
 * (delivered 50 ms after it happens) and a sweep running. Nothing may reach the store after it has
 * stopped; a late write used to throw from inside the store, out of every promise.
 */
describe('closing the local server', () => {
  it('lets a sweep and the state changes in flight finish, and takes none after, with queries ending as it closes', async () => {
    const server = await startLocalServer({ sweepIntervalMs: 3_600_000 });
    const headers = { 'X-Trino-User': 'ann', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    const run = async (sql: string) => {
      let page = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: sql })).json()) as { nextUri?: string; stats: { state: string } };
      while (page.nextUri) page = (await (await fetch(page.nextUri, { headers })).json()) as typeof page;
      return page.stats.state;
    };
    expect(await Promise.all([run('SELECT 1'), run('SELECT count(*) FROM orders'), run('SELECT * FROM nation')])).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
    // Their ends are due in 50 ms; a sweep starts; the server closes at once.
    const sweep = server.sweep();
    await server.close();
    await expect(sweep).resolves.toBeUndefined();
    // Past the time any dropped delivery would have fired.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
});
