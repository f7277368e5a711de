import { AthenaClient, BatchGetQueryExecutionCommand, InvalidRequestException, StopQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AthenaStatusApi } from '../../lambdas/adapters/aws/athena-status.js';

const athena = mockClient(AthenaClient);
afterEach(() => athena.reset());

/** A QueryExecution with every field AWS documents for BatchGetQueryExecution (timestamps deserialized). */
function execution(id: string, state: string, extra: Record<string, unknown> = {}): QueryExecution {
  return {
    QueryExecutionId: id,
    Query: 'SELECT * FROM sales.orders LIMIT 10',
    StatementType: 'DML',
    SubstatementType: 'SELECT',
    ResultConfiguration: { OutputLocation: `s3://bifrost-results/adhoc/${id}.csv`, EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: 'sales', Catalog: 'AwsDataCatalog' },
    Status: {
      State: state,
      SubmissionDateTime: new Date('2025-03-01T12:00:00.000Z'),
      ...(state === 'QUEUED' || state === 'RUNNING' ? {} : { CompletionDateTime: new Date('2025-03-01T12:00:06.100Z') }),
    },
    Statistics: {
      EngineExecutionTimeInMillis: 5600,
      DataScannedInBytes: 123_456_789,
      TotalExecutionTimeInMillis: 6100,
      QueryQueueTimeInMillis: 120,
      ServicePreProcessingTimeInMillis: 20,
      QueryPlanningTimeInMillis: 340,
      ServiceProcessingTimeInMillis: 20,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: 'bifrost-adhoc',
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    ExecutionParameters: [],
    ...extra,
  } as QueryExecution;
}

describe('AthenaStatusApi', () => {
  it('maps BatchGetQueryExecution to statuses with statistics, errors and unprocessed ids', async () => {
    athena.on(BatchGetQueryExecutionCommand).resolves({
      QueryExecutions: [
        execution('11111111-0000-0000-0000-000000000001', 'SUCCEEDED'),
        execution('11111111-0000-0000-0000-000000000002', 'FAILED', {
          Status: {
            State: 'FAILED',
            StateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist",
            SubmissionDateTime: new Date('2025-03-01T12:00:00.000Z'),
            CompletionDateTime: new Date('2025-03-01T12:00:00.800Z'),
            AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist" },
          },
        }),
        execution('11111111-0000-0000-0000-000000000003', 'RUNNING', { Statistics: { EngineExecutionTimeInMillis: 10, DataScannedInBytes: 0, TotalExecutionTimeInMillis: 30, QueryQueueTimeInMillis: 20 } }),
      ],
      UnprocessedQueryExecutionIds: [{ QueryExecutionId: '11111111-0000-0000-0000-000000000004', ErrorCode: 'INVALID_INPUT', ErrorMessage: 'QueryExecution 11111111-0000-0000-0000-000000000004 was not found' }],
    });
    const ids = ['1', '2', '3', '4'].map((n) => `11111111-0000-0000-0000-00000000000${n}`);
    const batch = await new AthenaStatusApi(new AthenaClient({ region: 'us-east-1' })).batchGet(ids);
    expect(athena.commandCalls(BatchGetQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionIds: ids });
    expect(batch.statuses[0]).toEqual({
      executionId: ids[0],
      state: 'SUCCEEDED',
      statementType: 'DML',
      workgroup: 'bifrost-adhoc',
      submittedAt: Date.parse('2025-03-01T12:00:00.000Z'),
      completedAt: Date.parse('2025-03-01T12:00:06.100Z'),
      statistics: {
        dataScannedBytes: 123_456_789,
        queueTimeMillis: 120,
        planningTimeMillis: 340,
        engineTimeMillis: 5600,
        totalTimeMillis: 6100,
        servicePreProcessingTimeMillis: 20,
        serviceProcessingTimeMillis: 20,
        reusedPreviousResult: false,
      },
    });
    expect(batch.statuses[1]).toMatchObject({
      state: 'FAILED',
      stateChangeReason: expect.stringContaining('TABLE_NOT_FOUND'),
      error: { category: 2, type: 1301, retryable: false, message: expect.stringContaining('does not exist') },
    });
    expect(batch.statuses[2]).toMatchObject({ state: 'RUNNING' });
    expect(batch.unprocessed).toEqual([{ executionId: ids[3], code: 'INVALID_INPUT', message: `QueryExecution ${ids[3]} was not found` }]);
  });

  it('asks for at most 50 ids a call, each id once', async () => {
    athena.on(BatchGetQueryExecutionCommand).callsFake((input: { QueryExecutionIds: string[] }) => ({
      QueryExecutions: input.QueryExecutionIds.map((id) => execution(id, 'RUNNING')),
      UnprocessedQueryExecutionIds: [],
    }));
    const ids = Array.from({ length: 120 }, (_, i) => `exec-${i}`);
    const batch = await new AthenaStatusApi(new AthenaClient({ region: 'us-east-1' })).batchGet([...ids, ...ids.slice(0, 10)]);
    expect(athena.commandCalls(BatchGetQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionIds!.length)).toEqual([50, 50, 20]);
    expect(batch.statuses.map((s) => s.executionId)).toEqual(ids);
  });

  it('stops a query with StopQueryExecution, and lets its errors through', async () => {
    athena.on(StopQueryExecutionCommand).resolvesOnce({}).rejectsOnce(new InvalidRequestException({ message: 'QueryExecution x was not found', $metadata: {}, AthenaErrorCode: 'INVALID_INPUT' }));
    const api = new AthenaStatusApi(new AthenaClient({ region: 'us-east-1' }));
    await api.stop('11111111-0000-0000-0000-000000000001');
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: '11111111-0000-0000-0000-000000000001' });
    await expect(api.stop('x')).rejects.toThrow(/not found/);
  });
});
