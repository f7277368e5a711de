import { FINAL_STATES } from '../stores/query-store.js';
import type { QueryRecord, QueryState } from '../ports/index.js';
import { queryError, type QueryError } from '../errors.js';

/**
 * Killing a query from the admin page: both homes take the gateway's own cancel path
 * (Gateway.cancel), as a client's DELETE does (see compose/bifrost.ts).
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
