import type { EngineStats, QueryState, AthenaFailure, AthenaQueryStatus, AthenaState, QueryStatistics, TrackedPatch } from '../ports/index.js';
import { ErrorCodes, queryError, type ErrorLocation, type ErrorName, type QueryError } from '../errors.js';

/** Athena's states as Bifrost records them (Trino's names). */
const STATES: Record<AthenaState, QueryState> = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'FINISHED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELED',
};

export function queryStateOf(athenaState: string): QueryState | undefined {
  return Object.hasOwn(STATES, athenaState) ? STATES[athenaState as AthenaState] : undefined;
}

const MIB = 2 ** 20;
const TIB = 2 ** 40;
/** Athena bills scans rounded up to the megabyte, with a 10 MB minimum per query. */
const MINIMUM_BILLED_BYTES = 10 * MIB;

/**
 * The cost of a query billed per TB scanned: data scanned rounded up to the megabyte, at least
 * 10 MB when anything was scanned; failed queries and DDL are not billed. An estimate: the bill
 * is the authority.
 */
export function estimateCostUsd(dataScannedBytes: number | undefined, pricePerTerabyteUsd: number, info: { state: QueryState; statementType?: string | undefined }): number {
  if (info.state === 'FAILED' || info.statementType === 'DDL') return 0;
  if (!dataScannedBytes || dataScannedBytes <= 0) return 0;
  const billed = Math.max(Math.ceil(dataScannedBytes / MIB) * MIB, MINIMUM_BILLED_BYTES);
  return Math.round((billed / TIB) * pricePerTerabyteUsd * 1e6) / 1e6;
}

/** Athena's statistics as the protocol's stats (PROTOCOL.md 3.4). */
export function protocolStats(statistics: QueryStatistics): EngineStats {
  const stats: EngineStats = {};
  if (statistics.dataScannedBytes !== undefined) stats.physicalInputBytes = statistics.dataScannedBytes;
  if (statistics.queueTimeMillis !== undefined) stats.queuedTimeMillis = statistics.queueTimeMillis;
  if (statistics.totalTimeMillis !== undefined) stats.elapsedTimeMillis = statistics.totalTimeMillis;
  if (statistics.engineTimeMillis !== undefined) {
    stats.cpuTimeMillis = statistics.engineTimeMillis;
    stats.wallTimeMillis = statistics.engineTimeMillis;
  }
  return stats;
}

const NAMED_MESSAGE = /^([A-Z][A-Z_]+):\s*(.*)$/s;
const LOCATED_MESSAGE = /^line (\d+):(\d+):\s*/;

/**
 * Athena's error as a Trino error. Athena's messages often start with Trino's own error name
 * ("TABLE_NOT_FOUND: line 1:15: Table ... does not exist"): that name and location are kept.
 */
export function queryErrorOf(failure: AthenaFailure | undefined, fallbackMessage?: string): QueryError {
  const raw = failure?.message ?? fallbackMessage ?? 'Query failed in the engine';
  let name: ErrorName = failure?.category === 2 ? 'GENERIC_USER_ERROR' : 'GENERIC_INTERNAL_ERROR';
  let message = raw;
  const named = NAMED_MESSAGE.exec(raw);
  if (named && Object.hasOwn(ErrorCodes, named[1]!)) {
    name = named[1] as ErrorName;
    message = named[2]!;
  }
  let location: ErrorLocation | undefined;
  const located = LOCATED_MESSAGE.exec(message);
  if (located) location = { lineNumber: Number(located[1]), columnNumber: Number(located[2]) };
  return queryError(name, message, location);
}

/**
 * What a final state writes to the query item: the error or cancel reason, and the statistics
 * and cost estimate when the engine's status is known.
 */
export function finalPatch(
  state: QueryState,
  status: AthenaQueryStatus | undefined,
  options: { eventError?: AthenaFailure | undefined; statementType?: string | undefined; pricePerTerabyteUsd?: number | undefined },
): TrackedPatch {
  const patch: TrackedPatch = { state };
  if (state === 'FAILED') patch.error = queryErrorOf(options.eventError ?? status?.error, status?.stateChangeReason);
  if (state === 'CANCELED') {
    patch.error = queryError('USER_CANCELED', 'Query was canceled');
    patch.endReason = status?.stateChangeReason ? `canceled in the engine: ${status.stateChangeReason}` : 'canceled in the engine';
  }
  if (status?.statistics) Object.assign(patch, statisticsPatch(state, status, options.pricePerTerabyteUsd, options.statementType));
  return patch;
}

/** Statistics, protocol stats and cost of a final query from its engine status. */
export function statisticsPatch(state: QueryState, status: AthenaQueryStatus, pricePerTerabyteUsd: number | undefined, statementType?: string): Pick<TrackedPatch, 'statistics' | 'stats' | 'costUsd'> {
  const statistics = status.statistics ?? {};
  const out: Pick<TrackedPatch, 'statistics' | 'stats' | 'costUsd'> = { statistics, stats: protocolStats(statistics) };
  if (pricePerTerabyteUsd !== undefined) {
    out.costUsd = estimateCostUsd(statistics.dataScannedBytes, pricePerTerabyteUsd, { state, statementType: status.statementType ?? statementType });
  }
  return out;
}
