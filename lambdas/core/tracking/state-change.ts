import { isFinal } from '../engines/engine.js';
import type { EngineState, QueryState, AthenaQueryStatus } from '../ports/index.js';
import { noMetrics, silentLog, type TrackingDeps } from './deps.js';
import { finalPatch, queryStateOf, statisticsPatch } from './outcome.js';

/**
 * Amazon EventBridge's "Athena Query State Change" event (PROTOCOL.md section 4). The local
 * engine emits the same shape, with its own query id as `queryExecutionId`.
 */
export interface AthenaStateChangeEvent {
  version?: string;
  id?: string;
  'detail-type'?: string;
  source?: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: AthenaStateChangeDetail;
}

export interface AthenaStateChangeDetail {
  versionId?: string;
  currentState: string;
  previousState?: string;
  statementType?: string;
  queryExecutionId: string;
  workgroupName?: string;
  /** A string in the event; compared as a number. */
  sequenceNumber: string;
  /** On FAILED; numbers may arrive as floats (2.0). */
  athenaError?: { errorCategory?: number; errorType?: number; errorMessage?: string; retryable?: boolean };
}

export const STATE_CHANGE_DETAIL_TYPE = 'Athena Query State Change';
export const ATHENA_EVENT_SOURCE = 'aws.athena';

export type StateChangeOutcome =
  /** The event moved the query item to its state. */
  | 'applied'
  /** A duplicate, or older than what the item already holds: nothing changed. */
  | 'stale'
  /** The item was already final (a poll, a DELETE or the sweeper got there first): its statistics were added. */
  | 'statistics'
  /** No query of Bifrost has this execution id: counted and ignored. */
  | 'unknown-query'
  /** Not an Athena state change this code understands: counted and ignored. */
  | 'ignored';

export interface StateChangeResult {
  outcome: StateChangeOutcome;
  queryId?: string;
}

interface ParsedEvent {
  executionId: string;
  state: QueryState;
  sequence: number;
  workgroup?: string;
  statementType?: string;
  error?: { category?: number; type?: number; retryable?: boolean; message?: string };
}

/**
 * Applies one state-change event to the query item, exactly once in effect: the update is
 * conditional on the event's sequence number and on the item not being final, so duplicates,
 * reordered and stale events change nothing; FAILED, SUCCEEDED and CANCELLED are final, and
 * RUNNING may go back to QUEUED. On a final state, the statistics come from the status API
 * (the event carries none), with the cost estimate.
 *
 * Throws only when a dependency fails. The state is written before the statistics are looked
 * up, so a retry of the same event after a failed status call only adds the statistics.
 */
export async function applyStateChange(deps: TrackingDeps, event: AthenaStateChangeEvent): Promise<StateChangeResult> {
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  const now = (deps.clock ?? Date.now)();
  const parsed = parse(event);
  if (!parsed) {
    metrics.count('StateChangeIgnored');
    log.warn('ignored an event that is not an Athena state change', { detailType: event?.['detail-type'], source: event?.source, detail: event?.detail });
    return { outcome: 'ignored' };
  }
  const queryId = await lookup(deps, parsed);
  if (!queryId) {
    metrics.count('StateChangeUnknownQuery');
    log.info('state change of a query Bifrost did not submit', { executionId: parsed.executionId, workgroup: parsed.workgroup, state: parsed.state });
    return { outcome: 'unknown-query' };
  }
  const { store, settings } = deps;

  if (!isFinal(parsed.state)) {
    const applied = await store.transition(queryId, { state: parsed.state, eventSequence: parsed.sequence }, now);
    metrics.count(applied ? 'StateChangeApplied' : 'StateChangeStale');
    return { outcome: applied ? 'applied' : 'stale', queryId };
  }

  const item = await store.get(queryId);
  if (!item) {
    metrics.count('StateChangeUnknownQuery');
    return { outcome: 'unknown-query' };
  }
  if (isFinal(item.state) && item.statistics) {
    metrics.count('StateChangeStale');
    return { outcome: 'stale', queryId };
  }
  const price = settings.pricePerTerabyteUsd(item.target);
  const source = deps.statusFor(item.target);
  let status: AthenaQueryStatus | undefined;
  let statusFailure: unknown;
  if (source) {
    try {
      const found = (await source.batchGet([parsed.executionId])).statuses.find((s) => s.executionId === parsed.executionId);
      // A status that does not show the final state yet has no final statistics: worth a retry.
      // An execution the status API does not know (any more) is not.
      if (found && isFinal(queryStateOf(found.state) ?? 'QUEUED')) status = found;
      else if (found) statusFailure = new Error(`the status API does not show execution ${parsed.executionId} as final yet`);
      else metrics.count('StatisticsUnavailable');
    } catch (error) {
      statusFailure = error;
    }
  }

  let outcome: StateChangeOutcome = 'stale';
  if (!isFinal(item.state)) {
    // Without the engine's statistics the query stays on the sweeper's list until they are recorded.
    const awaited = source && !status?.statistics ? { awaitStatistics: true } : {};
    const patch = { ...finalPatch(parsed.state, status, { eventError: parsed.error, statementType: parsed.statementType, pricePerTerabyteUsd: price }), eventSequence: parsed.sequence, ...awaited };
    if (await store.transition(queryId, patch, now)) {
      outcome = 'applied';
      deps.events?.queryEnded({ ...item, ...patch, endedAt: now }, now);
    }
  }
  if (outcome !== 'applied' && status?.statistics) {
    // Already final: only the statistics are missing.
    const { statistics, costUsd } = statisticsPatch(parsed.state, status, price, parsed.statementType);
    if (await store.recordStatistics(queryId, { statistics: statistics!, ...(costUsd !== undefined ? { costUsd } : {}) }, now)) outcome = 'statistics';
  }
  metrics.count(outcome === 'applied' ? 'StateChangeApplied' : outcome === 'statistics' ? 'StatisticsRecorded' : 'StateChangeStale');
  if (statusFailure !== undefined && source) {
    metrics.count('StatisticsUnavailable');
    log.warn('no final statistics from the status API', { queryId, executionId: parsed.executionId, error: String(statusFailure) });
    // The state is recorded; failing lets the event be delivered again to add the statistics.
    throw new Error(`Statistics of ${parsed.executionId} are not available yet: ${String((statusFailure as Error)?.message ?? statusFailure)}`, { cause: statusFailure });
  }
  return { outcome, queryId };
}

