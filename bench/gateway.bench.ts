/**
 * Issue "Foundation" benchmarks:
 * 1. Gateway overhead: one poll round trip on localhost through the gateway, against a bare
 *    node:http server answering the same JSON; with the time spent in the store, the engine
 *    and the encoding, and the number of store calls per poll.
 * 2. Streaming: rows per second of a 1,000,000-row result through the local gateway into
 *    trino-client, against its ceiling: DuckDB writing the same rows as JSON itself
 *    (`COPY (query) TO file (FORMAT JSON)`, into a temporary directory).
 * Each measurement and its baseline or ceiling run interleaved, 5 times after a warm-up round;
 * the figures are medians, with their spreads.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BasicAuth, Trino } from 'trino-client';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BenchResult } from './run.js';
import { collectGarbage, interleave, perSecond, round, summarize, timed, type Figures, type Repeated } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';
import { DuckDbEngine } from '../lambdas/local/duckdb-engine.js';
import type { Engine, QueryStore } from '../lambdas/core/ports/index.js';

/** Polls per round of the gateway and of the bare server, interleaved. */
const POLLS = 400;
const REPETITIONS = 5;
const STREAM_ROWS = 1_000_000;

function instrumented<T extends object>(target: T, bucket: { ms: number; calls: number; writes: number }, writes: string[]): T {
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

async function pollTimes(url: string, headers: Record<string, string>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function overhead(): Promise<Repeated> {
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
  // The baseline: a bare server answering the same JSON.
  const body = JSON.stringify(page);
  const bare = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  const bareUri = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  // Where the time goes: the same polls through an instrumented gateway, in process.
  const breakdown = await instrumentedBreakdown(engine);
  try {
    const repeated = await interleave(
      {
        gateway: async () => {
          const g = summarize(await pollTimes(pollUri, headers));
          return { pollGatewayMedianMs: g.median, pollGatewayP99Ms: g.p99 };
        },
        bare: async () => {
          const b = summarize(await pollTimes(bareUri, headers));
          return { pollBareMedianMs: b.median, pollBareP99Ms: b.p99 };
        },
        breakdown: breakdown.run,
      },
      { repetitions: REPETITIONS },
    );
    return repeated.derive('overheadMedianMs', (f) => round(f('pollGatewayMedianMs') - f('pollBareMedianMs'))).derive('overheadP99Ms', (f) => round(f('pollGatewayP99Ms') - f('pollBareP99Ms')));
  } finally {
    await breakdown.close();
    bare.close();
    await server.close();
    engine.close();
  }
}

async function instrumentedBreakdown(engine: DuckDbEngine): Promise<{ run: () => Promise<Figures>; close: () => Promise<void> }> {
  const { createGateway, DEFAULT_GATEWAY_CONFIG } = await import('../lambdas/core/gateway/index.js');
  const { startLocalDynamo } = await import('../lambdas/local/dynamo.js');
  const { DynamoQueryStore } = await import('../lambdas/adapters/aws/dynamo-query-store.js');
  const { headerAuthenticator } = await import('../lambdas/core/auth/header.js');
  const { allowAll } = await import('../lambdas/core/acl/allow-all.js');
  const { singleTargetRouter } = await import('../lambdas/core/routing/router.js');
  const dynamo = await startLocalDynamo();
  const storeTime = { ms: 0, calls: 0, writes: 0 };
  const engineTime = { ms: 0, calls: 0, writes: 0 };
  const store = instrumented<QueryStore>(new DynamoQueryStore(dynamo.client, dynamo.tables.queries), storeTime, ['create', 'attachHandle', 'transition', 'touch']);
  const timedEngine = instrumented<Engine>(engine, engineTime, []);
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
  const run = async (): Promise<Figures> => {
    Object.assign(storeTime, { ms: 0, calls: 0, writes: 0 });
    Object.assign(engineTime, { ms: 0, calls: 0, writes: 0 });
    const total: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const start = performance.now();
      await gateway.handle(request('GET', path));
      total.push(performance.now() - start);
    }
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
  };
  return { run, close: () => dynamo.close() };
}

async function streaming(): Promise<Repeated> {
  const sql = `SELECT i AS id, i * 2.5 AS amount, 'row ' || i AS label, DATE '2024-01-01' + (i % 365)::INTEGER AS day FROM range(${STREAM_ROWS}) t(i)`;
  // Ceiling: DuckDB writing the same rows as JSON itself, to a file in a temporary directory.
  const dir = mkdtempSync(join(tmpdir(), 'bifrost-stream-bench-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const server = await startLocalServer();
  const client = Trino.create({ server: server.url, auth: new BasicAuth('bench') });
  try {
    return (
      await interleave(
        {
          gateway: async () => {
            const { ms, value: rows } = await timed(async () => {
              let n = 0;
              for await (const page of await client.query(sql)) n += page.data?.length ?? 0;
              return n;
            });
            if (rows !== STREAM_ROWS) throw new Error(`expected ${STREAM_ROWS} rows, got ${rows}`);
            return { streamGatewayRowsPerSecond: perSecond(rows, ms) };
          },
          duckdbJson: async () => {
            const file = join(dir, 'rows.json');
            const { ms } = await timed(() => connection.run(`COPY (${sql}) TO '${file}' (FORMAT JSON)`));
            const bytes = statSync(file).size;
            rmSync(file);
            return { streamDuckDbJsonRowsPerSecond: perSecond(STREAM_ROWS, ms), duckDbJsonBytes: bytes };
          },
        },
        { repetitions: REPETITIONS, between: collectGarbage },
      )
    ).derive('streamRatio', (f) => round(f('streamGatewayRowsPerSecond') / f('streamDuckDbJsonRowsPerSecond')));
  } finally {
    await server.close();
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<BenchResult> {
  const o = (await overhead()).report();
  const streamed = await streaming();
  const s = streamed.report();
  const ratio = round(streamed.median('streamGatewayRowsPerSecond') / streamed.median('streamDuckDbJsonRowsPerSecond'));
  const calls = o.figures.storeCallsPerPoll!;
  const writes = o.figures.storeWritesPerPoll!;
  return {
    title: `Poll round trip through the local gateway vs a bare node:http server (${POLLS} sequential polls of one page of tpch.tiny.nation per round), and a ${STREAM_ROWS.toLocaleString('en-US')}-row result streamed into trino-client vs DuckDB writing the same rows as JSON itself (COPY ... (FORMAT JSON) to a temporary file); each pair interleaved, ${REPETITIONS} rounds after a warm-up.`,
    figures: { ...o.figures, streamRows: STREAM_ROWS, ...s.figures },
    targets: [
      { name: 'one store read per poll', met: calls <= 1 && writes === 0, detail: `${calls} store calls and ${writes} writes per poll (medians)` },
      { name: 'streaming ratio >= 0.3 (medians)', met: ratio >= 0.3, detail: `${streamed.median('streamGatewayRowsPerSecond')} rows/s through the gateway vs ${streamed.median('streamDuckDbJsonRowsPerSecond')} rows/s of DuckDB's own JSON (ratio ${ratio})` },
    ],
    repetitions: REPETITIONS,
    spreads: { ...o.spreads, ...s.spreads },
  };
}
