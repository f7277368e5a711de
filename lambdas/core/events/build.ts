import type { BifrostEvent, ClusterHealthState, EventDetailType, QueryState, TargetState, TrackedRecord } from '../ports/index.js';
import { estimateCostUsd } from '../tracking/outcome.js';
import { DETAIL_SCHEMAS, SCHEMA_VERSION, detailSlug, type DetailOf } from './details.js';

/**
 * Events from what Bifrost recorded: a query item (as stored, or as a transition just made it),
 * a target's health or state. Pure functions: the emitter (emitter.ts) decides when.
 */
export type TargetKind = 'athena' | 'trino' | 'presto' | 'duckdb';

export interface EventSettings {
  environment: string;
  includeSql: boolean;
  /** The type of a configured target; undefined for an unknown one. */
  targetType(target: string): TargetKind | undefined;
  /** Price per TB scanned on a target billed per scan; undefined for others (no cost estimate). */
  pricePerTerabyteUsd(target: string | undefined): number | undefined;
}

/** The query item with what tracking adds; `clientTags` when the caller has the session at hand. */
export type QueryFacts = TrackedRecord & { clientTags?: readonly string[] };

/** Most of a statement kept in an event with `includeSql`: even escaped, it leaves the entry under 256 KB. */
export const MAX_EVENT_SQL_CHARS = 32_768;

/** The stable id of what happened: the same for every attempt to publish it. */
export function eventId(settings: EventSettings, detailType: EventDetailType, key: string): string {
  return `${settings.environment}:${key}:${detailSlug(detailType)}`;
}

function event<T extends EventDetailType>(detailType: T, time: number, detail: DetailOf<T>): BifrostEvent {
  return { detailType, time, detail: detail as DetailOf<T> & { eventId: string } };
}

const iso = (ms: number) => new Date(ms).toISOString();

function common(settings: EventSettings, detailType: EventDetailType, key: string, time: number) {
  return { schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION, eventId: eventId(settings, detailType, key), occurredAt: iso(time), environment: settings.environment };
}

