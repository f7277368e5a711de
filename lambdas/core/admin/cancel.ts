import { FINAL_STATES } from '../stores/query-store.js';
import type { CancelOutcome, QueryRecord } from '../ports/index.js';
import { queryError, type QueryError } from '../errors.js';

/** Killing a query from the admin page (the CancelQuery port, ports/admin.ts): how it is recorded, and its outcome. */

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