function parse(event: AthenaStateChangeEvent): ParsedEvent | undefined {
  if (!event || typeof event !== 'object' || !event.detail || typeof event.detail !== 'object') return undefined;
  if (event['detail-type'] !== undefined && event['detail-type'] !== STATE_CHANGE_DETAIL_TYPE) return undefined;
  if (event.source !== undefined && event.source !== ATHENA_EVENT_SOURCE) return undefined;
  const { queryExecutionId, currentState, sequenceNumber, workgroupName, statementType, athenaError } = event.detail;
  if (typeof queryExecutionId !== 'string' || queryExecutionId === '') return undefined;
  const state = typeof currentState === 'string' ? queryStateOf(currentState) : undefined;
  if (!state) return undefined;
  const sequence = typeof sequenceNumber === 'string' && /^\d+$/.test(sequenceNumber.trim()) ? Number(sequenceNumber.trim()) : typeof sequenceNumber === 'number' ? sequenceNumber : NaN;
  if (!Number.isSafeInteger(sequence) || sequence < 0) return undefined;
  const parsed: ParsedEvent = { executionId: queryExecutionId, state, sequence };
  if (typeof workgroupName === 'string') parsed.workgroup = workgroupName;
  if (typeof statementType === 'string') parsed.statementType = statementType;
  if (athenaError && typeof athenaError === 'object') {
    parsed.error = {
      ...(typeof athenaError.errorCategory === 'number' ? { category: Math.trunc(athenaError.errorCategory) } : {}),
      ...(typeof athenaError.errorType === 'number' ? { type: Math.trunc(athenaError.errorType) } : {}),
      ...(typeof athenaError.retryable === 'boolean' ? { retryable: athenaError.retryable } : {}),
      ...(typeof athenaError.errorMessage === 'string' ? { message: athenaError.errorMessage } : {}),
    };
  }
  return parsed;
}

/**
 * The query id for an execution id: one lookup, no waiting. Bifrost's workgroups may be shared,
 * so events of queries others ran there are common, and each must cost no more than this. A miss
 * of one of Bifrost's own queries (its id is written right after StartQueryExecution returns, and
 * the index that finds it is eventually consistent) is harmless: polls record the states they
 * see and the sweeper reconciles what events missed. Events of other workgroups are not looked up.
 */
async function lookup(deps: TrackingDeps, event: ParsedEvent): Promise<string | undefined> {
  if (event.workgroup !== undefined && !deps.settings.ownsWorkgroup(event.workgroup)) return undefined;
  return deps.store.findByEngineQueryId(event.executionId);
}

/** A state change as an engine reports it (the local engine's `onStateChange`). */
export interface EngineStateChange {
  engineQueryId: string;
  previousState?: EngineState;
  currentState: EngineState;
  sequenceNumber: number | string;
  /** Defaults to now. */
  time?: number;
}

const ATHENA_NAMES: Record<EngineState, string> = { QUEUED: 'QUEUED', RUNNING: 'RUNNING', FINISHED: 'SUCCEEDED', FAILED: 'FAILED', CANCELED: 'CANCELLED' };

/**
 * The "Athena Query State Change" event for an engine's state change, so that engines other
 * than Athena (the local DuckDB engine) feed the same `applyStateChange`. No workgroup: the id
 * is looked up once (an engine may report before the gateway has recorded its id; the poll and
 * the sweeper then record the state).
 */
export function engineStateChangeEvent(change: EngineStateChange): AthenaStateChangeEvent {
  return {
    version: '0',
    id: `${change.engineQueryId}-${change.sequenceNumber}`,
    'detail-type': STATE_CHANGE_DETAIL_TYPE,
    source: ATHENA_EVENT_SOURCE,
    time: new Date(change.time ?? Date.now()).toISOString(),
    resources: [],
    detail: {
      versionId: '0',
      currentState: ATHENA_NAMES[change.currentState],
      ...(change.previousState ? { previousState: ATHENA_NAMES[change.previousState] } : {}),
      queryExecutionId: change.engineQueryId,
      sequenceNumber: String(change.sequenceNumber),
    },
  };
}
