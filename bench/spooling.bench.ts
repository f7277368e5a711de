/**
 * The spooling protocol: a 1,000,000-row, 16-column result through the gateway to a client,
 * inline (the direct protocol: pages under the ALB's 1 MB, one function invocation each) versus
 * spooled (json+zstd segments the client reads from object storage), on the local server and
 * through the statement function behind an emulated ALB with S3 served locally. The ceiling is
 * the client's own JSON.parse of the same rows; beside it, the client's whole reading of the same
 * segments from memory (decompression, decoding, JSON.parse), which no server can beat. The client
 * runs on a thread of its own (spooling-client-worker.ts), the same for both; runs are interleaved
 * (bench/stats.ts), each full size. BENCH_SPOOLING_ROWS and BENCH_SPOOLING_REPS change the size and the repetitions.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_GATEWAY_CONFIG } from '../lambdas/core/gateway/index.js';
import { HeldResult } from '../lambdas/local/duckdb-held.js';
import { mapDuckType } from '../lambdas/local/duckdb-types.js';
import type { BenchResult } from './run.js';
import { collectGarbage, interleave, perSecond, round, type Repeated } from './stats.js';
import type { ClientAnswer, ClientRequest } from './spooling-client-worker.js';
import { startLocalServer } from '../lambdas/local/server.js';
import { startAlbStand } from '../test/support/athena-alb-stand.js';

const ROWS = Number(process.env.BENCH_SPOOLING_ROWS ?? 1_000_000);
const REPS = Number(process.env.BENCH_SPOOLING_REPS ?? 5);
const LOCAL_SQL = `SELECT i AS id, i % 50 AS qty, i * 1.25 AS price, (i % 10) / 100.0 AS discount, i % 2 = 0 AS flag, CASE WHEN i % 3 = 0 THEN 'O' ELSE 'F' END AS status,
  DATE '2024-01-01' + (i % 365)::INTEGER AS ship_date, DATE '2024-02-01' + (i % 300)::INTEGER AS commit_date, 'MODE ' || (i % 5) AS mode, 'comment number ' || i || ' about things' AS comment,
  i % 1000 / 7.0 AS tax, i * 3 AS part, i % 1000 AS supplier, i % 7 AS line, 'REGION ' || (i % 25) AS region, i / 3.0 AS score FROM range(${ROWS}) t(i)`;

/** The client, on its own thread (spooling-client-worker.ts), loaded through tsx like this file. */
class Client {
  private readonly worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./spooling-client-worker.ts', import.meta.url).href)}); })`, { eval: true });

  ask(request: ClientRequest): Promise<ClientAnswer> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (answer: ClientAnswer) => {
        this.worker.off('error', onError);
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer);
      });
      this.worker.postMessage(request);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Rows per second of one full run; throws unless the client got every row. */
