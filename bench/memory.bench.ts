/**
 * Memory of the local server over many queries: the heap it uses after 100 and after 5,000
 * sequential queries (each `SELECT i AS n, 'x' AS s` posted and polled to its end with fetch), once
 * the local engine has let their results go (result TTL 1 s, a 2.5 s pause) and after two full
 * garbage collections. Target: the heap after 5,000 within 1.2x of the heap after 100, so that
 * what a query leaves behind is only what it must (its history item, kept on disk, out of the heap).
 * The growth per query is the difference over the 4,900 queries in between: the compiled code and
 * lazily loaded modules of a server still warming up are part of it.
 * Each repetition runs in a fresh process, since compiled code and caches would otherwise carry
 * over from one to the next; 3 repetitions, the figures are medians with their spreads.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.js';
import { collectGarbage, round, spread, type Spread } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';

const FIRST = 100;
const LAST = 5_000;
const REPETITIONS = 3;
const TARGET_RATIO = 1.2;
const RESULT_TTL_MS = 1_000;
const PAUSE_MS = 2_500;
/** A repetition that takes longer than this has hung: it fails the benchmark rather than waiting forever. */
const CHILD_TIMEOUT_MS = 45 * 60_000;
const CHILD_FLAG = 'BIFROST_MEMORY_BENCH_CHILD';
const MB = 2 ** 20;

interface Sample {
  heapMb: number;
  rssMb: number;
  externalMb: number;
}

interface Repetition {
  first: Sample;
  last: Sample;
  msPerQuery: number;
}

/** One repetition, in this (fresh) process: the local server, its queries, and the heap at both marks. */
async function measure(): Promise<Repetition> {
  const server = await startLocalServer({ engineResultTtlMs: RESULT_TTL_MS });
  const headers = { 'X-Trino-User': 'bench', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
  const query = async (i: number) => {
    let page = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: `SELECT ${i} AS n, 'x' AS s` })).json()) as { nextUri?: string; error?: { message: string } };
    while (page.nextUri) page = (await (await fetch(page.nextUri, { headers })).json()) as typeof page;
    if (page.error) throw new Error(`query ${i} failed: ${page.error.message}`);
  };
  const sample = async (): Promise<Sample> => {
    // The engine drops results a TTL after their last read; its sweep runs every second.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    collectGarbage();
    collectGarbage();
    const m = process.memoryUsage();
    return { heapMb: round(m.heapUsed / MB, 2), rssMb: round(m.rss / MB, 1), externalMb: round(m.external / MB, 2) };
  };
  try {
    let i = 0;
    for (; i < FIRST; i++) await query(i);
    const first = await sample();
    const start = performance.now();
    for (; i < LAST; i++) await query(i);
    const msPerQuery = round((performance.now() - start) / (LAST - FIRST), 2);
    const last = await sample();
    return { first, last, msPerQuery };
  } finally {
    await server.close();
  }
}

/** Runs one repetition in a child process (this file, with the same Node options and loader). */
function repetition(): Promise<Repetition> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, [CHILD_FLAG]: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`the measuring process ended with ${signal ?? `code ${code}`}: ${line}`));
      try {
        resolve(JSON.parse(line) as Repetition);
      } catch {
        reject(new Error(`the measuring process printed no figures: ${line}`));
      }
    });
  });
}

export default async function memory(): Promise<BenchResult> {
  const runs: Repetition[] = [];
  for (let r = 0; r < REPETITIONS; r++) runs.push(await repetition());
  const samples: Record<string, number[]> = {
    [`heapAfter${FIRST}Mb`]: runs.map((x) => x.first.heapMb),
    [`heapAfter${LAST}Mb`]: runs.map((x) => x.last.heapMb),
    ratio: runs.map((x) => round(x.last.heapMb / x.first.heapMb, 3)),
    heapGrowthKbPerQuery: runs.map((x) => round(((x.last.heapMb - x.first.heapMb) * 1024) / (LAST - FIRST), 2)),
    [`rssAfter${FIRST}Mb`]: runs.map((x) => x.first.rssMb),
    [`rssAfter${LAST}Mb`]: runs.map((x) => x.last.rssMb),
    [`externalAfter${FIRST}Mb`]: runs.map((x) => x.first.externalMb),
    [`externalAfter${LAST}Mb`]: runs.map((x) => x.last.externalMb),
    msPerQuery: runs.map((x) => x.msPerQuery),
  };
  const figures: Record<string, number> = {};
  const spreads: Record<string, Spread> = {};
  for (const [name, values] of Object.entries(samples)) {
    spreads[name] = spread(values);
    figures[name] = spreads[name].median;
  }
  const ratio = spreads.ratio!;
  return {
    title: `Local server memory: heap used after ${FIRST} and after ${LAST} sequential queries (SELECT i AS n, 'x' AS s, polled to the end with fetch; engine result TTL ${RESULT_TTL_MS / 1000} s, a ${PAUSE_MS / 1000} s pause, two full GCs), each repetition in a fresh process; RSS and external memory for information`,
    figures,
    spreads,
    repetitions: REPETITIONS,
    targets: [{ name: `heap after ${LAST} queries <= ${TARGET_RATIO}x heap after ${FIRST}`, met: ratio.median <= TARGET_RATIO, detail: `ratio median ${ratio.median} (min ${ratio.min}, max ${ratio.max} over ${ratio.n}); ${figures.heapGrowthKbPerQuery} KB of heap growth per query (warm-up included)` }],
  };
}

if (process.env[CHILD_FLAG] === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await measure();
  // Exits once the figures are out, whatever handle a dependency may still hold open.
  process.stdout.write(`\n${JSON.stringify(result)}\n`, () => process.exit(0));
}
