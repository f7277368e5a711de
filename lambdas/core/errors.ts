/**
 * The one place that owns error codes. Query-level failures travel as `QueryError` inside
 * QueryResults; request-level failures (bad headers, unknown query) are `GatewayError`s that the
 * doors turn into plain HTTP answers, as Trino does.
 */
export type ErrorType = 'USER_ERROR' | 'INTERNAL_ERROR' | 'INSUFFICIENT_RESOURCES' | 'EXTERNAL';

/** Codes from Trino's StandardErrorCode, the subset Bifrost produces. */
export const ErrorCodes = {
  GENERIC_USER_ERROR: { code: 0, type: 'USER_ERROR' },
  SYNTAX_ERROR: { code: 1, type: 'USER_ERROR' },
  ABANDONED_QUERY: { code: 2, type: 'USER_ERROR' },
  USER_CANCELED: { code: 3, type: 'USER_ERROR' },
  PERMISSION_DENIED: { code: 4, type: 'USER_ERROR' },
  NOT_FOUND: { code: 5, type: 'USER_ERROR' },
  FUNCTION_NOT_FOUND: { code: 6, type: 'USER_ERROR' },
  INVALID_FUNCTION_ARGUMENT: { code: 7, type: 'USER_ERROR' },
  DIVISION_BY_ZERO: { code: 8, type: 'USER_ERROR' },
  INVALID_CAST_ARGUMENT: { code: 9, type: 'USER_ERROR' },
  ALREADY_EXISTS: { code: 12, type: 'USER_ERROR' },
  ADMINISTRATIVELY_KILLED: { code: 38, type: 'USER_ERROR' },
  NOT_SUPPORTED: { code: 13, type: 'USER_ERROR' },
  INVALID_SESSION_PROPERTY: { code: 14, type: 'USER_ERROR' },
  CONSTRAINT_VIOLATION: { code: 16, type: 'USER_ERROR' },
  NUMERIC_VALUE_OUT_OF_RANGE: { code: 19, type: 'USER_ERROR' },
  NOT_IN_TRANSACTION: { code: 21, type: 'USER_ERROR' },
  QUERY_REJECTED: { code: 31, type: 'USER_ERROR' },
  QUERY_TEXT_TOO_LARGE: { code: 35, type: 'USER_ERROR' },
  TYPE_NOT_FOUND: { code: 43, type: 'USER_ERROR' },
  CATALOG_NOT_FOUND: { code: 44, type: 'USER_ERROR' },
  SCHEMA_NOT_FOUND: { code: 45, type: 'USER_ERROR' },
  TABLE_NOT_FOUND: { code: 46, type: 'USER_ERROR' },
  COLUMN_NOT_FOUND: { code: 47, type: 'USER_ERROR' },
  ROLE_NOT_FOUND: { code: 48, type: 'USER_ERROR' },
  SCHEMA_ALREADY_EXISTS: { code: 49, type: 'USER_ERROR' },
  TABLE_ALREADY_EXISTS: { code: 50, type: 'USER_ERROR' },
  MISSING_CATALOG_NAME: { code: 56, type: 'USER_ERROR' },
  TYPE_MISMATCH: { code: 58, type: 'USER_ERROR' },
  INVALID_LITERAL: { code: 59, type: 'USER_ERROR' },
  AMBIGUOUS_NAME: { code: 62, type: 'USER_ERROR' },
  MISSING_GROUP_BY: { code: 64, type: 'USER_ERROR' },
  INVALID_PARAMETER_USAGE: { code: 80, type: 'USER_ERROR' },
  /** Bifrost's own (not Trino's): the engine no longer has the results of a finished query; run it again. */
  RESULTS_EXPIRED: { code: 0x0000_fb00, type: 'USER_ERROR' },
  /** Bifrost's own: a budget of data scanned or dollars is exhausted for the period (docs/budgets.md). */
  EXCEEDED_BUDGET: { code: 0x0000_fb01, type: 'USER_ERROR' },
  GENERIC_INTERNAL_ERROR: { code: 65536, type: 'INTERNAL_ERROR' },
  TOO_MANY_REQUESTS_FAILED: { code: 65537, type: 'INTERNAL_ERROR' },
  REMOTE_HOST_GONE: { code: 65558, type: 'INTERNAL_ERROR' },
  CONFIGURATION_INVALID: { code: 65559, type: 'INTERNAL_ERROR' },
  SERVER_SHUTTING_DOWN: { code: 65545, type: 'INTERNAL_ERROR' },
  GENERIC_INSUFFICIENT_RESOURCES: { code: 131072, type: 'INSUFFICIENT_RESOURCES' },
  QUERY_QUEUE_FULL: { code: 131074, type: 'INSUFFICIENT_RESOURCES' },
  EXCEEDED_TIME_LIMIT: { code: 131075, type: 'INSUFFICIENT_RESOURCES' },
  EXCEEDED_SCAN_LIMIT: { code: 131081, type: 'INSUFFICIENT_RESOURCES' },
} as const satisfies Record<string, { code: number; type: ErrorType }>;

export type ErrorName = keyof typeof ErrorCodes;

export interface ErrorLocation {
  lineNumber: number;
  columnNumber: number;
}

/** The protocol's `error` object (QueryError.java). */
export interface QueryError {
  message: string;
  sqlState?: string | null;
  errorCode: number;
  errorName: string;
  errorType: ErrorType;
  errorLocation?: ErrorLocation;
  failureInfo?: {
    type: string;
    message: string;
    suppressed: unknown[];
    stack: string[];
    errorLocation?: ErrorLocation;
  };
}

export function queryError(name: ErrorName, message: string, location?: ErrorLocation): QueryError {
  const { code, type } = ErrorCodes[name];
  const error: QueryError = {
    message,
    errorCode: code,
    errorName: name,
    errorType: type,
    failureInfo: { type: 'io.trino.spi.TrinoException', message, suppressed: [], stack: [] },
  };
  if (location) {
    error.errorLocation = location;
    error.failureInfo!.errorLocation = location;
  }
  return error;
}

/** A failure of the request itself, answered with an HTTP status rather than a failed query. */
export class GatewayError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly headers: Record<string, string[]> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

/** A failure that ends a query: it becomes the `error` of the query's final QueryResults. */
export class QueryFailure extends Error {
  constructor(
    readonly error: QueryError,
    options?: { cause?: unknown },
  ) {
    super(error.message, options);
    this.name = 'QueryFailure';
  }

  static of(name: ErrorName, message: string, location?: ErrorLocation): QueryFailure {
    return new QueryFailure(queryError(name, message, location));
  }
}
