import type { EngineState, AthenaState, AthenaStatus, AthenaStatusBatch, QueryStatistics } from '../ports/index.js';
import type { QueryError } from '../errors.js';

/** What an engine other than Athena knows about one of its queries. */
export interface EngineQueryStatus {
  state: EngineState;
  statistics?: QueryStatistics;
  error?: QueryError;
}

const ATHENA_STATES: Record<EngineState, AthenaState> = { QUEUED: 'QUEUED', RUNNING: 'RUNNING', FINISHED: 'SUCCEEDED', FAILED: 'FAILED', CANCELED: 'CANCELLED' };

/**
 * The AthenaStatus port over an engine that is not Athena (the local DuckDB engine), so the
 * sweeper and the statistics of final states work the same way in local mode. `lookup` answers
 * undefined for a query the engine does not know (any more).
 */
export function engineStatus(engine: { lookup(engineQueryId: string): EngineQueryStatus | undefined; cancel(engineQueryId: string): Promise<void> }): AthenaStatus {
  return {
    async batchGet(executionIds): Promise<AthenaStatusBatch> {
      const batch: AthenaStatusBatch = { statuses: [], unprocessed: [] };
      for (const executionId of executionIds) {
        const status = engine.lookup(executionId);
        if (!status) {
          batch.unprocessed.push({ executionId, code: 'NOT_FOUND', message: `The engine does not know query ${executionId}` });
          continue;
        }
        batch.statuses.push({
          executionId,
          state: ATHENA_STATES[status.state],
          ...(status.statistics ? { statistics: status.statistics } : {}),
          // Athena's messages start with the Trino error name; so do these, to keep the name.
          ...(status.error ? { error: { category: status.error.errorType === 'USER_ERROR' ? 2 : 1, message: `${status.error.errorName}: ${status.error.message}` } } : {}),
        });
      }
      return batch;
    },
    stop: (executionId) => engine.cancel(executionId),
  };
}

/** BatchGetQueryExecution takes at most this many ids. */
export const ATHENA_BATCH_LIMIT = 50;
