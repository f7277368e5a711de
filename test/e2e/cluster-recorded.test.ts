import { afterEach, describe, expect, it } from 'vitest';
import { BasicAuth, Trino } from 'trino-client';
import { ClusterEngine } from '../../lambdas/core/engines/cluster/index.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { serveScenario } from '../unit/engines/cluster/support.js';

/**
 * The gateway in front of recorded Trino answers served over HTTP (gzipped): what only a real
 * Trino sends (session headers, partialCancelUri, a nextUri that leads elsewhere) reaches the
 * client the way the gateway must pass it on.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function gatewayFor(scenario: string, dialect: 'trino' | 'presto' = 'trino'): Promise<{ gateway: LocalServer; cluster: Awaited<ReturnType<typeof serveScenario>> }> {
  const cluster = await serveScenario(scenario, { gzip: true });
  closers.push(cluster.close);
  const engine = new ClusterEngine({ name: 'legacy', dialect, url: cluster.url, fetch });
  const gateway = await startLocalServer({ engines: { legacy: engine }, gateway: { pollWaitMs: 50 } });
  closers.push(gateway.close);
  return { gateway, cluster };
}

async function follow(url: string, headers: Record<string, string>, sql: string): Promise<{ texts: string[]; last: Response; final: Record<string, unknown> }> {
  let response = await fetch(`${url}/v1/statement`, { method: 'POST', headers, body: sql });
  const texts: string[] = [];
  for (;;) {
    const text = await response.text();
    texts.push(text);
    const json = JSON.parse(text) as { nextUri?: string };
    if (!json.nextUri) return { texts, last: response, final: json as Record<string, unknown> };
    response = await fetch(json.nextUri, { headers });
  }
}

describe('recorded Trino answers through the gateway', () => {
  it("passes the cluster's session headers back in the client's dialect", async () => {
    const { gateway } = await gatewayFor('trino-session');
    const { last, final } = await follow(gateway.url, { 'X-Trino-User': 'alice' }, 'SET ROLE admin IN hive');
    expect(final.updateType).toBe('SET ROLE');
    expect(last.headers.get('x-trino-set-role')).toBe('hive=ROLE%7Badmin%7D');
    expect(last.headers.get('x-trino-set-session')).toBe('query_max_run_time=1h, hive.insert_existing_partitions_behavior=OVERWRITE');
    expect(last.headers.get('x-trino-added-prepare')).toBe('q1=SELECT+*+FROM+t+WHERE+a+%3D+%3F%2C+1');
    expect(last.headers.get('x-trino-set-catalog')).toBe('hive');
    expect(last.headers.get('x-trino-set-schema')).toBe('web');

    const presto = await follow(gateway.url, { 'X-Presto-User': 'alice' }, 'SET ROLE admin IN hive');
    expect(presto.last.headers.get('x-presto-set-role')).toBe('hive=ROLE%7Badmin%7D');
    expect(presto.last.headers.get('x-trino-set-role')).toBeNull();
  });

  it('rewrites nextUri, infoUri and partialCancelUri, and keeps rows exact', async () => {
    const { gateway, cluster } = await gatewayFor('trino-types');
    const { texts, final } = await follow(gateway.url, { 'X-Trino-User': 'alice', 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' }, 'SELECT ...');
    expect(final.stats).toMatchObject({ state: 'FINISHED' });
    for (const text of texts) expect(text).not.toContain(new URL(cluster.url).host);
    const data = texts.join('\n');
    expect(data).toContain('[9007199254740993,100000000000000000000.0,1.1,"12.30","héllo","2024-05-01 10:10:10.123 UTC",{"2":"b","1":"a"},[7,"x"],["p","q"],"AgwBAA==","AAAA"]');
    expect(data).toContain('"type":"row(x bigint, \\"y z\\" varchar)"');
    expect(cluster.responses.filter((r) => r.path.startsWith('/v1/statement/')).every((r) => r.encoding === 'gzip')).toBe(true);
  });

  it('fails the query when the cluster points its nextUri at another host, and never goes there', async () => {
    const { gateway, cluster } = await gatewayFor('trino-other-host');
    const client = Trino.create({ server: gateway.url, auth: new BasicAuth('alice') });
    const iterator = await client.query('SELECT 1');
    let error: { errorName?: string; message?: string } | undefined;
    for await (const page of iterator) if (page.error) error = page.error;
    expect(error?.errorName).toBe('GENERIC_INTERNAL_ERROR');
    expect(error?.message).toMatch(/nextUri on another origin \(http:\/\/attacker\.example\.com:8080.*refused/);
    expect(cluster.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toContain('DELETE /v1/query/20240501_101012_00044_klmno');
  });

  it('keeps a cluster error as the cluster reported it', async () => {
    const { gateway } = await gatewayFor('trino-failed');
    const { final } = await follow(gateway.url, { 'X-Trino-User': 'alice' }, 'SELECT x FROM t');
    expect(final.error).toMatchObject({ message: "line 1:8: Column 'x' cannot be resolved", errorCode: 47, errorName: 'COLUMN_NOT_FOUND', errorType: 'USER_ERROR', errorLocation: { lineNumber: 1, columnNumber: 8 } });
  });
});
