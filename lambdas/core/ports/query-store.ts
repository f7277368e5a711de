import type { QueryError } from '../errors.js';
import type { EngineState, EngineStats } from './engine.js';
import type { Dialect, SessionUpdate } from './session.js';

/** A query's lifecycle state as Bifrost records it (the wire shows CANCELED as FAILED). */
export type QueryState = EngineState;

/** A result the gateway computed itself (USE, SET SESSION, PREPARE, ...), kept with the item. */
export interface GatewayResult {
  columns: { name: string; type: string }[];
  /** Each row as JSON text, already in wire encoding (see protocol/encode.ts). */
  rows?: string[];
  /** The rows gzip-compressed and base64-encoded: how large answers are stored in the item. */
  rowsGzip?: string;
  updateType?: string;
  updateCount?: number;
  sessionUpdate?: SessionUpdate;
}

/** The query item: history and tracking in one record (ARCHITECTURE.md "core ports"). */
export interface QueryRecord {
  queryId: string;
  user: string;
  /** Who authenticated, when they ran the query as another user (impersonation). */
  authenticatedUser?: string;
  /** The user's groups when the query was submitted: the admin dashboard counts the query for these groups. */
  groups?: string[];
  source?: string;
  dialect: Dialect;
  sql: string;
  /** sha256 of the SQL, for grouping identical queries in history. */
  sqlDigest: string;
  /** `sql` holds only the start of a statement too large to record whole (sqlDigest is of the whole). */
  sqlTruncated?: boolean;
  kind?: string;
  state: QueryState;
  /** Target that runs the query; absent while it waits at the gateway. */
  target?: string;
  /** The engine's opaque handle; absent until submitted. */
  engineHandle?: string;
  engineQueryId?: string;
  /** Parameters for `?` placeholders, for a deferred submit. */
  parameters?: string[];
  /** The client's session at submit time (catalog, schema, properties), for a deferred submit. */
  sessionJson?: string;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  /** Last time the client polled, written at most every few seconds. */
  lastPollAt?: number;
  /** Monotonic event sequence applied to this item (Athena's sequenceNumber). */
  eventSequence?: number;
  error?: QueryError;
  /** Why the query ended the way it did (client DELETE, abandoned, ...). */
  endReason?: string;
  updateType?: string;
  updateCount?: number;
  stats?: EngineStats;
  result?: GatewayResult;
  routing?: Record<string, unknown>;
  // ---- routing and the gateway queue
  /** The routing group the query was routed in. */
  routingGroup?: string;
  /**
   * Present only while the query waits at the gateway for room in this routing group (routing
   * said 'wait'): the partition key of the waiting-by-group index, with `createdAt` as sort key.
   */
  waitingGroup?: string;
  /** What routing needs to route a waiting query again on a later poll (no secrets). */
  routingRequest?: StoredRoutingRequest;
  access?: Record<string, unknown>;
  /** The target whose queue slot the query holds (TargetSlots): given back when the query ends. */
  slot?: string;
  /** The slot carries the query's mark (taken with the query as holder): giving it back is idempotent. */
  slotMark?: boolean;
  /** Targets on which the query is marked as waiting in its group (TargetSlots): unmarked when it stops waiting. */
  waitingOn?: string[];
  /** Epoch seconds after which history may be deleted. */
  expiresAt?: number;
  /** The protocol's warnings, sent with every answer about the query (a budget over its warning threshold). */
  warnings?: QueryWarning[];
  /** The budget decision at admission (docs/budgets.md), for history. */
  budget?: Record<string, unknown>;
}

/** Trino's Warning: a code and a message shown by clients beside the results. */
export interface QueryWarning {
  warningCode: { code: number; name: string };
  message: string;
}

export interface TransitionPatch {
  state: QueryState;
  error?: QueryError;
  endReason?: string;
  stats?: EngineStats;
  updateType?: string;
  updateCount?: number;
  eventSequence?: number;
  /** A poll's write of what it saw: never takes a RUNNING query back to QUEUED (a late write of an earlier state). */
  forwardOnly?: boolean;
  /** The writer gives the query's marked slot back itself, alongside this write: the store does not. */
  slotGivenBack?: boolean;
  /** The access record, when the decision changed with the transition (an engine cross-check at submit). */
  access?: Record<string, unknown>;
}

