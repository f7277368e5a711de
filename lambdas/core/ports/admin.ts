import type { QueryRecord, QueryState, TargetDepth } from './query-store.js';

/**
 * Ports of the admin API: the audit trail, the queue depth samples of the dashboard, and the way
 * a query is killed. DynamoDB implements the stores when deployed (lambdas/adapters/aws), the
 * memory versions beside the admin API serve tests; the composition hands in the kill.
 */

/**
 * The audit trail of changes made through the admin API: who, what, before, after. Access
 * decisions on queries are recorded on the query items themselves (`access`), next to the SQL.
 */
export interface AuditEntry {
  id: string;
  /** Epoch ms. */
  at: number;
  actor: string;
  /** e.g. target.state, routing.replace, routing.reset, access.replace, access.reset, user.create, user.update, query.cancel, login.failed. */
  action: string;
  /** What was changed: `target/<name>`, `routing`, `access`, `user/<name>`, `query/<id>`. */
  resource: string;
  before?: unknown;
  after?: unknown;
  detail?: string;
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntry[];
  cursor?: string;
}

/** A page of the trail: [from, to] (epoch ms, inclusive), optionally one actor and actions by prefix. */
export interface AuditQuery {
  from: number;
  to: number;
  limit: number;
  cursor?: string;
  /** Exactly this actor. */
  actor?: string;
  /** Actions starting with this: `routing` finds routing.replace and routing.reset. */
  action?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
}

/**
 * Queue depth per target over time, for the admin dashboard's chart. The sweeper takes a sample
 * on each run (every minute deployed, every 30 s locally): depth is counted from the query items
 * (TargetDepths), so a sample is as true as the depth the router sees. Samples live in fixed
 * slots, one a minute over a day, each overwriting the one a day older: the store never grows and
 * needs no clean-up (see admin/depth-samples.ts).
 */
export interface DepthSample {
  /** Epoch ms. */
  at: number;
  depths: Record<string, TargetDepth>;
}

export interface DepthSamples {
  /** Keeps the sample in its minute's slot (a later sample of the same minute replaces it). */
  record(sample: DepthSample): Promise<void>;
  /** Samples within [from, to], oldest first; at most the last DEPTH_SAMPLE_SLOTS minutes. */
  list(from: number, to: number): Promise<DepthSample[]>;
}

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