async function timedRun(client: Client, server: string, sql: string, encoding?: string): Promise<number> {
  const answer = await client.ask({ kind: 'run', server, sql, ...(encoding ? { encoding } : {}) });
  if (answer.rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${answer.rows}`);
  if (encoding && answer.spooledSegments === 0) throw new Error('the spooled run spooled nothing');
  return perSecond(ROWS, answer.ms);
}

/**
 * Inline, spooled and the client's JSON.parse of the same rows, interleaved (the order rotating
 * each round), with `extra` cases of the same rounds.
 */
async function measure(client: Client, prefix: string, server: string, sql: string, extra: Record<string, () => Promise<Record<string, number>>> = {}): Promise<Repeated> {
  await client.ask({ kind: 'capture', server, sql, encoding: 'json+zstd' });
  const repeated = await interleave(
    {
      ...extra,
      [`${prefix}Inline`]: async () => ({ [`${prefix}InlineRowsPerSecond`]: await timedRun(client, server, sql) }),
      [`${prefix}Spooled`]: async () => ({ [`${prefix}SpooledRowsPerSecond`]: await timedRun(client, server, sql, 'json+zstd') }),
      [`${prefix}Parse`]: async () => {
        const answer = await client.ask({ kind: 'parse' });
        if (answer.rows !== ROWS) throw new Error(`the parse ceiling parsed ${answer.rows} rows`);
        return { [`${prefix}ParseCeilingRowsPerSecond`]: perSecond(ROWS, answer.ms) };
      },
      [`${prefix}Read`]: async () => {
        const answer = await client.ask({ kind: 'read' });
        if (answer.rows !== ROWS) throw new Error(`the reading ceiling read ${answer.rows} rows`);
        return { [`${prefix}ClientReadCeilingRowsPerSecond`]: perSecond(ROWS, answer.ms) };
      },
    },
    // The capture run above warmed the server's paths (engine reads, JSON writing): no round is thrown away.
    { repetitions: REPS, warmup: 0, between: collectGarbage },
  );
  return repeated
    .derive(`${prefix}SpooledOverInline`, (get) => round(get(`${prefix}SpooledRowsPerSecond`) / get(`${prefix}InlineRowsPerSecond`), 3))
    .derive(`${prefix}SpooledOverParse`, (get) => round(get(`${prefix}SpooledRowsPerSecond`) / get(`${prefix}ParseCeilingRowsPerSecond`), 3))
    .derive(`${prefix}ClientReadOverParse`, (get) => round(get(`${prefix}ClientReadCeilingRowsPerSecond`) / get(`${prefix}ParseCeilingRowsPerSecond`), 3))
    .derive(`${prefix}SpooledOverClientRead`, (get) => round(get(`${prefix}SpooledRowsPerSecond`) / get(`${prefix}ClientReadCeilingRowsPerSecond`), 3));
}

export default async function run(): Promise<BenchResult> {
  if (REPS < 5) throw new Error('the spooling bench needs at least 5 repetitions');
  const client = new Client();
  try {
    const alb = await startAlbStand(ROWS);
    let albRuns: Repeated;
    try {
      albRuns = await measure(client, 'alb', alb.url, 'SELECT * FROM wide');
    } finally {
      await alb.close();
    }
    const local = await startLocalServer();
    let localRuns: Repeated;
    try {
      // What the local engine alone allows: the same statement run in DuckDB and its result written
      // as JSON rows (duckdb-json.ts) in pages of a spooled poll's size, before the gateway does anything.
      const duck = await DuckDBInstance.create(':memory:');
      const connection = await duck.connect();
      try {
        localRuns = await measure(client, 'local', local.url, LOCAL_SQL, {
          localEngineJson: async () => {
            const start = performance.now();
            const result = await connection.run(LOCAL_SQL);
            const held = new HeldResult(result, result.columnTypes().map(mapDuckType));
            let rows = 0;
            while (rows < held.count) rows += (await held.json(rows, held.count, DEFAULT_GATEWAY_CONFIG.spooling!.pollMaxBytes, false)).count;
            if (rows !== ROWS) throw new Error(`DuckDB wrote ${rows} rows`);
            return { localEngineJsonRowsPerSecond: perSecond(ROWS, performance.now() - start) };
          },
        });
      } finally {
        connection.closeSync();
      }
      localRuns.derive('localSpooledOverEngineJson', (get) => round(get('localSpooledRowsPerSecond') / get('localEngineJsonRowsPerSecond'), 3));
    } finally {
      await local.close();
    }
    const a = albRuns.report();
    const l = localRuns.report();
    const figures = { ...a.figures, ...l.figures };
    return {
      title: `A ${ROWS.toLocaleString('en')}-row, 16-column result to a client, inline vs spooled (json+zstd), ${REPS} interleaved runs each: through the statement function behind an emulated ALB (Athena result CSV and segments in a local S3), and on the local server (DuckDB); the ceiling is the client's JSON.parse of the same rows (and beside it the client's whole reading of the same segments from memory, without a server or the network), and locally also the local engine's own run of the statement in DuckDB and writing of its result as JSON rows (duckdb-json.ts), which bounds it. The client runs on a thread of its own, the same for inline and spooled: it asks for the next page while reading the current one, downloads a response's segments in parallel, acknowledges them without waiting (as Trino's JDBC driver) and counts rows. Medians over the runs.`,
      figures: { rows: ROWS, ...figures },
      repetitions: REPS,
      spreads: { ...a.spreads, ...l.spreads },
      targets: [
        { name: 'ALB path: spooled >= 5x inline rows/s', met: figures.albSpooledOverInline! >= 5, detail: `${figures.albSpooledOverInline}x` },
        { name: 'ALB path: spooled >= 0.5 of the client JSON.parse', met: figures.albSpooledOverParse! >= 0.5, detail: `${figures.albSpooledOverParse}` },
        { name: 'local: spooled >= 0.5 of the client JSON.parse', met: figures.localSpooledOverParse! >= 0.5, detail: `${figures.localSpooledOverParse}` },
      ],
    };
  } finally {
    await client.close();
  }
}
