/**
 * Cancel under a burst: 1,000 queries running on the local server (DuckDB over the TPC-H sample,
 * dynalite, one process), then 1,000 DELETEs of their nextUris sent at once. Reports each
 * DELETE's latency (median and p99) per repetition, and the median and spread of those figures
 * over interleaved repetitions (a fresh burst each time, the server kept). Every DELETE must be
 * answered (204) within the deadline, and every query must end CANCELED.
 */
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run.js';
import { percentile, round } from './stats.js';
import { startLocalServer, type LocalServer } from '../lambdas/local/server.js';

const QUERIES = 1_000;
const REPETITIONS = 5;
/** A DELETE not answered within this long counts as unanswered. */
const DEADLINE_MS = 30_000;
/** Long enough on the sample data to be still running when the DELETE comes. */
const SLOW_SQL = 'SELECT count(*) FROM lineitem a CROSS JOIN nation b CROSS JOIN region c';
const HEADERS = { 'X-Trino-User': 'bench', 'X-Trino-Source': 'bifrost-cancel-bench', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };

interface Burst {
  latenciesMs: number[];
  unanswered: number;
  notCanceled: number;
  /** Of those, queries that had already finished when their DELETE came: a DELETE then changes nothing. */
  finishedFirst: number;
}

/** Submits `QUERIES` statements (a few at a time), then DELETEs all their nextUris at once. */
async function burst(server: LocalServer): Promise<Burst> {
  const submitted: { id: string; nextUri: string }[] = [];
  const queue = Array.from({ length: QUERIES }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (queue.shift() !== undefined) {
        const response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: HEADERS, body: SLOW_SQL });
        const page = (await response.json()) as { id: string; nextUri: string };
        submitted.push({ id: page.id, nextUri: page.nextUri });
      }
    }),
  );
  const latenciesMs: number[] = [];
  let unanswered = 0;
  await Promise.all(
    submitted.map(async ({ nextUri }) => {
      const start = performance.now();
      try {
        const response = await fetch(nextUri, { method: 'DELETE', headers: HEADERS, signal: AbortSignal.timeout(DEADLINE_MS) });
        await response.arrayBuffer();
        if (response.status !== 204) unanswered++;
        else latenciesMs.push(performance.now() - start);
      } catch {
        unanswered++;
      }
    }),
  );
  let notCanceled = 0;
  let finishedFirst = 0;
  for (const { id } of submitted) {
    const state = (await server.store.get(id))?.state;
    if (state !== 'CANCELED') notCanceled++;
    if (state === 'FINISHED') finishedFirst++;
  }
  return { latenciesMs, unanswered, notCanceled, finishedFirst };
}

const spread = (values: number[]) => `${round(Math.min(...values), 1)}..${round(Math.max(...values), 1)}`;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

export default async function bench(): Promise<BenchResult> {
  // The sweeper stays out of the way: nothing here is abandoned.
  const server = await startLocalServer({ sweepIntervalMs: 3_600_000 });
  try {
    const medians: number[] = [];
    const p99s: number[] = [];
    let unanswered = 0;
    let notCanceled = 0;
    let finishedFirst = 0;
    for (let r = 0; r < REPETITIONS; r++) {
      const result = await burst(server);
      const sorted = result.latenciesMs.sort((a, b) => a - b);
      medians.push(percentile(sorted, 50));
      p99s.push(percentile(sorted, 99));
      unanswered += result.unanswered;
      notCanceled += result.notCanceled;
      finishedFirst += result.finishedFirst;
    }
    return {
      title: `${QUERIES} concurrent DELETEs of running queries' nextUris against the local server (gateway, DuckDB and dynalite in one process), ${REPETITIONS} repetitions, each a fresh burst of ${QUERIES} running queries`,
      figures: {
        deletes: QUERIES * REPETITIONS,
        medianMs: round(median(medians), 1),
        medianSpreadMs: spread(medians),
        p99Ms: round(median(p99s), 1),
        p99SpreadMs: spread(p99s),
        unanswered,
        notCanceled,
        finishedFirst,
      },
      targets: [
        { name: `every DELETE answered within ${DEADLINE_MS / 1000} s`, met: unanswered === 0, detail: `${unanswered} of ${QUERIES * REPETITIONS} unanswered` },
        { name: 'every query ends CANCELED, unless it had finished before its DELETE', met: notCanceled === finishedFirst, detail: `${notCanceled} not CANCELED, of which ${finishedFirst} had finished first` },
      ],
    };
  } finally {
    await server.close();
  }
}