/** The client's tags: given by the caller, or from the session the item keeps for its engine. */
function clientTagsOf(record: QueryFacts): string[] {
  if (record.clientTags) return [...record.clientTags];
  if (record.routingRequest?.session.clientTags) return [...record.routingRequest.session.clientTags];
  if (record.sessionJson === undefined) return [];
  try {
    // Only the tags are read: the rest of the stored plan is the gateway's (gateway/plan.ts).
    const tags = (JSON.parse(record.sessionJson) as { clientTags?: unknown }).clientTags;
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function queryPart(settings: EventSettings, detailType: EventDetailType, record: QueryFacts, time: number) {
  const type = record.target !== undefined ? settings.targetType(record.target) : undefined;
  const engine = type ?? (record.engineHandle === undefined ? ('gateway' as const) : undefined);
  return {
    ...common(settings, detailType, record.queryId, time),
    queryId: record.queryId,
    user: record.user,
    ...(record.authenticatedUser ? { authenticatedUser: record.authenticatedUser } : {}),
    ...(record.source ? { clientSource: record.source } : {}),
    clientTags: clientTagsOf(record),
    ...(record.kind ? { kind: record.kind } : {}),
    ...(record.routingGroup ? { routingGroup: record.routingGroup } : {}),
    ...(record.target ? { target: record.target } : {}),
    ...(engine ? { engine } : {}),
    ...(record.engineQueryId ? { engineQueryId: record.engineQueryId } : {}),
    submittedAt: iso(record.createdAt),
    ...(settings.includeSql && typeof record.sql === 'string' ? sqlPart(record) : {}),
  };
}

function sqlPart(record: QueryFacts): { sql: string; sqlTruncated?: boolean } {
  const truncated = record.sqlTruncated === true || record.sql.length > MAX_EVENT_SQL_CHARS;
  return { sql: record.sql.slice(0, MAX_EVENT_SQL_CHARS), ...(truncated ? { sqlTruncated: true } : {}) };
}

export function querySubmitted(settings: EventSettings, record: QueryFacts): BifrostEvent {
  const state = record.state as Extract<QueryState, 'QUEUED' | 'FINISHED' | 'FAILED'>;
  return event('Query Submitted', record.createdAt, { ...queryPart(settings, 'Query Submitted', record, record.createdAt), state });
}

/** The query was handed to its target's engine (the item holds the engine's handle). */
export function queryRouted(settings: EventSettings, record: QueryFacts, time: number): BifrostEvent {
  const reasons = Array.isArray(record.routing?.reasons) ? (record.routing.reasons as unknown[]) : [];
  const failedOver = reasons.flatMap((r) => (typeof r === 'string' ? [/^target '([^']+)' unreachable/.exec(r)?.[1]] : [])).filter((t): t is string => t !== undefined);
  return event('Query Routed', time, { ...queryPart(settings, 'Query Routed', record, time), target: record.target!, ...(failedOver.length ? { failedOver: [...new Set(failedOver)] } : {}) });
}

const DENIALS = new Set(['PERMISSION_DENIED', 'QUERY_REJECTED']);

/** True when a failed query was refused (access rules, the engine check, routing) rather than failed. */
export function isDenial(record: Pick<QueryFacts, 'state' | 'error'>): boolean {
  return record.state === 'FAILED' && record.error !== undefined && DENIALS.has(record.error.errorName);
}

/** The event of a query that reached a final state: Finished, Failed, Canceled, or Denied. */
export function queryEnded(settings: EventSettings, record: QueryFacts, time: number): BifrostEvent | undefined {
  if (isDenial(record)) return queryDenied(settings, record, time);
  if (record.state !== 'FINISHED' && record.state !== 'FAILED' && record.state !== 'CANCELED') return undefined;
  const detailType = record.state === 'FINISHED' ? 'Query Finished' : record.state === 'FAILED' ? 'Query Failed' : 'Query Canceled';
  const endedAt = Math.max(record.endedAt ?? time, record.createdAt);
  const statistics = record.statistics;
  const scanned = statistics?.dataScannedBytes ?? record.stats?.physicalInputBytes;
  const price = settings.pricePerTerabyteUsd(record.target);
  const cost = record.costUsd ?? (price !== undefined && scanned !== undefined ? estimateCostUsd(scanned, price, { state: record.state }) : undefined);
  const rows = record.updateCount ?? record.stats?.processedRows;
  const base = {
    ...queryPart(settings, detailType, record, endedAt),
    endedAt: iso(endedAt),
    durationMs: Math.max(0, Math.round(endedAt - record.createdAt)),
    ...(statistics?.queueTimeMillis !== undefined ? { queuedMs: Math.round(statistics.queueTimeMillis) } : record.stats?.queuedTimeMillis !== undefined ? { queuedMs: Math.round(record.stats.queuedTimeMillis) } : {}),
    ...(scanned !== undefined ? { dataScannedBytes: scanned } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    ...(rows !== undefined && rows >= 0 ? { rows } : {}),
    ...(record.updateType ? { updateType: record.updateType } : {}),
  };
  if (record.state === 'FINISHED') return event('Query Finished', endedAt, { ...base, state: 'FINISHED', ...(record.updateCount !== undefined ? { updateCount: record.updateCount } : {}) });
  const error = errorPart(record);
  if (record.state === 'FAILED') {
    return event('Query Failed', endedAt, { ...base, ...error, state: 'FAILED', ...(settings.includeSql && record.error?.message ? { errorMessage: record.error.message } : {}) });
  }
  return event('Query Canceled', endedAt, { ...base, ...error, state: 'CANCELED', ...(record.endReason ? { reason: record.endReason } : {}) });
}

function errorPart(record: QueryFacts) {
  const e = record.error;
  return { errorName: e?.errorName ?? 'GENERIC_INTERNAL_ERROR', ...(e?.errorCode !== undefined ? { errorCode: e.errorCode } : {}), ...(e?.errorType ? { errorType: e.errorType } : {}) };
}

function queryDenied(settings: EventSettings, record: QueryFacts, time: number): BifrostEvent {
  const endedAt = Math.max(record.endedAt ?? time, record.createdAt);
  const access = record.access ?? {};
  const crossCheck = typeof access.crossCheck === 'object' && access.crossCheck !== null ? (access.crossCheck as Record<string, unknown>) : undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  let decided: { deniedBy: 'access-rules' | 'engine-check' | 'routing'; rule?: string; reason: string };
  if (record.error?.errorName === 'QUERY_REJECTED') {
    decided = { deniedBy: 'routing', reason: text(record.error.message.replace(/^Query rejected by routing(?: while waiting)?: /, '')) ?? 'routing denied the query' };
  } else if (crossCheck?.allowed === false) {
    decided = { deniedBy: 'engine-check', reason: text(crossCheck.reason) ?? 'the engine check denied the statement' };
  } else {
    const rule = text(access.rule);
    decided = { deniedBy: 'access-rules', ...(rule ? { rule } : {}), reason: text(access.reason) ?? record.error?.message.replace(/^Access Denied: /, '') ?? 'access denied' };
  }
  return event('Query Denied', endedAt, { ...queryPart(settings, 'Query Denied', record, endedAt), ...errorPart(record), ...decided });
}

/** A cluster's health flipped (the checks, or a submit that could not reach it). */
export function targetHealthChanged(settings: EventSettings, state: ClusterHealthState, previousHealthy: boolean): BifrostEvent | undefined {
  const targetType = settings.targetType(state.target);
  if (!targetType) return undefined;
  const detailType = 'Target State Changed';
  return event(detailType, state.changedAt, {
    ...common(settings, detailType, `target/${state.target}/health/${state.healthy ? 'healthy' : 'unhealthy'}/${state.changedAt}`, state.changedAt),
    target: state.target,
    targetType,
    change: 'health',
    healthy: state.healthy,
    previousHealthy,
    consecutiveFailures: state.consecutiveFailures,
  });
}

export interface TargetStateChange {
  target: string;
  state: TargetState;
  previousState: TargetState;
  /** The version of the run-time overrides that holds the change. */
  version: number;
  at: number;
  by?: string;
  reason?: string;
}

/** An admin drained, enabled or disabled a target. */
export function targetStateChanged(settings: EventSettings, change: TargetStateChange): BifrostEvent | undefined {
  const targetType = settings.targetType(change.target);
  if (!targetType) return undefined;
  const detailType = 'Target State Changed';
  return event(detailType, change.at, {
    ...common(settings, detailType, `target/${change.target}/state/${change.version}`, change.at),
    target: change.target,
    targetType,
    change: 'state',
    state: change.state,
    previousState: change.previousState,
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.by ? { changedBy: change.by } : {}),
  });
}

type BudgetDetail = Omit<DetailOf<'Budget Exceeded'>, 'schemaVersion' | 'eventId' | 'occurredAt' | 'environment'>;
/** What the budget feature tells: the budget, its scope and period, the limit and what was spent. */
export type BudgetFacts = Omit<BudgetDetail, 'periodStart'> & { periodStart: number; at: number };

/** A budget crossed a warning threshold (once per budget, period and threshold). */
export function budgetWarning(settings: EventSettings, facts: BudgetFacts & { thresholdPercent: number }): BifrostEvent {
  return budgetEvent(settings, 'Budget Warning', facts, `/${facts.thresholdPercent}`, { thresholdPercent: facts.thresholdPercent });
}

/** A budget's limit was reached (once per budget and period). */
export function budgetExceeded(settings: EventSettings, facts: BudgetFacts): BifrostEvent {
  return budgetEvent(settings, 'Budget Exceeded', facts, '', {});
}

function budgetEvent(settings: EventSettings, detailType: 'Budget Warning' | 'Budget Exceeded', facts: BudgetFacts, suffix: string, extra: object): BifrostEvent {
  const { at, periodStart, budget, scope, period, limitUsd, spentUsd, queryId, user } = facts;
  const detail = {
    ...common(settings, detailType, `budget/${budget}/${period}/${iso(periodStart)}${suffix}`, at),
    budget,
    scope: { kind: scope.kind, ...(scope.name !== undefined ? { name: scope.name } : {}) },
    period,
    periodStart: iso(periodStart),
    limitUsd,
    spentUsd,
    ...(queryId ? { queryId } : {}),
    ...(user ? { user } : {}),
    ...extra,
  };
  return { detailType, time: at, detail: DETAIL_SCHEMAS[detailType].parse(detail) };
}
