import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * A queue limit under concurrent clients, through the whole local composition: the slots are
 * counter items in dynalite, taken by the POSTs and by the polls of waiting queries, given back
 * by the writes that end the queries.
 */
const LIMIT = 2;
let server: LocalServer;
const headers = { 'X-Trino-User': 'ann', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };

beforeAll(async () => {
  const config = parseConfigText(`
version: 1
targets:
  local:
    type: duckdb
    queueLimit: ${LIMIT}
routingGroups:
  local:
    targets: [local]
    whenFull: wait
defaultRoutingGroup: local
`);
  server = await startLocalServer({ config, gateway: { pollWaitMs: 20 } });
});
afterAll(async () => {
  await server?.close();
});

async function run(sql: string): Promise<{ id: string; state: string; rows: number }> {
  let page = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: sql })).json()) as { id: string; nextUri?: string; data?: unknown[]; stats: { state: string } };
  let rows = 0;
  while (page.nextUri) {
    page = (await (await fetch(page.nextUri, { headers })).json()) as typeof page;
    rows += page.data?.length ?? 0;
  }
  return { id: page.id, state: page.stats.state, rows };
}

describe('queue slots', () => {
  it('never lets more than the limit run, lets every waiting query through, and gives every slot back', async () => {
    let sampling = true;
    let most = 0;
    const sampler = (async () => {
      while (sampling) {
        const count = (await server.store.slots.read(['local'])).get('local')!;
        most = Math.max(most, count.active);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => run(`SELECT count(*) + ${i} FROM orders, nation`)));
    sampling = false;
    await sampler;
    expect(outcomes.map((o) => o.state)).toEqual(Array(10).fill('FINISHED'));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(LIMIT);
    // Some had to wait: their history says how long, and the line is empty again.
    const items = await Promise.all(outcomes.map((o) => server.store.get(o.id)));
    expect(items.filter((item) => typeof item?.routing?.waitedMs === 'number').length).toBeGreaterThan(0);
    const after = (await server.store.slots.read(['local'])).get('local')!;
    expect(after.active).toBe(0);
    expect(after.waiting.local ?? 0).toBe(0);
  });

  it('gives the slot back when the query fails, is canceled, or is answered by the gateway', async () => {
    expect((await run('SELECT nope FROM nation')).state).toBe('FAILED');
    expect((await run('SHOW TABLES')).state).toBe('FINISHED');
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT count(*) FROM lineitem a, lineitem b' })).json()) as { nextUri: string };
    expect((await fetch(posted.nextUri, { method: 'DELETE', headers })).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await server.store.slots.read(['local'])).get('local')!.active).toBe(0);
  });
});
