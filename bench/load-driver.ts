/**
 * A Monday-morning load on the local server: N concurrent Presto/Trino protocol clients, each
 * running a mix of short queries, large paged results, cancels and failing queries until the
 * time is up. Used by the load benchmark (figures) and by the load test (invariants).
 */
import { performance } from 'node:perf_hooks';
import type { LocalServer } from '../lambdas/local/server.js';

export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Sampled every second during the run. */
  onSample?: (elapsedMs: number) => void;
}

export interface LoadReport {
  queries: number;
  byKind: Record<Kind, number>;
  /** Queries whose outcome was not the expected one (wrong row count, no error where one was due, ...). */
  wrong: string[];
  /** Errors the queries ended with, by errorName, expected ones included (COLUMN_NOT_FOUND of the failing kind). */
  errors: Record<string, number>;
  /** HTTP answers other than 200/204 (a 503 is retried, as clients do, and counted here). */
  unexpectedStatus: Record<number, number>;
  pollLatenciesMs: number[];
  queryIds: string[];
  elapsedMs: number;
}

type Kind = 'short' | 'large' | 'cancel' | 'error';
const MIX: Kind[] = ['short', 'short', 'short', 'short', 'large', 'cancel', 'error', 'short'];
const SQL: Record<Kind, string> = {
  short: 'SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey ORDER BY n_name',
  large: 'SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate, o_comment FROM orders ORDER BY o_orderkey LIMIT 20000',
  cancel: 'SELECT l_orderkey, l_comment FROM lineitem ORDER BY l_comment',
  error: 'SELECT no_such_column FROM nation',
};

interface Page {
  id: string;
  nextUri?: string;
  data?: unknown[][];
  error?: { errorName: string };
  stats: { state: string };
}

export async function runLoad(server: LocalServer, options: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { queries: 0, byKind: { short: 0, large: 0, cancel: 0, error: 0 }, wrong: [], errors: {}, unexpectedStatus: {}, pollLatenciesMs: [], queryIds: [], elapsedMs: 0 };
  const headers = { 'X-Trino-User': 'load', 'X-Trino-Source': 'bifrost-load', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
  const start = performance.now();
  const deadline = start + options.durationMs;
  const sampler = setInterval(() => options.onSample?.(performance.now() - start), 1000);

  async function request(url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, init);
      if (response.status === 200 || response.status === 204) return response;
      report.unexpectedStatus[response.status] = (report.unexpectedStatus[response.status] ?? 0) + 1;
      // As the Trino client does: 502/503/504 on a GET are retried, anything else fails.
      if (![502, 503, 504].includes(response.status) || init.method === 'POST' || attempt >= 20) return response;
      await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }

  async function one(kind: Kind): Promise<void> {
    let response = await request(`${server.url}/v1/statement`, { method: 'POST', headers, body: SQL[kind] });
    if (response.status !== 200) return void report.wrong.push(`${kind}: POST answered ${response.status}`);
    let page = (await response.json()) as Page;
    report.queryIds.push(page.id);
    let rows = 0;
    for (;;) {
      rows += page.data?.length ?? 0;
      if (!page.nextUri) break;
      if (kind === 'cancel' && (rows > 0 || page.stats.state === 'RUNNING')) {
        const deleted = await request(page.nextUri, { method: 'DELETE', headers });
        if (deleted.status !== 204) report.wrong.push(`cancel ${page.id}: DELETE answered ${deleted.status}`);
        return;
      }
      const t = performance.now();
      response = await request(page.nextUri, { headers });
      report.pollLatenciesMs.push(performance.now() - t);
      if (response.status !== 200) return void report.wrong.push(`${kind} ${page.id}: GET answered ${response.status}`);
      page = (await response.json()) as Page;
    }
    if (page.error) report.errors[page.error.errorName] = (report.errors[page.error.errorName] ?? 0) + 1;
    if (kind === 'short' && (page.error || rows !== 25)) report.wrong.push(`short ${page.id}: ${page.error?.errorName ?? `${rows} rows`}`);
    if (kind === 'large' && (page.error || rows !== 15_000)) report.wrong.push(`large ${page.id}: ${page.error?.errorName ?? `${rows} rows`}`);
    if (kind === 'error' && page.error?.errorName !== 'COLUMN_NOT_FOUND') report.wrong.push(`error ${page.id}: ${page.error?.errorName ?? 'no error'}`);
  }

  async function client(index: number): Promise<void> {
    for (let i = index; performance.now() < deadline; i++) {
      const kind = MIX[i % MIX.length]!;
      try {
        await one(kind);
      } catch (error) {
        report.wrong.push(`${kind}: ${(error as Error).message}`);
      }
      report.queries++;
      report.byKind[kind]++;
    }
  }

  try {
    await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  } finally {
    clearInterval(sampler);
  }
  report.elapsedMs = performance.now() - start;
  return report;
}

/** After a run: every query in the history with a final state, every target's depth back to zero. */
export async function checkAfterLoad(server: LocalServer, report: LoadReport, waitMs = 10_000): Promise<{ notFinal: string[]; missing: string[]; depths: Record<string, { queued: number; running: number }> }> {
  const until = Date.now() + waitMs;
  let notFinal: string[] = [];
  let missing: string[] = [];
  do {
    notFinal = [];
    missing = [];
    for (const id of report.queryIds) {
      const record = await server.store.get(id);
      if (!record) missing.push(id);
      else if (!['FINISHED', 'FAILED', 'CANCELED'].includes(record.state)) notFinal.push(`${id} ${record.state}`);
    }
    if (!notFinal.length && !missing.length) break;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < until);
  const depths: Record<string, { queued: number; running: number }> = {};
  for (const target of Object.keys(server.config.targets)) depths[target] = await server.store.depth(target);
  return { notFinal, missing, depths };
}
