import { describe, expect, it } from 'vitest';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { athenaMessageError, athenaQueryError, athenaRequestError, engineState, engineStats } from '../../../../lambdas/core/engines/athena/status.js';
import { fixture } from './support.js';

const exec = (name: string) => fixture<{ QueryExecution: QueryExecution }>(name).QueryExecution;

describe('Athena states', () => {
  it('maps states, with the scan-limit cancellation as a failure', () => {
    expect(engineState({ State: 'QUEUED' })).toBe('QUEUED');
    expect(engineState({ State: 'RUNNING' })).toBe('RUNNING');
    expect(engineState({ State: 'SUCCEEDED' })).toBe('FINISHED');
    expect(engineState({ State: 'FAILED' })).toBe('FAILED');
    expect(engineState(exec('get-query-execution-cancelled.json').Status)).toBe('CANCELED');
    expect(engineState(exec('get-query-execution-cancelled-scan-limit.json').Status)).toBe('FAILED');
  });
});

describe('Athena statistics', () => {
  it('maps data scanned, queue time, elapsed time and engine time', () => {
    const e = exec('get-query-execution-select-succeeded.json');
    expect(engineStats(e.Statistics, e.Status, 0)).toEqual({
      queuedTimeMillis: 267,
      elapsedTimeMillis: 3821,
      cpuTimeMillis: 3600,
      wallTimeMillis: 3600,
      physicalInputBytes: 203089,
      processedBytes: 203089,
      progressPercentage: 100,
    });
  });

  it('derives elapsed time from the submission time while Athena has none', () => {
    const submitted = new Date(1_000_000);
    expect(engineStats(undefined, { State: 'QUEUED', SubmissionDateTime: submitted }, 1_002_500)).toEqual({ elapsedTimeMillis: 2500 });
  });
});

describe('Athena errors', () => {
  it('uses the Trino error name Athena puts in front of its message, keeps the message and the location', () => {
    const error = athenaQueryError(exec('get-query-execution-failed-column.json').Status);
    expect(error).toMatchObject({ errorName: 'COLUMN_NOT_FOUND', errorCode: 47, errorType: 'USER_ERROR', errorLocation: { lineNumber: 1, columnNumber: 8 } });
    expect(error.message).toBe("COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved or requester is not authorized to access requested resources");
    expect(athenaQueryError(exec('get-query-execution-failed-table.json').Status)).toMatchObject({ errorName: 'TABLE_NOT_FOUND', errorCode: 46, errorLocation: { lineNumber: 1, columnNumber: 15 } });
  });

  it('maps the scan limit, user cancellation and permissions', () => {
    expect(athenaQueryError(exec('get-query-execution-cancelled-scan-limit.json').Status)).toMatchObject({ errorName: 'EXCEEDED_SCAN_LIMIT', errorType: 'INSUFFICIENT_RESOURCES', message: 'Query cancelled! : Bytes scanned limit was exceeded' });
    expect(athenaQueryError(exec('get-query-execution-cancelled.json').Status)).toMatchObject({ errorName: 'USER_CANCELED' });
    expect(athenaMessageError('Access denied when writing to location: s3://b/x', 1501, 2)).toMatchObject({ errorName: 'PERMISSION_DENIED', errorCode: 4 });
    expect(athenaMessageError('Insufficient permissions to execute the query.', 1500, 2)).toMatchObject({ errorName: 'PERMISSION_DENIED' });
  });

  it('falls back on the Athena error type, then the category', () => {
    expect(athenaMessageError("line 1:1: mismatched input 'SELEC'", 1006, 2)).toMatchObject({ errorName: 'SYNTAX_ERROR', errorLocation: { lineNumber: 1, columnNumber: 1 } });
    expect(athenaMessageError('Query exhausted resources at this scale factor', 3, 1)).toMatchObject({ errorName: 'GENERIC_INSUFFICIENT_RESOURCES' });
    expect(athenaMessageError('Something', 206, 1)).toMatchObject({ errorName: 'EXCEEDED_TIME_LIMIT' });
    expect(athenaMessageError('Something', 1110, 2)).toMatchObject({ errorName: 'TABLE_NOT_FOUND' });
    expect(athenaMessageError('Something', 1401, 3)).toMatchObject({ errorName: 'TOO_MANY_REQUESTS_FAILED' });
    expect(athenaMessageError('HIVE_BAD_DATA: Error parsing field value', 1001, 2)).toMatchObject({ errorName: 'GENERIC_USER_ERROR', message: 'HIVE_BAD_DATA: Error parsing field value' });
    expect(athenaMessageError('Internal error', 100, 1)).toMatchObject({ errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR' });
  });

  it('maps a refused submit to a user error with Athena\'s message', () => {
    expect(athenaRequestError('Database nope does not exist or requester is not authorized to access requested resources', 'INVALID_INPUT')).toMatchObject({ errorName: 'SCHEMA_NOT_FOUND' });
    expect(athenaRequestError('Queries of this type are not supported', 'MALFORMED_QUERY')).toMatchObject({ errorName: 'SYNTAX_ERROR' });
    expect(athenaRequestError('No output location provided.', 'INVALID_INPUT')).toMatchObject({ errorName: 'GENERIC_USER_ERROR' });
  });
});
