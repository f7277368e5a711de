import { QueryFailure, type QueryError } from '../errors.js';
import type { EngineState } from '../ports/index.js';

export function isFinal(state: EngineState): boolean {
  return state === 'FINISHED' || state === 'FAILED' || state === 'CANCELED';
}

/**
 * The engine refused a submit for lack of room (Athena's TooManyRequestsException, a full
 * cluster queue): nothing runs, so routing may move the query to the next target of its chain
 * or keep it QUEUED at the gateway and submit it again later. Never a reason to fail the query.
 */
export class EngineBusyError extends Error {
  constructor(
    message: string,
    /** The engine's own reason, e.g. Athena's `CONCURRENT_QUERY_LIMIT_EXCEEDED`. */
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineBusyError';
  }
}

/**
 * The engine no longer has the results of a query that finished (the local engine drops them a
 * while after their last read; Athena's result files expire with the results bucket's lifecycle):
 * the client must run the query again. The gateway answers it as RESULTS_EXPIRED, a user error.
 */
export class ResultsExpiredError extends Error {
  constructor(
    message: string,
    /** How long the engine keeps results, in words ("2 minutes after their last read"), when it knows. */
    readonly keptFor?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ResultsExpiredError';
  }
}

export function isEngineBusy(error: unknown): error is EngineBusyError {
  return error instanceof EngineBusyError || (error instanceof Error && error.name === 'EngineBusyError');
}

/**
 * The submit never reached the engine (connection refused, no such host): nothing can run, so
 * the gateway may send the query to the next target of its chain. Only an engine that
 * is sure the request was not received throws it; a request that may have arrived is a plain
 * QueryFailure, since failing over could run the query twice. A QueryFailure itself, so code
 * that does not fail over fails the query with `error` as before.
 */
export class EngineUnreachableError extends QueryFailure {
  constructor(
    error: QueryError,
    /** Why, short, for routing reasons and health records (e.g. `ECONNREFUSED (...)`). */
    readonly detail: string,
  ) {
    super(error);
    this.name = 'EngineUnreachableError';
  }
}

export function isEngineUnreachable(error: unknown): error is EngineUnreachableError {
  return error instanceof EngineUnreachableError;
}
