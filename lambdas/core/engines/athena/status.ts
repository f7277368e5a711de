import { ErrorCodes, queryError, type ErrorLocation, type ErrorName, type QueryError } from '../../errors.js';
import type { EngineState, EngineStats } from '../../ports/index.js';

/** Athena's QueryExecution.Status and Statistics, the fields Bifrost reads (SDK-compatible). */
export interface AthenaErrorInfo {
  ErrorCategory?: number;
  ErrorType?: number;
  Retryable?: boolean;
  ErrorMessage?: string;
}

export interface AthenaStatus {
  State?: string;
  StateChangeReason?: string;
  SubmissionDateTime?: Date;
  CompletionDateTime?: Date;
  AthenaError?: AthenaErrorInfo;
}

export interface AthenaStatistics {
  EngineExecutionTimeInMillis?: number;
  DataScannedInBytes?: number;
  TotalExecutionTimeInMillis?: number;
  QueryQueueTimeInMillis?: number;
  ServicePreProcessingTimeInMillis?: number;
  QueryPlanningTimeInMillis?: number;
  ServiceProcessingTimeInMillis?: number;
  ResultReuseInformation?: { ReusedPreviousResult?: boolean };
  DpuCount?: number;
}

const SCAN_LIMIT = /bytes scanned limit was exceeded|data usage control|BytesScannedCutoffPerQuery/i;

/**
 * Athena's state as the engine port names it: SUCCEEDED → FINISHED, CANCELLED → CANCELED.
 * A query Athena cancelled because the workgroup's per-query scan limit was reached did not end by
 * the user's wish: it is FAILED with EXCEEDED_SCAN_LIMIT.
 */
export function engineState(status: AthenaStatus | undefined): EngineState {
  switch (status?.State) {
    case 'QUEUED':
      return 'QUEUED';
    case 'RUNNING':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'FINISHED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELLED':
      return SCAN_LIMIT.test(status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? '') ? 'FAILED' : 'CANCELED';
    default:
      return 'QUEUED';
  }
}

/** The protocol's statistics from Athena's (PROTOCOL.md §3.4). */
export function engineStats(statistics: AthenaStatistics | undefined, status?: AthenaStatus, now?: number): EngineStats | undefined {
  if (!statistics && !status?.SubmissionDateTime) return undefined;
  const stats: EngineStats = {};
  const s = statistics ?? {};
  if (s.QueryQueueTimeInMillis !== undefined) stats.queuedTimeMillis = s.QueryQueueTimeInMillis;
  if (s.TotalExecutionTimeInMillis !== undefined) stats.elapsedTimeMillis = s.TotalExecutionTimeInMillis;
  else if (status?.SubmissionDateTime && now !== undefined) stats.elapsedTimeMillis = Math.max(0, (status.CompletionDateTime?.getTime() ?? now) - status.SubmissionDateTime.getTime());
  if (s.EngineExecutionTimeInMillis !== undefined) {
    stats.cpuTimeMillis = s.EngineExecutionTimeInMillis;
    stats.wallTimeMillis = s.EngineExecutionTimeInMillis;
  }
  if (s.DataScannedInBytes !== undefined) {
    stats.physicalInputBytes = s.DataScannedInBytes;
    // Athena reports no separate processed-bytes figure without another API call; the bytes it
    // scanned are the closest measure and what clients show as progress.
    stats.processedBytes = s.DataScannedInBytes;
  }
  if (status?.State === 'SUCCEEDED') stats.progressPercentage = 100;
  return stats;
}

/** Trino error names that Athena engine v3 puts in front of its messages (`COLUMN_NOT_FOUND: line 1:8: ...`). */
const PREFIX = /^([A-Z][A-Z0-9_]+):\s/;
const LOCATION = /\bline (\d+):(\d+)\b/;

