import { BatchGetQueryExecutionCommand, StopQueryExecutionCommand, type AthenaClient, type QueryExecution } from '@aws-sdk/client-athena';
import { ATHENA_BATCH_LIMIT } from '../../core/tracking/engine-status.js';
import type { AthenaQueryStatus, AthenaState, AthenaStatus, AthenaStatusBatch, QueryStatistics } from '../../core/ports/index.js';

const STATES: readonly AthenaState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Athena's status API for tracking: BatchGetQueryExecution (50 ids a call) and
 * StopQueryExecution (idempotent). The SDK's own retries cover throttling.
 */
export class AthenaStatusApi implements AthenaStatus {
  constructor(private readonly client: AthenaClient) {}

  async batchGet(executionIds: readonly string[]): Promise<AthenaStatusBatch> {
    const unique = [...new Set(executionIds)];
    const result: AthenaStatusBatch = { statuses: [], unprocessed: [] };
    for (let i = 0; i < unique.length; i += ATHENA_BATCH_LIMIT) {
      const out = await this.client.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: unique.slice(i, i + ATHENA_BATCH_LIMIT) }));
      for (const execution of out.QueryExecutions ?? []) {
        const status = statusOf(execution);
        if (status) result.statuses.push(status);
      }
      for (const failed of out.UnprocessedQueryExecutionIds ?? []) {
        if (!failed.QueryExecutionId) continue;
        result.unprocessed.push({
          executionId: failed.QueryExecutionId,
          ...(failed.ErrorCode ? { code: failed.ErrorCode } : {}),
          ...(failed.ErrorMessage ? { message: failed.ErrorMessage } : {}),
        });
      }
    }
    return result;
  }

  async stop(executionId: string): Promise<void> {
    await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: executionId }));
  }
}

/** One QueryExecution as tracking sees it; undefined when it carries no id or no known state. */
export function statusOf(execution: QueryExecution): AthenaQueryStatus | undefined {
  const state = execution.Status?.State as AthenaState | undefined;
  if (!execution.QueryExecutionId || !state || !STATES.includes(state)) return undefined;
  const status: AthenaQueryStatus = { executionId: execution.QueryExecutionId, state };
  const s = execution.Status!;
  if (s.StateChangeReason) status.stateChangeReason = s.StateChangeReason;
  if (execution.StatementType) status.statementType = execution.StatementType;
  if (execution.WorkGroup) status.workgroup = execution.WorkGroup;
  if (s.SubmissionDateTime) status.submittedAt = new Date(s.SubmissionDateTime).getTime();
  if (s.CompletionDateTime) status.completedAt = new Date(s.CompletionDateTime).getTime();
  if (s.AthenaError) {
    const e = s.AthenaError;
    status.error = {
      ...(e.ErrorCategory !== undefined ? { category: e.ErrorCategory } : {}),
      ...(e.ErrorType !== undefined ? { type: e.ErrorType } : {}),
      ...(e.Retryable !== undefined ? { retryable: e.Retryable } : {}),
      ...(e.ErrorMessage !== undefined ? { message: e.ErrorMessage } : {}),
    };
  }
  const t = execution.Statistics;
  if (t) {
    const statistics: QueryStatistics = {};
    if (t.DataScannedInBytes !== undefined) statistics.dataScannedBytes = t.DataScannedInBytes;
    if (t.QueryQueueTimeInMillis !== undefined) statistics.queueTimeMillis = t.QueryQueueTimeInMillis;
    if (t.QueryPlanningTimeInMillis !== undefined) statistics.planningTimeMillis = t.QueryPlanningTimeInMillis;
    if (t.EngineExecutionTimeInMillis !== undefined) statistics.engineTimeMillis = t.EngineExecutionTimeInMillis;
    if (t.TotalExecutionTimeInMillis !== undefined) statistics.totalTimeMillis = t.TotalExecutionTimeInMillis;
    if (t.ServicePreProcessingTimeInMillis !== undefined) statistics.servicePreProcessingTimeMillis = t.ServicePreProcessingTimeInMillis;
    if (t.ServiceProcessingTimeInMillis !== undefined) statistics.serviceProcessingTimeMillis = t.ServiceProcessingTimeInMillis;
    if (t.DpuCount !== undefined) statistics.dpuCount = t.DpuCount;
    if (t.ResultReuseInformation?.ReusedPreviousResult !== undefined) statistics.reusedPreviousResult = t.ResultReuseInformation.ReusedPreviousResult;
    status.statistics = statistics;
  }
  return status;
}
