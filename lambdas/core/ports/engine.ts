import type { QueryError } from '../errors.js';
import type { ClientSession, SessionUpdate } from './session.js';
import type { SqlType } from './sql-type.js';
import type { QueryStatistics } from './tracking.js';

/**
 * The port every engine implements: Athena, a proxied Presto/Trino cluster, the local DuckDB.
 * An engine knows nothing about HTTP, routing or access control. Its handles and cursors are
 * opaque strings that the gateway stores in the query item or signs into nextUris, so any
 * process can serve any poll.
 */
export type EngineState = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export interface EngineColumn {
  name: string;
  type: SqlType;
}

export interface EngineStats {
  queuedTimeMillis?: number;
  elapsedTimeMillis?: number;
  cpuTimeMillis?: number;
  wallTimeMillis?: number;
  processedRows?: number;
  processedBytes?: number;
  physicalInputBytes?: number;
  physicalWrittenBytes?: number;
  peakMemoryBytes?: number;
  progressPercentage?: number;
}

export interface EngineSubmission {
  /** The gateway's query id: engines derive idempotency tokens from it. */
  queryId: string;
  sql: string;
  /** Values for `?` placeholders, as SQL literals (EXECUTE ... USING). */
  parameters?: string[];
  session: ClientSession;
  /** Engine-specific settings of the chosen target (workgroup, catalog map, ...). */
  target: string;
}

export interface EngineSubmitted {
  handle: string;
  state: EngineState;
  /** The engine's own id (Athena execution id, upstream Trino id), for history and support. */
  engineQueryId?: string;
}

export interface PollOptions {
  /** How long to wait for a state change or data before answering. */
  maxWaitMs: number;
  /** Upper bound on rows returned in this page. */
  maxRows: number;
  /** Budget for the page in bytes of protocol JSON, for engines that size pages by bytes (default: their own). */
  maxBytes?: number;
  /** The state the gateway already knows, so engines can skip a status call when it is final. */
  knownState?: EngineState;
  /** When that state was last recorded (epoch ms): engines decide from it whether it is stale. */
  knownStateAt?: number;
  /**
   * A cursor after the last rows too, where an engine can give one that reads nothing: the final
   * answer, which follows the last rows, then costs no read of the last page again (spooled polls,
   * whose pages are large). Engines that ignore it read the last page again, as without it.
   */
  endCursor?: boolean;
  /**
   * The gateway takes rows already written as the protocol's JSON (EnginePage.jsonRows), rendered
   * as its own encoder would, datetimes cut to milliseconds when `millisecondDatetimes` (a client
   * without PARAMETRIC_DATETIME). Engines that cannot write them so answer `rows` as always.
   */
  jsonRows?: { millisecondDatetimes: boolean };
}

/**
 * Rows already in the protocol's JSON: each row a JSON array, rows separated by commas
 * (`[1,"a"],[2,"b"]`, no outer brackets), `ends[i]` the offset just past row i's `]`. An engine
 * that writes them straight from its own result text (Athena's result CSV) builds no value per cell.
 */
export interface JsonRows {
  count: number;
  bytes: Uint8Array;
  ends: Uint32Array;
}

export interface EnginePage {
  state: EngineState;
  columns?: EngineColumn[];
  rows?: unknown[][];
  /** Instead of `rows`, when the poll asked for them (PollOptions.jsonRows). */
  jsonRows?: JsonRows;
  /** Where the next page starts; undefined when this page holds the last rows. */
  nextCursor?: string;
  stats?: EngineStats;
  error?: QueryError;
  /** For statements that change data or schema: Trino's updateType and updateCount. */
  update?: { type: string; count?: number };
  /**
   * What the statement changed in the client's session (a proxied cluster's Set-Session,
   * Added-Prepare, ... response headers): the gateway sends it back in the client's dialect.
   */
  sessionUpdate?: SessionUpdate;
  /**
   * The engine's own final statistics (Athena's GetQueryExecution), on a page showing a final
   * state: the poll that records the end records them in the same write (cost, spend).
   */
  statistics?: QueryStatistics;
  /** The engine's statement type (Athena: DDL, DML, UTILITY), with `statistics`. */
  statementType?: string;
}

export interface EngineHealth {
  healthy: boolean;
  detail?: string;
}

/**
 * The engine's own reading of a statement, for the cross-check: which relations its own parser
 * and catalog say the statement touches, in the SQL exactly as the engine would run it.
 */
export interface EngineInspection {
  /** Every table or view the statement names, as [catalog, schema, table], lower-cased. */
  tables: string[][];
  /**
   * Tables read through views the statement names (the view's body, recursively), each with the
   * view it was reached through; access control checks them too.
   */
  viewTables?: { view: string[]; table: string[] }[];
  /** Set when the engine refuses the statement outright (several statements, file access...). */
  refusal?: string;
}

export interface Engine {
  submit(submission: EngineSubmission): Promise<EngineSubmitted>;
  /**
   * Optional: how the engine itself reads the statement, without running it. The gateway denies a
   * statement whose engine reading touches a table its own analysis did not see.
   */
  inspect?(submission: EngineSubmission): Promise<EngineInspection>;
  /** `cursor` undefined means the first page. Pages must be deterministic per cursor. */
  poll(handle: string, cursor: string | undefined, options: PollOptions): Promise<EnginePage>;
  cancel(handle: string): Promise<void>;
  health(): Promise<EngineHealth>;
}
