import { isFinal } from '../engines/engine.js';
import type { AthenaQueryStatus, AthenaStatus, IdleCutoffs, OpenQuery, TrackedRecord } from '../ports/index.js';
import { noMetrics, silentLog, type TrackingDeps } from './deps.js';
import { ATHENA_BATCH_LIMIT } from './engine-status.js';
import { queryStateOf, statisticsPatch } from './outcome.js';

/**
 * The sweeper's share of the accounting (docs/budgets.md): a query ended by a poll, a DELETE, an
 * admin or the sweeper itself without the engine's statistics (its final event lost, or not sent)
 * stays on the open-queries list, and so does one whose spend was recorded but not yet counted.
 * Once such a query has been final for `reconcileAfterMs` (time for the final event to do it), the
 * sweeper reads the engine's statistics (BatchGetQueryExecution, 50 ids a call) and records them,
 * which counts the spend; or counts spend left uncounted. A status API that no longer knows the
 * query after STATISTICS_GIVE_UP_MS records empty statistics, so nothing stays on the list forever.
 */
export const STATISTICS_GIVE_UP_MS = 24 * 3_600_000;

export async function settleAccounting(deps: TrackingDeps, queries: readonly OpenQuery[], cutoffs: IdleCutoffs, report: { settled?: number }): Promise<void> {
  const ready = queries.filter((q) => q.updatedAt < cutoffs.updatedBefore);
  const awaiting: TrackedRecord[] = [];
  for (const query of ready) {
    try {
      const item = await deps.store.get(query.queryId);
      if (!item || !isFinal(item.state)) continue;
      if (item.spendDue) {
        if (await deps.store.settleSpend?.(item.queryId)) report.settled = (report.settled ?? 0) + 1;
      } else if (!item.statistics) awaiting.push(item);
    } catch (error) {
      (deps.log ?? silentLog).error('sweep failed to settle a query', { queryId: query.queryId, error: String(error) });
    }
  }
  if (awaiting.length) await recordAwaited(deps, awaiting, report);
}

/** Reads the engine's statistics of final queries that have none, and records them. */
async function recordAwaited(deps: TrackingDeps, items: readonly TrackedRecord[], report: { settled?: number }): Promise<void> {
  const now = (deps.clock ?? Date.now)();
  const bySource = new Map<AthenaStatus | undefined, TrackedRecord[]>();
  for (const item of items) {
    const source = item.engineQueryId ? deps.statusFor(item.target) : undefined;
    bySource.set(source, [...(bySource.get(source) ?? []), item]);
  }
  for (const [source, group] of bySource) {
    for (let i = 0; i < group.length; i += ATHENA_BATCH_LIMIT) {
      const chunk = group.slice(i, i + ATHENA_BATCH_LIMIT);
      const found = new Map<string, AthenaQueryStatus>();
      try {
        if (source) for (const status of (await source.batchGet(chunk.map((q) => q.engineQueryId!))).statuses) found.set(status.executionId, status);
      } catch (error) {
        (deps.metrics ?? noMetrics).count('SweepStatusMissing', chunk.length);
        (deps.log ?? silentLog).warn('status lookup failed', { count: chunk.length, error: String(error) });
        continue;
      }
      for (const item of chunk) await recordOne(deps, item, source ? found.get(item.engineQueryId!) : undefined, source === undefined, now, report);
    }
  }
}

async function recordOne(deps: TrackingDeps, item: TrackedRecord, status: AthenaQueryStatus | undefined, untracked: boolean, now: number, report: { settled?: number }): Promise<void> {
  const log = deps.log ?? silentLog;
  const state = status ? queryStateOf(status.state) : undefined;
  try {
    if (status?.statistics && state && isFinal(state)) {
      const { statistics, costUsd } = statisticsPatch(state, status, deps.settings.pricePerTerabyteUsd(item.target));
      if (await deps.store.recordStatistics(item.queryId, { statistics: statistics!, ...(costUsd !== undefined ? { costUsd } : {}) }, now)) {
        report.settled = (report.settled ?? 0) + 1;
        (deps.metrics ?? noMetrics).count('StatisticsRecorded');
      }
      return;
    }
    // Not final in the engine yet (a stop takes a moment): the next sweep asks again.
    if (status && state && !isFinal(state)) return;
    if (untracked || now - (item.endedAt ?? item.updatedAt) > STATISTICS_GIVE_UP_MS) {
      await deps.store.recordStatistics(item.queryId, { statistics: {} }, now);
      (deps.metrics ?? noMetrics).count('StatisticsUnavailable');
      log.warn('gave up on the statistics of a finished query: its engine no longer reports them', { queryId: item.queryId, executionId: item.engineQueryId, target: item.target });
    }
  } catch (error) {
    log.error('sweep failed to record statistics', { queryId: item.queryId, error: String(error) });
  }
}