export interface QueryStore {
  /** Creates the item; fails if the id exists. */
  create(record: QueryRecord): Promise<void>;
  /** Whether `create` can hold the record as it is (asked before a query is submitted, since its item is written after). */
  fits?(record: QueryRecord): boolean;
  get(queryId: string): Promise<QueryRecord | undefined>;
  /**
   * Records the engine handle once: a no-op returning false if a handle is already there. With
   * `start.slot`, the item holds that target's slot from now on; with `start.routing`, a waiting
   * query leaves its line in the same write (as leaveWaiting).
   */
  attachHandle(queryId: string, target: string, handle: string, engineQueryId?: string, start?: AttachOptions): Promise<boolean>;
  /**
   * Moves a query to a new state unless it is already final (and, with an event sequence, unless
   * a newer event was applied). Returns false when the change was refused as stale or duplicate.
   */
  transition(queryId: string, patch: TransitionPatch, now: number): Promise<boolean>;
  /** Notes that the client is still polling. */
  touch(queryId: string, now: number): Promise<void>;
  /** Replaces the access record (an engine cross-check made when a waiting query got its target). */
  recordAccess?(queryId: string, access: Record<string, unknown>): Promise<void>;

  // ---- the gateway queue. Optional: a store without them gives waiting queries no
  // arrival order among themselves (they still wait, and start when a target has room).
  /**
   * How many queries wait at the gateway in `group` ahead of `query`: created earlier (equal
   * times ordered by query id), still QUEUED without an engine handle, with `waitingGroup` =
   * `group`, and whose client was seen (lastPollAt, else createdAt) at or after `liveSince`, so
   * abandoned queries do not hold the line. Counting may stop at `atMost`.
   */
  countWaitingAhead?(group: string, query: { queryId: string; createdAt: number }, liveSince: number, atMost: number): Promise<number>;
  /** A waiting query got a target: records the decision that took it, drops `waitingGroup` and `routingRequest`. */
  leaveWaiting?(queryId: string, routing: Record<string, unknown>): Promise<void>;
}

/** What a query's start records besides its handle (see attachHandle). */
export interface AttachOptions {
  slot?: string;
  slotMark?: boolean;
  routing?: Record<string, unknown>;
}

/** The routing facts of a waiting query, kept on its item so any process can route it again. */
export interface StoredRoutingRequest {
  principal: { user: string; groups: string[]; method: string };
  session: {
    dialect: Dialect;
    user: string;
    source?: string;
    catalog?: string;
    schema?: string;
    clientTags: string[];
    /** The routing-group header. */
    routingGroup?: string;
    /** The `routing` extra credential only: other extra credentials are secrets and never stored. */
    routingHint?: string;
  };
  analysis?: { ok: boolean; kind: string; tables: { name: string; parts: string[]; access: 'read' | 'write' }[]; schemas?: string[] };
}

/**
 * The queue limits of targets as counters, one small item per target, so that admission reads
 * and writes O(targets), never O(active queries). A slot is taken by a conditional increment
 * (never more than the limit, whatever the concurrency) and given back when the query holding
 * it ends; the count of queries of a group waiting for a target keeps newcomers behind them.
 */
export interface TargetSlots {
  /**
   * Takes a slot on `target` when fewer than `limit` are taken and, for a `newcomer`, no query of
   * `group` waits for the target. `force` takes one whatever the count (a group's use-last overflow).
   */
  take(target: string, request: { limit: number; group: string; newcomer: boolean; force?: boolean; holder?: string }): Promise<SlotAttempt>;
  /**
   * Gives a slot back (a query that ends, or one that did not use the slot it took). A slot taken
   * with a `holder` is given back by that holder at most once, however often it is asked: its
   * release can go alongside the write that ends the query instead of after it.
   */
  release(target: string, holder?: string): Promise<void>;
  /** Counts a query of `group` in (+1) or out of (-1) the waiting line of each target. */
  markWaiting(group: string, targets: readonly string[], delta: 1 | -1): Promise<void>;
  /** The counters of these targets (absent targets have none taken). */
  read(targets: readonly string[]): Promise<Map<string, SlotCount>>;
  /** Tells `listener` of each slot this process gives back (waiting polls held here take it at once). */
  onRelease?(listener: (target: string) => void): void;
}

export interface SlotCount {
  /** Slots taken: queries admitted to the target and not yet ended. */
  active: number;
  /** Queries waiting for the target, by routing group. */
  waiting: Record<string, number>;
}

export interface SlotAttempt extends SlotCount {
  taken: boolean;
}

/** Active queries on one target, counted from the query items themselves (no counter to drift). */
export interface TargetDepth {
  queued: number;
  running: number;
}

export interface TargetDepths {
  depth(target: string): Promise<TargetDepth>;
}
