import { isFinal } from '../engines/engine.js';
import { queryError } from '../errors.js';
import { noMetrics, silentLog, type TrackingDeps } from './deps.js';
import { abandonAfterMs } from './settings.js';
import { finalPatch, queryStateOf, statisticsPatch } from './outcome.js';
import { ATHENA_BATCH_LIMIT } from './engine-status.js';
import { settleAccounting } from './accounting.js';
import type { AthenaQueryStatus, AthenaStatus, IdleCutoffs, OpenQuery } from '../ports/index.js';

export interface SweepReport {
  /** Final queries whose statistics or spend were recorded by this sweep (accounting.ts). */
  settled?: number;
  /** Non-final queries that were due (idle or abandoned). */
  examined: number;
  /** Queries whose recorded state was corrected from the engine's status (final ones included). */
  reconciled: number;
  /** Of those, queries that were found final. */
  finalized: number;
  /** Queries ended because their client stopped polling. */
  abandoned: number;
  /** Abandoned queries recorded CANCELED whose engine query could not be stopped (logged and counted). */
  stopFailures: number;
  /** Abandoned queries left for the next sweep: the engine's status of them could not be read. */
  unconfirmed: number;
  /** Status reads the status API had no answer for. */
  missing: number;
  /** True when more queries were due than one sweep handles. */
  truncated: boolean;
}

type Statuses = Map<string, AthenaQueryStatus>;

/**
 * One run of the sweeper (scheduled):
 * - reconciles non-final queries that saw no state change for `reconcileAfterMs` with the
 *   engine's status (BatchGetQueryExecution, 50 ids a call), since events may be lost;
 * - ends queries whose client stopped polling for longer than the client timeout (never less than
 *   abandonment.ts's bound, so a client that still polls is never taken for gone).
 *
 * Ending an abandoned query on a target with a status API takes the engine's word, read in this
 * sweep, twice (the listing's read, then again just before ending it, as a read may be stale):
 * both must say the query still runs, else it is left for the next sweep (status unavailable) or
 * recorded in its true final state. Then the query is recorded CANCELED with ABANDONED_QUERY by a
 * write conditional on no poll since the cutoff, and only when that write applied is the engine's
 * query stopped: a client that polls in the race keeps its query. A stop that fails then is
 * logged and counted (SweepStopFailed); the item is final already, so no sweep retries it, and
 * the engine's query runs until it ends by itself (Athena ends it at the workgroup's limits and
 * the service's query timeout; its final event then adds the statistics). Queries on targets
 * without a status API (clusters) are only ended when abandoned: the cluster itself abandons a
 * query nobody polls.
 */
export async function sweep(deps: TrackingDeps): Promise<SweepReport> {
  const log = deps.log ?? silentLog;
  const now = (deps.clock ?? Date.now)();
  const { store, settings } = deps;
  const cutoffs: IdleCutoffs = { updatedBefore: now - settings.reconcileAfterMs, polledBefore: now - abandonAfterMs(settings) };
  const report: SweepReport = { examined: 0, reconciled: 0, finalized: 0, abandoned: 0, stopFailures: 0, unconfirmed: 0, missing: 0, truncated: false };

  const due: OpenQuery[] = [];
  for await (const query of store.listIdle(cutoffs)) {
    if (due.length >= settings.maxQueriesPerSweep) {
      report.truncated = true;
      break;
    }
    due.push(query);
  }
  // Final queries on the list have accounting left to do (accounting.ts): statistics or spend.
  const settling = due.filter((q) => isFinal(q.state));
  due.splice(0, due.length, ...due.filter((q) => !isFinal(q.state)));
  report.examined = due.length;
  if (settling.length) await settleAccounting(deps, settling, cutoffs, report);

  const truth = await statuses(deps, due, report);
  const candidates: OpenQuery[] = [];
  await forEach(due, settings.sweepConcurrency, async (query) => {
    const status = query.engineQueryId ? truth.get(query.queryId) : undefined;
    if (status && isFinal(queryStateOf(status.state) ?? 'QUEUED')) return finalize(deps, query, status, now, report);
    if ((query.lastPollAt ?? query.createdAt) < cutoffs.polledBefore) candidates.push(query);
    else await correct(deps, query, status, now, cutoffs, report);
  });

  // The engine's word again, just before ending anything, for the queries whose first read said they run.
  const again = await statuses(deps, candidates.filter((q) => truth.has(q.queryId)), report);
  await forEach(candidates, settings.sweepConcurrency, async (query) => {
    const source = query.engineQueryId ? deps.statusFor(query.target) : undefined;
    const status = again.get(query.queryId);
    if (source && (!truth.has(query.queryId) || !status)) {
      report.unconfirmed++;
      log.info('left an abandoned query for the next sweep: its engine status is unavailable', { queryId: query.queryId, executionId: query.engineQueryId });
      return;
    }
    if (status && isFinal(queryStateOf(status.state) ?? 'QUEUED')) return finalize(deps, query, status, now, report);
    if (!(await abandon(deps, query, now, cutoffs, report))) await correct(deps, query, status, now, cutoffs, report);
  });

  if (report.examined > 0) log.info('sweep done', { ...report });
  return report;
}

