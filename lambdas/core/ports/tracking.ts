import type { Logger } from './log.js';
import type { QueryState, QueryRecord, QueryStore, TransitionPatch } from './query-store.js';
import type { SpendFigures } from './spend.js';

/**
 * Ports of query tracking: what the state-change handler and the sweeper need from the query
 * store and from the engine's status API. Implementations live in adapters (DynamoDB, Athena)
 * or in the local server (the DuckDB engine).
 */

/** Execution statistics of a finished query, as Athena reports them (GetQueryExecution). */
export interface QueryStatistics {
  dataScannedBytes?: number;
  queueTimeMillis?: number;
  planningTimeMillis?: number;
  engineTimeMillis?: number;
  totalTimeMillis?: number;
  servicePreProcessingTimeMillis?: number;
  serviceProcessingTimeMillis?: number;
  dpuCount?: number;
  reusedPreviousResult?: boolean;
}

/** The query item with what tracking adds to it. */
export interface TrackedRecord extends QueryRecord {
  statistics?: QueryStatistics;
  /** Estimated cost in USD from the data scanned, for targets billed per TB scanned. */
  costUsd?: number;
  /** Spend recorded with the statistics and not yet added to the spend counters (the sweeper settles it). */
  spendDue?: SpendFigures;
}

export interface TrackedPatch extends TransitionPatch {
  statistics?: QueryStatistics;
  costUsd?: number;
  /**
   * Apply only if the client's last poll is before this time (epoch ms; createdAt stands for the
   * last poll of a query never polled). Ends abandoned queries without racing a poll.
   */
  onlyIfPolledBefore?: number;
  /**
   * A final state written without the engine's statistics, on a target whose engine has a status
   * API: the query stays on the sweeper's list until its statistics are recorded (the engine's
   * final event, else the sweeper's status read).
   */
  awaitStatistics?: boolean;
}

/** Statistics added to a query that is already final. */
export interface FinalStatistics {
  statistics: QueryStatistics;
  costUsd?: number;
}

/** What the sweeper reads of a query that is not final. */
export interface OpenQuery {
  queryId: string;
  user: string;
  state: QueryState;
  target?: string;
  engineQueryId?: string;
  createdAt: number;
  updatedAt: number;
  lastPollAt?: number;
  eventSequence?: number;
}

export interface IdleCutoffs {
  /** Queries whose state last changed before this (epoch ms) are due for reconciliation. */
  updatedBefore: number;
  /** Queries whose client last polled before this (epoch ms) are abandoned. */
  polledBefore: number;
}

export interface TrackingStore extends QueryStore {
  get(queryId: string): Promise<TrackedRecord | undefined>;
  transition(queryId: string, patch: TrackedPatch, now: number): Promise<boolean>;
  /** The gateway's query id for an engine's own query id (Athena execution id); undefined when none. */
  findByEngineQueryId(engineQueryId: string): Promise<string | undefined>;
  /** Adds statistics to a final query that has none yet; false when it is not final or already has them. */
  recordStatistics(queryId: string, statistics: FinalStatistics, now: number): Promise<boolean>;
  /**
   * Non-final queries due for reconciliation or abandoned (either cutoff), and final ones whose
   * accounting is incomplete (statistics awaited, or spend not yet counted).
   */
  listIdle(cutoffs: IdleCutoffs): AsyncIterable<OpenQuery>;
  /** Adds a final query's recorded spend to the spend counters if it was not yet; false when there was nothing to add. */
  settleSpend?(queryId: string): Promise<boolean>;
}

// ------------------------------------------------------------------ engine status (Athena)

export type AthenaState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Athena's `AthenaError` (GetQueryExecution) or `athenaError` (the event), normalized. */
export interface AthenaFailure {
  /** 1 = SYSTEM, 2 = USER, 3 = OTHER. */
  category?: number;
  type?: number;
  retryable?: boolean;
  message?: string;
}

export interface AthenaQueryStatus {
  executionId: string;
  state: AthenaState;
  stateChangeReason?: string;
  /** DDL | DML | UTILITY. */
  statementType?: string;
  workgroup?: string;
  submittedAt?: number;
  completedAt?: number;
  error?: AthenaFailure;
  statistics?: QueryStatistics;
}

export interface AthenaStatusBatch {
  statuses: AthenaQueryStatus[];
  /** Ids the service did not answer for (unknown ids, transient errors). */
  unprocessed: { executionId: string; code?: string; message?: string }[];
}

/**
 * The engine's status API as tracking needs it: Athena's BatchGetQueryExecution and
 * StopQueryExecution, or the local engine's equivalent.
 */
export interface AthenaStatus {
  batchGet(executionIds: readonly string[]): Promise<AthenaStatusBatch>;
  /** Idempotent: stopping a query that already ended is not an error. */
  stop(executionId: string): Promise<void>;
}

// ------------------------------------------------------------------ history

export interface QuerySummary {
  queryId: string;
  user: string;
  source?: string;
  state: QueryState;
  kind?: string;
  target?: string;
  engineQueryId?: string;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  error?: TrackedRecord['error'];
  endReason?: string;
  statistics?: QueryStatistics;
  costUsd?: number;
  sqlDigest: string;
  /** The first characters of the SQL. */
  sqlPreview?: string;
  updateType?: string;
  updateCount?: number;
  expiresAt?: number;
}

/** A history query, with every field set (see `historyQuery`). Times are epoch ms, inclusive. */
export interface HistoryQuery {
  from: number;
  to: number;
  limit: number;
  /** Opaque continuation from a previous page. */
  cursor?: string;
}

export interface HistoryPage {
  /** Newest first. */
  items: QuerySummary[];
  /** Present when more items may follow. */
  cursor?: string;
}

/** What the history indexes do not carry, read from the items themselves for a page of summaries. */
export interface QueryExtras {
  /** The engine's statistics (rows, bytes, times). */
  stats?: TrackedRecord['stats'];
  /** The user's groups at submit time; absent on items written before they were recorded. */
  groups?: string[];
}

/** History for the admin UI. Items whose retention has passed are never returned, even before TTL removes them. */
export interface QueryHistory {
  find(queryId: string, now: number): Promise<TrackedRecord | undefined>;
  byUser(user: string, query: HistoryQuery, now: number): Promise<HistoryPage>;
  byTarget(target: string, query: HistoryQuery & { state?: QueryState }, now: number): Promise<HistoryPage>;
  /** QueryExtras of each id found (one batched read per 100 ids); ids not found are left out. */
  extras(queryIds: readonly string[]): Promise<Map<string, QueryExtras>>;
}

// ------------------------------------------------------------------ observability

export type TrackingMetric =
  | 'StateChangeApplied'
  | 'StateChangeStale'
  | 'StateChangeUnknownQuery'
  | 'StateChangeIgnored'
  | 'StatisticsRecorded'
  | 'StatisticsUnavailable'
  | 'SweepReconciled'
  | 'SweepAbandoned'
  | 'SweepStopFailed'
  | 'SweepStatusMissing';

export interface TrackingMetrics {
  count(name: TrackingMetric, value?: number): void;
}

/** The Logger of the rest of the core (kept under this name for tracking's callers). */
export type TrackingLog = Logger;
