/**
 * Issue "Hardening" load benchmark: 200 concurrent protocol clients against the local server
 * (DuckDB over the TPC-H sample, dynalite) for a bounded time, with a mix of short queries, large
 * paged results, cancels and errors. Reports queries per second, poll latency and memory over
 * time; checks that every query ends final in the history, depths return to zero and memory
 * returns to its baseline.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchResult } from './run.js';
import { checkAfterLoad, runLoad } from './load-driver.js';
import { round, summarize } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';

const CLIENTS = 200;
const DURATION_MS = 30_000;
/** Results are held this long after their last read (2 minutes by default), so the run ends with memory to give back. */
const RESULT_TTL_MS = 30_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export default async function bench(): Promise<BenchResult> {
  const server = await startLocalServer({ gateway: { pollWaitMs: 1_000 }, sweepIntervalMs: 5_000, engineResultTtlMs: RESULT_TTL_MS });
  try {
    // Warm-up: compile, fill caches, so the baseline is the steady state of an idle server.
    await runLoad(server, { clients: 20, durationMs: 2_000 });
    const baseline = heapMb();
    const rss: number[] = [];
    const report = await runLoad(server, { clients: CLIENTS, durationMs: DURATION_MS, onSample: () => rss.push(round(process.memoryUsage().rss / 2 ** 20, 0)) });
    const after = await checkAfterLoad(server, report, 30_000);
    await new Promise((r) => setTimeout(r, RESULT_TTL_MS + 12_000));
    const end = heapMb();
    const polls = summarize(report.pollLatenciesMs);
    const lost = after.missing.length + after.notFinal.length;
    const depthsZero = Object.values(after.depths).every((d) => d.queued === 0 && d.running === 0);
    return {
      title: `${CLIENTS} concurrent protocol clients for ${DURATION_MS / 1000} s against the local server (gateway, DuckDB and dynalite in one process on 2 cores): short queries, 15,000-row paged results, cancels and failing queries; memory measured after GC, once results held ${RESULT_TTL_MS / 1000} s after their last read have expired`,
      figures: {
        clients: CLIENTS,
        queries: report.queries,
        short: report.byKind.short,
        large: report.byKind.large,
        canceled: report.byKind.cancel,
        failing: report.byKind.error,
        queriesPerSecond: round(report.queries / (report.elapsedMs / 1000), 1),
        polls: report.pollLatenciesMs.length,
        pollP50Ms: polls.median,
        pollP99Ms: polls.p99,
        wrongOutcomes: report.wrong.length,
        wrongExamples: report.wrong.slice(0, 3).join('; '),
        retriedStatuses: JSON.stringify(report.unexpectedStatus),
        lostOrNotFinal: lost,
        depthsBackToZero: depthsZero,
        heapBaselineMb: round(baseline, 1),
        heapAfterMb: round(end, 1),
        rssMbEverySecond: rss.join(' '),
      },
      targets: [
        { name: 'every submitted query is in the history with a final state', met: lost === 0, detail: `${report.queryIds.length} queries, ${lost} missing or not final` },
        { name: "every target's queue depth is back to zero", met: depthsZero, detail: JSON.stringify(after.depths) },
        { name: 'memory returns to its baseline (heap within 10% + 5 MB after GC)', met: end <= baseline * 1.1 + 5, detail: `${round(baseline, 1)} MB before, ${round(end, 1)} MB after` },
      ],
    };
  } finally {
    await server.close();
  }
}