/** Athena error types (the Athena error catalog) and the Trino error each one is. */
function nameForErrorType(type: number | undefined, category: number | undefined): ErrorName {
  if (type === undefined) return category === 2 ? 'GENERIC_USER_ERROR' : 'GENERIC_INTERNAL_ERROR';
  if (type >= 0 && type <= 8) return 'GENERIC_INSUFFICIENT_RESOURCES';
  if (type === 206 || type === 210) return 'EXCEEDED_TIME_LIMIT';
  if (type === 1006) return 'SYNTAX_ERROR';
  if (type === 1008) return 'QUERY_REJECTED';
  if (type === 1011 || type === 1014) return 'USER_CANCELED';
  if (type === 1106) return 'INVALID_FUNCTION_ARGUMENT';
  if (type === 1110) return 'TABLE_NOT_FOUND';
  if (type >= 1200 && type <= 1202) return 'NOT_SUPPORTED';
  if (type === 1303) return 'FUNCTION_NOT_FOUND';
  if (type >= 1300 && type <= 1308) return 'NOT_FOUND';
  if (type >= 1400 && type <= 1406) return 'TOO_MANY_REQUESTS_FAILED';
  if (type === 1500 || type === 1501) return 'PERMISSION_DENIED';
  if (type === 1602) return 'GENERIC_INSUFFICIENT_RESOURCES';
  if (type >= 1000 && type < 2000) return 'GENERIC_USER_ERROR';
  return category === 2 ? 'GENERIC_USER_ERROR' : 'GENERIC_INTERNAL_ERROR';
}

/** Words in Athena's messages that name the error better than its numeric type does. */
const MESSAGE_PATTERNS: [RegExp, ErrorName][] = [
  [SCAN_LIMIT, 'EXCEEDED_SCAN_LIMIT'],
  [/\bTable '[^']*' does not exist\b|\bTable [^ ]+ not found\b|\bEntityNotFoundException\b.*\btable\b/i, 'TABLE_NOT_FOUND'],
  [/\b(Schema|Database) '?[^ ']+'? (does not exist|not found)\b/i, 'SCHEMA_NOT_FOUND'],
  [/\bColumn '[^']*' cannot be resolved\b/i, 'COLUMN_NOT_FOUND'],
  [/\bmismatched input\b|\bextraneous input\b|\bno viable alternative\b/i, 'SYNTAX_ERROR'],
  // Athena adds "or requester is not authorized to access requested resources" to not-found
  // errors: those are matched above, before this.
  [/\b(access denied|not authorized|insufficient permissions|permission denied|AccessDenied)\b/i, 'PERMISSION_DENIED'],
  [/\bQuery exhausted resources\b/i, 'GENERIC_INSUFFICIENT_RESOURCES'],
  [/\bQuery timeout\b|\btimed out\b/i, 'EXCEEDED_TIME_LIMIT'],
];

/**
 * A failed (or scan-limit-cancelled) Athena query as the protocol's error: Athena's own message is
 * kept verbatim; the error name comes from the Trino name Athena put in front of the message when
 * it is one Bifrost knows, else from the message, else from the AthenaError type and category.
 * `line L:C` in the message becomes the errorLocation.
 */
export function athenaQueryError(status: AthenaStatus | undefined): QueryError {
  const info = status?.AthenaError;
  const message = (status?.StateChangeReason || info?.ErrorMessage || (status?.State === 'CANCELLED' ? 'Query was canceled' : 'Query failed in Athena')).trim();
  return athenaMessageError(message, info?.ErrorType, info?.ErrorCategory, status?.State === 'CANCELLED');
}

export function athenaMessageError(message: string, errorType?: number, errorCategory?: number, cancelled = false): QueryError {
  let name: ErrorName | undefined;
  const prefix = PREFIX.exec(message)?.[1];
  if (prefix && prefix in ErrorCodes) name = prefix as ErrorName;
  if (!name) name = MESSAGE_PATTERNS.find(([re]) => re.test(message))?.[1];
  if (!name) name = cancelled ? 'USER_CANCELED' : nameForErrorType(errorType, errorCategory);
  if (prefix && !(prefix in ErrorCodes) && name === 'GENERIC_INTERNAL_ERROR' && errorCategory === 2) name = 'GENERIC_USER_ERROR';
  const m = LOCATION.exec(message);
  const location: ErrorLocation | undefined = m ? { lineNumber: Number(m[1]), columnNumber: Number(m[2]) } : undefined;
  return queryError(name, message, location);
}

/**
 * Athena's InvalidRequestException on StartQueryExecution (a query Athena refuses before running
 * it): a user error with Athena's message.
 */
export function athenaRequestError(message: string, athenaErrorCode?: string): QueryError {
  const error = athenaMessageError(message, undefined, 2);
  if (error.errorName === 'GENERIC_INTERNAL_ERROR') return queryError('GENERIC_USER_ERROR', message);
  if (athenaErrorCode === 'MALFORMED_QUERY' && error.errorName === 'GENERIC_USER_ERROR') return queryError('SYNTAX_ERROR', message, error.errorLocation);
  return error;
}
