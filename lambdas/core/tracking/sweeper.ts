import { isFinal } from '../engines/engine.js';
import { queryError } from '../errors.js';
import { noMetrics, silentLog, type TrackingDeps } from './deps.js';
import { finalPatch, queryStateOf, statisticsPatch } from './outcome.js';
import { ATHENA_BATCH_LIMIT } from './engine-status.js';
import type { AthenaQueryStatus, AthenaStatus, IdleCutoffs, OpenQuery } from '../ports/index.js';

export interface SweepReport {
  /** Non-final queries that were due (idle or abandoned). */
  examined: number;
  /** Queries whose recorded state was corrected from the engine's status (final ones included). */
  reconciled: number;
  /** Of those, queries that were found final. */
  finalized: number;
  /** Queries ended because their client stopped polling. */
  abandoned: number;
  /** Abandoned queries the engine could not stop: left for the next sweep. */
  stopFailures: number;
  /** Queries the status API had no answer for. */
  missing: number;
  /** True when more queries were due than one sweep handles. */
  truncated: boolean;
}

/**
 * One run of the sweeper (scheduled):
 * - reconciles non-final queries that saw no state change for `reconcileAfterMs` with the
 *   engine's status (BatchGetQueryExecution, 50 ids a call), since events may be lost;
 * - ends queries whose client stopped polling for longer than the client timeout: stops them on
 *   the engine, then records CANCELED with ABANDONED_QUERY and the reason. A query the engine
 *   could not stop stays open (and counted) and is tried again next time.
 * Queries on targets without a status API (clusters) are only ended when abandoned: the cluster
 * itself abandons a query nobody polls.
 */
export async function sweep(deps: TrackingDeps): Promise<SweepReport> {
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  const now = (deps.clock ?? Date.now)();
  const { store, settings } = deps;
  const cutoffs: IdleCutoffs = { updatedBefore: now - settings.reconcileAfterMs, polledBefore: now - settings.clientTimeoutMs };
  const report: SweepReport = { examined: 0, reconciled: 0, finalized: 0, abandoned: 0, stopFailures: 0, missing: 0, truncated: false };

  const due: OpenQuery[] = [];
  for await (const query of store.listIdle(cutoffs)) {
    if (due.length >= settings.maxQueriesPerSweep) {
      report.truncated = true;
      break;
    }
    due.push(query);
  }
  report.examined = due.length;

  const truth = await statuses(deps, due, report);

  await forEach(due, settings.sweepConcurrency, async (query) => {
    try {
      const status = query.engineQueryId ? truth.get(query.queryId) : undefined;
      const trueState = status ? queryStateOf(status.state) : undefined;
      if (status && trueState && isFinal(trueState)) {
        const price = settings.pricePerTerabyteUsd(query.target);
        if (await store.transition(query.queryId, finalPatch(trueState, status, { pricePerTerabyteUsd: price }), now)) {
          report.reconciled++;
          report.finalized++;
          metrics.count('SweepReconciled');
        } else if (status.statistics) {
          const { statistics, costUsd } = statisticsPatch(trueState, status, price);
          await store.recordStatistics(query.queryId, { statistics: statistics!, ...(costUsd !== undefined ? { costUsd } : {}) }, now);
        }
        return;
      }
      const lastPoll = query.lastPollAt ?? query.createdAt;
      // A query the engine could not stop stays open: its recorded state is still corrected below.
      if (lastPoll < cutoffs.polledBefore && (await abandon(deps, query, lastPoll, now, cutoffs, report))) return;
      if (trueState && trueState !== query.state && query.updatedAt < cutoffs.updatedBefore) {
        if (await store.transition(query.queryId, { state: trueState }, now)) {
          report.reconciled++;
          metrics.count('SweepReconciled');
        }
      }
    } catch (error) {
      log.error('sweep failed for a query', { queryId: query.queryId, error: String(error) });
    }
  });

  if (report.examined > 0) log.info('sweep done', { ...report });
  return report;
}

/** The engine's status of every due query that has one, asked 50 ids at a time. */
async function statuses(deps: TrackingDeps, due: OpenQuery[], report: SweepReport): Promise<Map<string, AthenaQueryStatus>> {
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  const bySource = new Map<AthenaStatus, Map<string, string>>();
  for (const query of due) {
    if (!query.engineQueryId) continue;
    const source = deps.statusFor(query.target);
    if (!source) continue;
    let ids = bySource.get(source);
    if (!ids) bySource.set(source, (ids = new Map()));
    ids.set(query.engineQueryId, query.queryId);
  }
  const truth = new Map<string, AthenaQueryStatus>();
  for (const [source, ids] of bySource) {
    const executionIds = [...ids.keys()];
    for (let i = 0; i < executionIds.length; i += ATHENA_BATCH_LIMIT) {
      const chunk = executionIds.slice(i, i + ATHENA_BATCH_LIMIT);
      try {
        const batch = await source.batchGet(chunk);
        for (const status of batch.statuses) {
          const queryId = ids.get(status.executionId);
          if (queryId) truth.set(queryId, status);
        }
        if (batch.unprocessed.length) {
          report.missing += batch.unprocessed.length;
          metrics.count('SweepStatusMissing', batch.unprocessed.length);
          log.warn('the status API did not answer for some queries', { unprocessed: batch.unprocessed.slice(0, 10) });
        }
      } catch (error) {
        report.missing += chunk.length;
        metrics.count('SweepStatusMissing', chunk.length);
        log.warn('status lookup failed', { count: chunk.length, error: String(error) });
      }
    }
  }
  return truth;
}

/** Stops and ends an abandoned query; false when the engine could not stop it. */
async function abandon(deps: TrackingDeps, query: OpenQuery, lastPoll: number, now: number, cutoffs: IdleCutoffs, report: SweepReport): Promise<boolean> {
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  // The listing comes from an eventually consistent index: confirm before stopping anything.
  const current = await deps.store.get(query.queryId);
  if (!current || isFinal(current.state)) return true;
  lastPoll = current.lastPollAt ?? current.createdAt;
  if (lastPoll >= cutoffs.polledBefore) return false;
  const source = query.engineQueryId ? deps.statusFor(query.target) : undefined;
  if (source && query.engineQueryId) {
    try {
      await source.stop(query.engineQueryId);
    } catch (error) {
      // Recording it as ended while it still runs would make its target's depth too low.
      report.stopFailures++;
      metrics.count('SweepStopFailed');
      log.warn('could not stop an abandoned query; trying again next sweep', { queryId: query.queryId, executionId: query.engineQueryId, error: String(error) });
      return false;
    }
  }
  const timeoutSeconds = Math.round(deps.settings.clientTimeoutMs / 1000);
  const since = new Date(lastPoll).toISOString();
  const ended = await deps.store.transition(
    query.queryId,
    {
      state: 'CANCELED',
      error: queryError(
        'ABANDONED_QUERY',
        `Query ${query.queryId} was abandoned by the client, as it may have exited or stopped checking for query results. Query results have not been accessed since ${since}: currentTime ${new Date(now).toISOString()}`,
      ),
      endReason: `abandoned: the client stopped polling (last poll ${since}, client timeout ${timeoutSeconds} s)`,
      onlyIfPolledBefore: cutoffs.polledBefore,
    },
    now,
  );
  if (ended) {
    report.abandoned++;
    metrics.count('SweepAbandoned');
    log.info('ended an abandoned query', { queryId: query.queryId, user: query.user, target: query.target, lastPollAt: since });
  }
  return true;
}

async function forEach<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
