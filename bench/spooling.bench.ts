/**
 * The spooling protocol: a 1,000,000-row, 16-column result through the gateway to a client,
 * inline (the direct protocol: pages under the ALB's 1 MB, one function invocation each) versus
 * spooled (json+zstd segments the client reads from object storage), on the local server and
 * through the statement function behind an emulated ALB with S3 served locally. The ceiling is
 * the client's own JSON.parse of the same rows. Runs alternate (ABAB...), each full size.
 */
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run.js';
import { round } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';
import { startAlbStand } from '../test/support/athena-alb-stand.js';
import { runSpooled, type SpoolingClientOptions } from '../test/support/spooling-client.js';

const ROWS = 1_000_000;
const REPS = Number(process.env.BENCH_SPOOLING_REPS ?? 5);
const LOCAL_SQL = `SELECT i AS id, i % 50 AS qty, i * 1.25 AS price, (i % 10) / 100.0 AS discount, i % 2 = 0 AS flag, CASE WHEN i % 3 = 0 THEN 'O' ELSE 'F' END AS status,
  DATE '2024-01-01' + (i % 365)::INTEGER AS ship_date, DATE '2024-02-01' + (i % 300)::INTEGER AS commit_date, 'MODE ' || (i % 5) AS mode, 'comment number ' || i || ' about things' AS comment,
  i % 1000 / 7.0 AS tax, i * 3 AS part, i % 1000 AS supplier, i % 7 AS line, 'REGION ' || (i % 25) AS region, i / 3.0 AS score FROM range(${ROWS}) t(i)`;

interface Series {
  inline: number[];
  spooled: number[];
  parse: number[];
}

/** Rows per second of one full run; throws if the client did not get every row. */
async function timedRun(sql: string, options: SpoolingClientOptions): Promise<number> {
  const start = performance.now();
  const result = await runSpooled(sql, { ...options, parallel: true });
  const seconds = (performance.now() - start) / 1000;
  if (result.rows.length !== ROWS) throw new Error(`expected ${ROWS} rows, got ${result.rows.length}`);
  if (options.encoding && result.spooled.length === 0) throw new Error('the spooled run spooled nothing');
  return ROWS / seconds;
}

/** The client's JSON.parse of the same rows, in segments of about 8 MB as they arrive. */
function parseCeiling(texts: string[]): number {
  const start = performance.now();
  let rows = 0;
  for (const text of texts) rows += (JSON.parse(text) as unknown[]).length;
  return rows / ((performance.now() - start) / 1000);
}

async function segmentTexts(sql: string, options: SpoolingClientOptions): Promise<string[]> {
  const { rows } = await runSpooled(sql, options);
  const texts: string[] = [];
  for (let i = 0; i < rows.length; i += 40_000) texts.push(JSON.stringify(rows.slice(i, i + 40_000)));
  return texts;
}

async function measure(sql: string, options: SpoolingClientOptions): Promise<Series> {
  const texts = await segmentTexts(sql, options);
  const series: Series = { inline: [], spooled: [], parse: [] };
  // Warm both paths once, then alternate.
  await timedRun(sql, { ...options, encoding: 'json+zstd' });
  for (let i = 0; i < REPS; i++) {
    series.inline.push(await timedRun(sql, options));
    series.spooled.push(await timedRun(sql, { ...options, encoding: 'json+zstd' }));
    series.parse.push(parseCeiling(texts));
  }
  return series;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function figures(prefix: string, s: Series): Record<string, number> {
  const spread = (v: number[]) => round((Math.max(...v) - Math.min(...v)) / median(v), 3);
  return {
    [`${prefix}InlineRowsPerSecond`]: Math.round(median(s.inline)),
    [`${prefix}InlineSpread`]: spread(s.inline),
    [`${prefix}SpooledRowsPerSecond`]: Math.round(median(s.spooled)),
    [`${prefix}SpooledSpread`]: spread(s.spooled),
    [`${prefix}ParseCeilingRowsPerSecond`]: Math.round(median(s.parse)),
    [`${prefix}ParseSpread`]: spread(s.parse),
    [`${prefix}SpooledOverInline`]: round(median(s.spooled) / median(s.inline), 2),
    [`${prefix}SpooledOverParse`]: round(median(s.spooled) / median(s.parse), 3),
  };
}

export default async function run(): Promise<BenchResult> {
  if (REPS < 5) throw new Error('the spooling bench needs at least 5 repetitions');
  const alb = await startAlbStand(ROWS);
  let albSeries: Series;
  try {
    albSeries = await measure('SELECT * FROM wide', { server: alb.url });
  } finally {
    await alb.close();
  }
  const local = await startLocalServer();
  let localSeries: Series;
  try {
    localSeries = await measure(LOCAL_SQL, { server: local.url });
  } finally {
    await local.close();
  }
  const a = figures('alb', albSeries);
  const l = figures('local', localSeries);
  return {
    title: `A ${ROWS.toLocaleString('en')}-row, 16-column result to a client, inline vs spooled (json+zstd), ${REPS} alternating runs each: through the statement function behind an emulated ALB (Athena result CSV and segments in a local S3), and on the local server (DuckDB); the ceiling is the client's JSON.parse of the same rows. Medians; spread = (max - min) / median.`,
    figures: { rows: ROWS, repetitions: REPS, ...a, ...l },
    targets: [
      { name: 'ALB path: spooled >= 5x inline rows/s', met: a.albSpooledOverInline! >= 5, detail: `${a.albSpooledOverInline}x` },
      { name: 'ALB path: spooled >= 0.5 of the client JSON.parse', met: a.albSpooledOverParse! >= 0.5, detail: `${a.albSpooledOverParse}` },
      { name: 'local: spooled >= 0.5 of the client JSON.parse', met: l.localSpooledOverParse! >= 0.5, detail: `${l.localSpooledOverParse}` },
    ],
  };
}
