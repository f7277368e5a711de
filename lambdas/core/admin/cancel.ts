import { FINAL_STATES } from '../stores/query-store.js';
import type { QueryRecord, QueryState, QueryStore } from '../ports/index.js';
import { queryError, type QueryError } from '../errors.js';

/**
 * Killing a query from the admin page. Each home provides a `CancelQuery`: the local server
 * through the gateway's own cancel path (Gateway.cancel), a deployment through `recordedCancel`
 * (the admin function stops what it can reach, then records the end in the query store).
 */
export type CancelOutcome =
  | { outcome: 'canceled'; before: Pick<QueryRecord, 'state' | 'user' | 'target'> }
  | { outcome: 'final'; state: QueryState }
  | { outcome: 'not-found' }
  /** The engine could not stop the query: nothing was recorded, it still runs. */
  | { outcome: 'unavailable'; message: string };

export type CancelQuery = (queryId: string, by: string) => Promise<CancelOutcome>;

/** How a kill from the admin page is recorded, and what the query's client is told. */
export function adminKill(by: string): { reason: string; error: QueryError } {
  return { reason: `killed by ${by} (admin page)`, error: queryError('ADMINISTRATIVELY_KILLED', `Query killed by ${by} from the Bifrost admin page`) };
}

/** The outcome from the item as it was before a cancel was asked for. */
export function outcomeOf(before: QueryRecord | undefined): CancelOutcome {
  if (!before) return { outcome: 'not-found' };
  if (FINAL_STATES.includes(before.state)) return { outcome: 'final', state: before.state };
  return { outcome: 'canceled', before: { state: before.state, user: before.user, ...(before.target ? { target: before.target } : {}) } };
}

/**
 * Cancel by the query store: `stop` ends the engine's query when the caller can reach the engine
 * (Athena's StopQueryExecution), then the item is moved to CANCELED. A stop that fails leaves the
 * item as it is: recording CANCELED for a query that still runs would hide it from its target's
 * depth. The client's next poll gets the failure, as for a client's own DELETE.
 */
export function recordedCancel(deps: { store: Pick<QueryStore, 'get' | 'transition'>; stop: (record: QueryRecord) => Promise<void>; clock?: () => number }): CancelQuery {
  const now = deps.clock ?? Date.now;
  return async (queryId, by) => {
    const record = await deps.store.get(queryId);
    const outcome = outcomeOf(record);
    if (outcome.outcome !== 'canceled') return outcome;
    try {
      await deps.stop(record!);
    } catch (error) {
      return { outcome: 'unavailable', message: `The engine could not stop the query: ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? String(error)}` };
    }
    const { reason, error } = adminKill(by);
    // Refused only when the query ended meanwhile: then it is final, whatever ended it.
    if (!(await deps.store.transition(queryId, { state: 'CANCELED', error, endReason: reason }, now()))) {
      const after = await deps.store.get(queryId);
      return { outcome: 'final', state: after?.state ?? 'CANCELED' };
    }
    return outcome;
  };
}