/** Records the final state the engine reports (with statistics), or adds the statistics to a query already final. */
async function finalize(deps: TrackingDeps, query: OpenQuery, status: AthenaQueryStatus, now: number, report: SweepReport): Promise<void> {
  const trueState = queryStateOf(status.state)!;
  const price = deps.settings.pricePerTerabyteUsd(query.target);
  try {
    if (await deps.store.transition(query.queryId, finalPatch(trueState, status, { pricePerTerabyteUsd: price }), now)) {
      deps.events?.queryEndedById(query.queryId, now);
      report.reconciled++;
      report.finalized++;
      (deps.metrics ?? noMetrics).count('SweepReconciled');
    } else if (status.statistics) {
      const { statistics, costUsd } = statisticsPatch(trueState, status, price);
      await deps.store.recordStatistics(query.queryId, { statistics: statistics!, ...(costUsd !== undefined ? { costUsd } : {}) }, now);
    }
  } catch (error) {
    (deps.log ?? silentLog).error('sweep failed for a query', { queryId: query.queryId, error: String(error) });
  }
}

/** Corrects a non-final recorded state that the engine's status contradicts, once the state has been idle. */
async function correct(deps: TrackingDeps, query: OpenQuery, status: AthenaQueryStatus | undefined, now: number, cutoffs: IdleCutoffs, report: SweepReport): Promise<void> {
  const trueState = status ? queryStateOf(status.state) : undefined;
  if (!trueState || trueState === query.state || query.updatedAt >= cutoffs.updatedBefore) return;
  try {
    if (await deps.store.transition(query.queryId, { state: trueState }, now)) {
      report.reconciled++;
      (deps.metrics ?? noMetrics).count('SweepReconciled');
    }
  } catch (error) {
    (deps.log ?? silentLog).error('sweep failed for a query', { queryId: query.queryId, error: String(error) });
  }
}

/** The engine's status of every due query that has one, asked 50 ids at a time. */
async function statuses(deps: TrackingDeps, due: OpenQuery[], report: SweepReport): Promise<Statuses> {
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
  const truth: Statuses = new Map();
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

/**
 * Ends an abandoned query: records CANCELED (conditional on no poll since the cutoff), then, only
 * if that applied, stops the engine's query. False when the query was not ended (a poll came in).
 */
async function abandon(deps: TrackingDeps, query: OpenQuery, now: number, cutoffs: IdleCutoffs, report: SweepReport): Promise<boolean> {
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  let ended = false;
  try {
    // The listing comes from an eventually consistent index: the item tells the last poll.
    const current = await deps.store.get(query.queryId);
    if (!current || isFinal(current.state)) return true;
    const lastPoll = current.lastPollAt ?? current.createdAt;
    if (lastPoll >= cutoffs.polledBefore) return false;
    const timeoutSeconds = Math.round((now - cutoffs.polledBefore) / 1000);
    const since = new Date(lastPoll).toISOString();
    const message = `Query ${query.queryId} was abandoned by the client, as it may have exited or stopped checking for query results. Query results have not been accessed since ${since}: currentTime ${new Date(now).toISOString()}`;
    ended = await deps.store.transition(
      query.queryId,
      {
        state: 'CANCELED',
        error: queryError('ABANDONED_QUERY', message),
        endReason: `abandoned: the client stopped polling (last poll ${since}, client timeout ${timeoutSeconds} s)`,
        onlyIfPolledBefore: cutoffs.polledBefore,
        // The engine's query is stopped after this write: its partial scan is billed, and recorded later.
        ...(query.engineQueryId && deps.statusFor(query.target) ? { awaitStatistics: true } : {}),
      },
      now,
    );
    if (!ended) return false;
    deps.events?.queryEndedById(query.queryId, now);
    report.abandoned++;
    metrics.count('SweepAbandoned');
    log.info('ended an abandoned query', { queryId: query.queryId, user: query.user, target: query.target, lastPollAt: since });
    const source = query.engineQueryId ? deps.statusFor(query.target) : undefined;
    if (source && query.engineQueryId) await source.stop(query.engineQueryId);
  } catch (error) {
    if (!ended) {
      log.error('sweep failed for a query', { queryId: query.queryId, error: String(error) });
      return true;
    }
    // Recorded CANCELED already: the engine's query runs until it ends by itself (see sweep).
    report.stopFailures++;
    metrics.count('SweepStopFailed');
    log.error('could not stop the engine query of an abandoned query: it runs until it ends by itself', { queryId: query.queryId, executionId: query.engineQueryId, target: query.target, error: String(error) });
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
