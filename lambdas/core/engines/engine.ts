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

export function isEngineBusy(error: unknown): error is EngineBusyError {
  return error instanceof EngineBusyError || (error instanceof Error && error.name === 'EngineBusyError');
}
