/**
 * Issue "Foundation" benchmarks:
 * 1. Gateway overhead: one poll round trip on localhost through the gateway, against a bare
 *    node:http server answering the same JSON; with the time spent in the store, the engine
 *    and the encoding, and the number of store calls per poll.
 * 2. Streaming: rows per second of a 1,000,000-row result through the local gateway into
 *    trino-client, against DuckDB producing the same rows as JSON in-process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BasicAuth, Trino } from 'trino-client';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BenchResult } from './run.js';
import { round, summarize } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';
import { DuckDbEngine } from '../lambdas/local/duckdb-engine.js';
import type { Engine, QueryStore } from '../lambdas/core/ports/index.js';

const POLLS = 2000;

function timed<T extends object>(target: T, bucket: { ms: number; calls: number; writes: number }, writes: string[]): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        } finally {
          bucket.ms += performance.now() - start;
          bucket.calls++;
          if (writes.includes(String(prop))) bucket.writes++;
        }
      };
    },
  });
}

async function overhead(): Promise<Record<string, number>> {
  const engine = await DuckDbEngine.create();
  const server = await startLocalServer({ engines: { local: engine }, gateway: { pollWaitMs: 0 } });
  const headers = { 'X-Trino-User': 'bench', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
  // Find the nextUri that serves the data page; polling it again serves the same page.
  const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT * FROM nation' })).json()) as { nextUri: string };
  let pollUri = posted.nextUri;
  let page = (await (await fetch(pollUri, { headers })).json()) as { nextUri?: string; data?: unknown };
  while (!page.data && page.nextUri) {
    pollUri = page.nextUri;
    page = (await (await fetch(pollUri, { headers })).json()) as typeof page;
  }
  const body = JSON.stringify(page);
  const gatewaySamples: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const start = performance.now();
    const response = await fetch(pollUri, { headers });
    await response.arrayBuffer();
    gatewaySamples.push(performance.now() - start);
  }
  await server.close();

  // Where the time goes: the same polls through an instrumented gateway, in process.
  const breakdown = await instrumentedBreakdown(engine);
  engine.close();

  // The bare server answering the same JSON.
  const bare = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  const port = (bare.address() as AddressInfo).port;
  const bareSamples: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const start = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers });
    await response.arrayBuffer();
    bareSamples.push(performance.now() - start);
  }
  bare.close();
  const g = summarize(gatewaySamples);
  const b = summarize(bareSamples);
  return {
    pollGatewayMedianMs: g.median,
    pollGatewayP99Ms: g.p99,
    pollBareMedianMs: b.median,
    pollBareP99Ms: b.p99,
    overheadMedianMs: round(g.median - b.median),
    overheadP99Ms: round(g.p99 - b.p99),
    ...breakdown,
  };
}

async function instrumentedBreakdown(engine: DuckDbEngine): Promise<Record<string, number>> {
  const { createGateway, DEFAULT_GATEWAY_CONFIG } = await import('../lambdas/core/gateway/index.js');
  const { startLocalDynamo } = await import('../lambdas/local/dynamo.js');
  const { DynamoQueryStore } = await import('../lambdas/adapters/aws/dynamo-query-store.js');
  const { headerAuthenticator } = await import('../lambdas/core/auth/header.js');
  const { allowAll } = await import('../lambdas/core/acl/allow-all.js');
  const { singleTargetRouter } = await import('../lambdas/core/routing/router.js');
  const dynamo = await startLocalDynamo();
  const storeTime = { ms: 0, calls: 0, writes: 0 };
  const engineTime = { ms: 0, calls: 0, writes: 0 };
  const store = timed<QueryStore>(new DynamoQueryStore(dynamo.client, dynamo.tables.queries), storeTime, ['create', 'attachHandle', 'transition', 'touch']);
  const timedEngine = timed<Engine>(engine, engineTime, []);
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'b'.repeat(32), pollWaitMs: 0 },
    store,
    engineFor: () => timedEngine,
    router: singleTargetRouter('local'),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
  });
  const headers = { 'x-trino-user': ['bench'], 'x-trino-catalog': ['tpch'], 'x-trino-schema': ['tiny'] };
  const request = (method: string, path: string, body = '') => ({ method, path, query: {}, headers, body: Buffer.from(body), baseUrl: 'http://127.0.0.1' });
  const posted = JSON.parse(String((await gateway.handle(request('POST', '/v1/statement', 'SELECT * FROM nation'))).body)) as { nextUri: string };
  let uri = posted.nextUri;
  for (;;) {
    const page = JSON.parse(String((await gateway.handle(request('GET', new URL(uri).pathname))).body)) as { nextUri?: string; data?: unknown };
    if (page.data) break;
    uri = page.nextUri!;
  }
  const path = new URL(uri).pathname;
  Object.assign(storeTime, { ms: 0, calls: 0, writes: 0 });
  Object.assign(engineTime, { ms: 0, calls: 0, writes: 0 });
  const total: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const start = performance.now();
    await gateway.handle(request('GET', path));
    total.push(performance.now() - start);
  }
  await dynamo.close();
  const t = summarize(total);
  const storeMs = storeTime.ms / POLLS;
  const engineMs = engineTime.ms / POLLS;
  return {
    inProcessPollMeanMs: t.mean,
    storeMeanMsPerPoll: round(storeMs),
    engineMeanMsPerPoll: round(engineMs),
    encodingAndRestMeanMsPerPoll: round(t.mean - storeMs - engineMs),
    storeCallsPerPoll: round(storeTime.calls / POLLS, 2),
    storeWritesPerPoll: round(storeTime.writes / POLLS, 2),
  };
}

async function streaming(): Promise<Record<string, number>> {
  const ROWS = 1_000_000;
  const sql = `SELECT i AS id, i * 2.5 AS amount, 'row ' || i AS label, DATE '2024-01-01' + (i % 365)::INTEGER AS day FROM range(${ROWS}) t(i)`;
  // Ceiling: DuckDB producing the same rows as JSON in-process.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let start = performance.now();
  const reader = await connection.runAndReadAll(sql);
  const json = JSON.stringify(reader.getRowsJson());
  const inProcessMs = performance.now() - start;
  connection.closeSync();
  instance.closeSync();
  void json.length;

  const server = await startLocalServer();
  const client = Trino.create({ server: server.url, auth: new BasicAuth('bench') });
  start = performance.now();
  let rows = 0;
  for await (const page of await client.query(sql)) rows += page.data?.length ?? 0;
  const gatewayMs = performance.now() - start;
  await server.close();
  if (rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${rows}`);
  const inProcessRps = ROWS / (inProcessMs / 1000);
  const gatewayRps = ROWS / (gatewayMs / 1000);
  return { streamRows: rows, streamGatewayRowsPerSecond: Math.round(gatewayRps), streamInProcessJsonRowsPerSecond: Math.round(inProcessRps), streamRatio: round(gatewayRps / inProcessRps) };
}

export default async function run(): Promise<BenchResult> {
  const o = await overhead();
  const s = await streaming();
  return {
    title: `Poll round trip through the local gateway vs a bare node:http server (${POLLS} sequential polls of one page of tpch.tiny.nation), and a 1,000,000-row result streamed into trino-client vs DuckDB's own JSON.`,
    figures: { ...o, ...s },
    targets: [
      { name: 'one store read per poll', met: o.storeCallsPerPoll! <= 1 && o.storeWritesPerPoll === 0, detail: `${o.storeCallsPerPoll} store calls and ${o.storeWritesPerPoll} writes per poll` },
      { name: 'streaming ratio >= 0.3', met: s.streamRatio! >= 0.3, detail: `ratio ${s.streamRatio}` },
    ],
  };
}
