import type { QueryError } from '../errors.js';
import type { EngineStats, QueryState, QueryWarning } from '../ports/index.js';
import type { Column } from './sql-types.js';

/** The protocol's StatementStats, with every primitive the clients read. */
export interface StatementStats {
  state: string;
  queued: boolean;
  scheduled: boolean;
  progressPercentage?: number;
  runningPercentage?: number;
  nodes: number;
  totalSplits: number;
  queuedSplits: number;
  runningSplits: number;
  completedSplits: number;
  cpuTimeMillis: number;
  wallTimeMillis: number;
  queuedTimeMillis: number;
  elapsedTimeMillis: number;
  processedRows: number;
  processedBytes: number;
  physicalInputBytes: number;
  physicalWrittenBytes: number;
  peakMemoryBytes: number;
  spilledBytes: number;
  rootStage: null;
}

export interface QueryResultsParts {
  id: string;
  infoUri: string;
  nextUri?: string;
  partialCancelUri?: string;
  columns?: Column[];
  /** Rows already encoded as the JSON text of an array (see encode.ts). */
  dataJson?: string;
  state: QueryState;
  /** True while rows remain to be fetched: the wire state stays RUNNING until the last page. */
  moreRows?: boolean;
  stats?: EngineStats;
  createdAt: number;
  now: number;
  error?: QueryError;
  updateType?: string;
  updateCount?: number;
  warnings?: QueryWarning[];
}

export function wireState(state: QueryState, moreRows = false): string {
  if (state === 'CANCELED') return 'FAILED';
  if (state === 'FINISHED' && moreRows) return 'RUNNING';
  return state;
}

export function statementStats(state: QueryState, stats: EngineStats | undefined, elapsed: number, moreRows = false): StatementStats {
  const wire = wireState(state, moreRows);
  return {
    state: wire,
    queued: wire === 'QUEUED',
    scheduled: wire !== 'QUEUED',
    progressPercentage: stats?.progressPercentage ?? (wire === 'FINISHED' ? 100 : 0),
    runningPercentage: 0,
    nodes: wire === 'QUEUED' ? 0 : 1,
    totalSplits: 0,
    queuedSplits: 0,
    runningSplits: 0,
    completedSplits: 0,
    cpuTimeMillis: stats?.cpuTimeMillis ?? 0,
    wallTimeMillis: stats?.wallTimeMillis ?? 0,
    queuedTimeMillis: stats?.queuedTimeMillis ?? 0,
    elapsedTimeMillis: stats?.elapsedTimeMillis ?? Math.max(0, elapsed),
    processedRows: stats?.processedRows ?? 0,
    processedBytes: stats?.processedBytes ?? 0,
    physicalInputBytes: stats?.physicalInputBytes ?? 0,
    physicalWrittenBytes: stats?.physicalWrittenBytes ?? 0,
    peakMemoryBytes: stats?.peakMemoryBytes ?? 0,
    spilledBytes: 0,
    rootStage: null,
  };
}

/**
 * Writes QueryResults as JSON text. `data` is spliced in as pre-encoded text, because the
 * values need a JSON dialect (float tokens, exact big integers) that JSON.stringify lacks.
 */
export function queryResultsJson(p: QueryResultsParts): string {
  const body: Record<string, unknown> = { id: p.id, infoUri: p.infoUri };
  if (p.partialCancelUri) body.partialCancelUri = p.partialCancelUri;
  if (p.nextUri) body.nextUri = p.nextUri;
  if (p.columns) body.columns = p.columns;
  body.stats = statementStats(p.state, p.stats, p.now - p.createdAt, p.moreRows);
  if (p.error) body.error = p.error;
  body.warnings = p.warnings ?? [];
  if (p.updateType) body.updateType = p.updateType;
  if (p.updateCount !== undefined) body.updateCount = p.updateCount;
  const json = JSON.stringify(body);
  if (!p.dataJson || !p.columns) return json;
  return json.slice(0, -1) + ',"data":' + p.dataJson + '}';
}
