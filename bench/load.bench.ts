/**
 * Issue "Hardening" load benchmark: 200 concurrent protocol clients against the local server
 * (DuckDB over the TPC-H sample, dynalite) for a bounded time, with a mix of short queries, large
 * paged results, cancels and errors. Reports queries per second, poll latency and memory over
 * time; checks that every query ends final in the history, depths return to zero and memory
 * returns to its baseline. The load runs 5 times (each run's queries checked before the next);
 * figures are the runs' medians with their spreads, the memory check follows the last run.
 */
import type { BenchResult } from './run.js';
import { checkAfterLoad, runLoad } from './load-driver.js';
import { collectGarbage, interleave, round, summarize } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';

const CLIENTS = 200;
const DURATION_MS = 8_000;
const REPETITIONS = 5;
/** Results are held this long after their last read (2 minutes by default), so the run ends with memory to give back. */
const RESULT_TTL_MS = 30_000;

function heapMb(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export default async function bench(): Promise<BenchResult> {
  const server = await startLocalServer({ gateway: { pollWaitMs: 1_000 }, sweepIntervalMs: 5_000, engineResultTtlMs: RESULT_TTL_MS });
  try {
    // Warm-up: compile, fill caches, so the baseline is the steady state of an idle server.
    await runLoad(server, { clients: 20, durationMs: 2_000 });
    const baseline = heapMb();
    const rss: number[] = [];
    let submitted = 0;
    let lostTotal = 0;
    let depths: Record<string, { queued: number; running: number }> = {};
    const wrong: string[] = [];
    const retried: Record<number, number> = {};
    const repeated = await interleave(
      {
        load: async () => {
          const report = await runLoad(server, { clients: CLIENTS, durationMs: DURATION_MS, onSample: () => rss.push(round(process.memoryUsage().rss / 2 ** 20, 0)) });
          // Every run's queries end before the next run starts.
          const after = await checkAfterLoad(server, report, 30_000);
          const lost = after.missing.length + after.notFinal.length;
          submitted += report.queryIds.length;
          lostTotal += lost;
          depths = after.depths;
          wrong.push(...report.wrong);
          for (const [status, n] of Object.entries(report.unexpectedStatus)) retried[Number(status)] = (retried[Number(status)] ?? 0) + n;
          const polls = summarize(report.pollLatenciesMs);
          return {
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
            lostOrNotFinal: lost,
          };
        },
      },
      { repetitions: REPETITIONS, warmup: 0 },
    );
    await new Promise((r) => setTimeout(r, RESULT_TTL_MS + 12_000));
    const end = heapMb();
    const depthsZero = Object.values(depths).every((d) => d.queued === 0 && d.running === 0);
    const { figures, spreads, repetitions } = repeated.report(1);
    return {
      title: `${CLIENTS} concurrent protocol clients for ${DURATION_MS / 1000} s against the local server (gateway, DuckDB and dynalite in one process on 2 cores), ${repetitions} runs: short queries, 15,000-row paged results, cancels and failing queries; memory measured after GC, once results held ${RESULT_TTL_MS / 1000} s after their last read have expired`,
      figures: {
        clients: CLIENTS,
        ...figures,
        wrongExamples: wrong.slice(0, 3).join('; '),
        retriedStatuses: JSON.stringify(retried),
        depthsBackToZero: depthsZero,
        heapBaselineMb: round(baseline, 1),
        heapAfterMb: round(end, 1),
        rssMbEverySecond: rss.join(' '),
      },
      targets: [
        { name: 'every submitted query is in the history with a final state (every run)', met: lostTotal === 0, detail: `${submitted} queries, ${lostTotal} missing or not final` },
        { name: "every target's queue depth is back to zero", met: depthsZero, detail: JSON.stringify(depths) },
        { name: 'memory returns to its baseline (heap within 10% + 5 MB after GC)', met: end <= baseline * 1.1 + 5, detail: `${round(baseline, 1)} MB before, ${round(end, 1)} MB after` },
      ],
      repetitions,
      spreads,
    };
  } finally {
    await server.close();
  }
}
