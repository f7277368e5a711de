/**
 * Scale: the local server's throughput with 200 concurrent protocol clients against 50, the two
 * loads interleaved (50, 200, 200, 50, ...) and repeated, so a noisy minute hits both alike.
 * Every query is accounted for: a wrong outcome or an internal error counts against the target.
 */
import type { BenchResult } from './run.js';
import { checkAfterLoad, runLoad, type LoadReport } from './load-driver.js';
import { interleave } from './stats.js';
import { startLocalServer } from '../lambdas/local/server.js';

const DURATION_MS = 12_000;
const LOADS = [50, 200] as const;

export default async function bench(): Promise<BenchResult> {
  const server = await startLocalServer({ gateway: { pollWaitMs: 1_000 }, sweepIntervalMs: 5_000, engineResultTtlMs: 30_000 });
  const reports: LoadReport[] = [];
  try {
    const run = (clients: number) => async () => {
      const report = await runLoad(server, { clients, durationMs: DURATION_MS });
      reports.push(report);
      return { [`qps${clients}`]: report.queries / (report.elapsedMs / 1000) };
    };
    const repeated = await interleave(Object.fromEntries(LOADS.map((c) => [`clients${c}`, run(c)])), { repetitions: 5, warmup: 1 });
    repeated.derive('ratio200to50', (get) => get('qps200') / get('qps50'));
    const after = await checkAfterLoad(server, { queries: 0, byKind: { short: 0, large: 0, cancel: 0, error: 0 }, wrong: [], errors: {}, unexpectedStatus: {}, pollLatenciesMs: [], queryIds: reports.flatMap((r) => r.queryIds), elapsedMs: 0 }, 60_000);
    const { figures, spreads, repetitions } = repeated.report(2);
    const internal = reports.reduce((sum, r) => sum + (r.errors.GENERIC_INTERNAL_ERROR ?? 0), 0);
    const wrong = reports.reduce((sum, r) => sum + r.wrong.length, 0);
    const errors: Record<string, number> = {};
    for (const r of reports) for (const [name, n] of Object.entries(r.errors)) errors[name] = (errors[name] ?? 0) + n;
    const lost = after.missing.length + after.notFinal.length;
    return {
      title: `Throughput of the local server (gateway, DuckDB and dynalite in one process) with 200 concurrent protocol clients against 50, ${DURATION_MS / 1000} s per load, interleaved, ${repetitions} repetitions after a warm-up round; the mix of the load benchmark (short queries, 15,000-row results, cancels, failing queries)`,
      figures: {
        ...figures,
        repetitions,
        spreadQps50: JSON.stringify(spreads.qps50),
        spreadQps200: JSON.stringify(spreads.qps200),
        spreadRatio: JSON.stringify(spreads.ratio200to50),
        queries: reports.reduce((sum, r) => sum + r.queries, 0),
        wrongOutcomes: wrong,
        wrongExamples: reports.flatMap((r) => r.wrong).slice(0, 3).join('; '),
        internalErrors: internal,
        errorsByName: JSON.stringify(errors),
        retriedStatuses: JSON.stringify(reports.reduce<Record<number, number>>((all, r) => { for (const [s, n] of Object.entries(r.unexpectedStatus)) all[Number(s)] = (all[Number(s)] ?? 0) + n; return all; }, {})),
        lostOrNotFinal: lost,
      },
      targets: [
        { name: '200 clients reach at least 0.9x the throughput of 50 (median of paired ratios)', met: figures.ratio200to50! >= 0.9, detail: `${figures.ratio200to50} (${figures.qps200} against ${figures.qps50} queries/s)` },
        { name: 'every query accounted for, no wrong outcome, no internal error', met: wrong === 0 && internal === 0 && lost === 0, detail: `${wrong} wrong, ${internal} GENERIC_INTERNAL_ERROR, ${lost} missing or not final` },
      ],
    };
  } finally {
    await server.close();
  }
}
