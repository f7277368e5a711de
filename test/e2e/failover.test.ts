import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHealthStore } from '../../lambdas/adapters/aws/dynamo-health-store.js';
import { parseConfig } from '../../lambdas/core/config/schema.js';
import { ClusterEngine } from '../../lambdas/core/engines/cluster/index.js';
import { LOCAL_TABLES, startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { closedPort } from '../support/handlers.js';

/**
 * End to end: a routing chain [dead cluster, local DuckDB] on the real local server.
 * The cluster's port refuses connections, so the submit never reaches it: the query runs on the
 * local target, its history says why, and the cluster is marked unhealthy in the health store.
 */


interface Page {
  id: string;
  nextUri?: string;
  data?: unknown[][];
  error?: { errorName: string; message: string };
  stats: { state: string };
}

describe('failover from a cluster that refuses connections', () => {
  let server: LocalServer;
  let deadUrl: string;

  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await closedPort()}`;
    const config = parseConfig({
      version: 1,
      targets: { dead: { type: 'trino', url: deadUrl, unhealthyAfter: 3 }, local: { type: 'duckdb' } },
      routingGroups: { main: { targets: ['dead', 'local'] } },
      defaultRoutingGroup: 'main',
    });
    // The engine the config describes, with a short submit budget so the test does not wait 10 s.
    const dead = new ClusterEngine({ name: 'dead', dialect: 'trino', url: deadUrl, fetch, submitBudgetMs: 600 });
    server = await startLocalServer({ config, engines: { dead }, gateway: { pollWaitMs: 100 } });
  });

  afterAll(async () => {
    await server?.close();
  });

  const run = async (sql: string): Promise<Page> => {
    const headers = { 'X-Trino-User': 'alice' };
    let page = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: sql })).json()) as Page;
    const rows: unknown[][] = [];
    for (let polls = 0; page.nextUri && polls < 200; polls++) {
      page = (await (await fetch(page.nextUri, { headers })).json()) as Page;
      if (page.data) rows.push(...page.data);
    }
    return { ...page, data: rows };
  };

  it('runs the query on the next target, records why, and marks the cluster unhealthy', async () => {
    const page = await run('SELECT 42');
    expect(page.error).toBeUndefined();
    expect(page.stats.state).toBe('FINISHED');
    expect(page.data).toEqual([[42]]);

    const item = await server.store.get(page.id);
    expect(item?.target).toBe('local');
    const reasons = item?.routing?.reasons as string[];
    expect(reasons.some((r) => /^target 'dead' unreachable, the query never reached it: ECONNREFUSED/.test(r))).toBe(true);
    expect(reasons).toContain("failed over to target 'local'");
    expect(reasons.some((r) => /^target 'dead' skipped: unreachable: ECONNREFUSED/.test(r))).toBe(true);

    const health = await new DynamoHealthStore(server.dynamo.client, LOCAL_TABLES.config).get(['dead']);
    expect(health.get('dead')).toMatchObject({ target: 'dead', healthy: false, consecutiveFailures: 3 });
    expect(health.get('dead')!.detail).toMatch(/ECONNREFUSED/);

    // The next query is routed past the unhealthy cluster at once: no failover needed.
    const again = await run('SELECT 7');
    expect(again.data).toEqual([[7]]);
    const next = await server.store.get(again.id);
    expect(next?.target).toBe('local');
    expect(next?.routing?.reasons).toContain("target 'dead' skipped: unhealthy");
  });
});
