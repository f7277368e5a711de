import { createHash } from 'node:crypto';
import { isEngineBusy, isEngineUnreachable, type EngineUnreachableError } from '../engines/engine.js';
import type { Engine, EngineSubmitted, GatewayRequest, GatewayResponse, Principal, ClientSession, GatewayResult, QueryRecord, RoutingDecision, RoutingRequest } from '../ports/index.js';
import { parseKillQuery } from '../engines/cluster/kill-query.js';
import { GatewayError, QueryFailure, queryError, type QueryError } from '../errors.js';
import { readSession } from '../protocol/headers.js';
import { newQueryId } from '../protocol/query-id.js';
import { planStatement, tooComplex, type Plan } from '../protocol/statements.js';
import { FINAL_STATES, isRecordTooLarge } from '../stores/query-store.js';
import { routingRequestFrom, unanalyzed } from '../routing/queueing.js';
import { admit, admittedRoutingRequest, crossCheck, crossCheckedOn, isStackOverflow } from './admit.js';
import { cancelQuietly, killFromSql } from './cancel.js';
import type { GatewayContext } from './context.js';
import { authenticate, storedPrincipal } from './identity.js';
import { compactResult } from './pager.js';
import { decodePlan, engineSubmission } from './plan.js';
import { baseParts, nextUri, queryResponse } from './responses.js';

/**
 * POST /v1/statement: the statement is planned (session statements are answered by the gateway),
 * admitted (admit.ts), recorded as the query item, and submitted to its engine when it has a
 * target. The answer is always QUEUED with a nextUri, or a final failure: never a 5xx once the
 * client is authenticated and the text readable, since clients do not retry a POST.
 */
export async function postStatement(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  const principal = await authenticate(ctx, request);
  // The authenticator has checked the user header against the principal (impersonation rules);
  // a client that sends only credentials (curl -u) runs as the authenticated user.
  const session = readSession(request.headers, undefined, principal.user);
  session.user = principal.user;
  const record = newRecord(ctx, principal, session, decodeSql(request.body));
  const plan = await planQuery(ctx, record, principal, session);
  if (record.result) record.result = compactResult(record.result);
  // Submitted before the item is written, so that the item is written once, with the engine's
  // handle: two store round trips in all (routing's slot, this write). A query whose item cannot
  // be written is stopped on its engine (recordQuery).
  // One that the store cannot hold is never submitted: it is recorded shortened, as a failure.
  const fits = ctx.deps.store.fits?.(record) ?? true;
  if (fits && plan?.kind === 'query' && record.target && !record.engineHandle && record.state === 'QUEUED') await submitToEngine(ctx, record, { stored: false });
  if (!(await recordQuery(ctx, record))) {
    return queryResponse({ ...baseParts(ctx, request, record), state: 'FAILED', error: queryError('GENERIC_INTERNAL_ERROR', 'The gateway could not record the query; try again') });
  }
  ctx.deps.events?.queryRecorded({ ...record, clientTags: session.clientTags });
  ctx.pollCache.keep(record, ctx.now());
  return queryResponse({ ...baseParts(ctx, request, record), state: 'QUEUED', nextUri: nextUri(ctx, request, record, 'queued', { n: 0 }) });
}

/**
 * Submits a query that has a target but no engine handle yet: right after its POST, or on a
 * later poll (a query that waited at the gateway, an engine that was busy).
 *
 * A submit that never reached its target (EngineUnreachableError: connection refused, no such
 * host) fails over: the target is marked unhealthy, the query is routed again without
 * it, and the reasons go on the item. Each failover excludes one more target, so a query fails
 * over at most once per target of its chain. Any other error, and a submit that may have reached
 * the engine, fails the query: it must never run twice.
 */
export async function submitToEngine(ctx: GatewayContext, record: QueryRecord, options: SubmitOptions = {}): Promise<void> {
  const unreachable: Record<string, string> = {};
  const checked = { now: false };
  const stored = options.stored ?? true;
  for (;;) {
    const error = await submitOnce(ctx, record, checked, stored);
    if (!error) return;
    if (isEngineUnreachable(error) && Object.keys(unreachable).length < MAX_FAILOVERS && (await failOver(ctx, record, error, unreachable, stored))) continue;
    await failSubmit(ctx, record, error, checked.now, stored);
    return;
  }
}

export interface SubmitOptions {
  /**
   * False while the POST serves the query: its item is not written yet, and is written afterwards
   * with whatever the submit set on the record (handle, failure, routing). Default true.
   */
  stored?: boolean;
}

/** Upper bound on failovers of one query, whatever the router answers. */
const MAX_FAILOVERS = 16;

/** One submit to `record.target`; the error when it failed (undefined when attached or busy). */
async function submitOnce(ctx: GatewayContext, record: QueryRecord, checked: { now: boolean }, stored: boolean): Promise<unknown> {
  const engine = ctx.deps.engineFor(record.target!);
  try {
    if (!engine) throw QueryFailure.of('CONFIGURATION_INVALID', `Target ${record.target} is not configured`);
    const plan = decodePlan(record);
    if (!plan) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'The query item holds no plan to run');
    if (engine.inspect && crossCheckedOn(record) !== record.target) {
      // A query that waited at the gateway (or failed over) got its target only now: cross-check it there.
      await ctx.deps.refreshAccess?.();
      if (ctx.deps.accessControl.enforcing) {
        checked.now = true;
        await crossCheck(ctx, record, engine, plan, storedPrincipal(record));
        await ctx.deps.store.recordAccess?.(record.queryId, record.access ?? {});
      }
    }
    const submitted = await engine.submit(engineSubmission(record, plan));
    await attach(ctx, record, engine, submitted, stored);
    return undefined;
  } catch (error) {
    if (isEngineBusy(error)) {
      // No room on the engine right now (Athena's TooManyRequests): the query stays QUEUED
      // without a handle, and the next poll submits it again. Nothing is lost.
      ctx.log.info('engine busy, query stays queued', { queryId: record.queryId, target: record.target });
      return undefined;
    }
    return error;
  }
}

/** `checkedNow`: a cross-check made at submit changed the access record (written with the failure). */
async function failSubmit(ctx: GatewayContext, record: QueryRecord, error: unknown, checkedNow: boolean, stored: boolean): Promise<void> {
  const failure = error instanceof QueryFailure ? error.error : queryError('GENERIC_INTERNAL_ERROR', `The engine refused the query: ${String((error as Error)?.message ?? error)}`);
  ctx.log.warn('submit failed', { queryId: record.queryId, target: record.target, errorName: failure.errorName });
  fail(ctx, record, failure);
  if (!stored) return;
  // If this write fails too, the item stays QUEUED without a handle and the next poll submits again.
  await ctx.deps.store
    .transition(record.queryId, { state: 'FAILED', error: failure, ...(checkedNow && record.access ? { access: record.access } : {}) }, ctx.now())
    .then((applied) => applied && ctx.deps.events?.queryEnded(record, record.endedAt ?? ctx.now()))
    .catch((cause: unknown) => ctx.log.warn('could not record the failure', { queryId: record.queryId, error: String(cause) }));
}

/**
 * The submit never reached `record.target`: marks it unhealthy, routes the query again without
 * the targets that failed this way, and records why. True with `record.target` set to the next
 * target; false when there is none (the query fails with the engine's error, as without failover).
 */
async function failOver(ctx: GatewayContext, record: QueryRecord, error: EngineUnreachableError, unreachable: Record<string, string>, stored: boolean): Promise<boolean> {
  const dead = record.target!;
  unreachable[dead] = error.detail;
  ctx.log.warn('target unreachable, the query never reached it', { queryId: record.queryId, target: dead, detail: error.detail });
  await ctx.deps.targetUnreachable?.(dead, error.detail).catch((cause: unknown) => ctx.log.warn('could not mark the target unhealthy', { target: dead, error: String(cause) }));
  const request = routingFactsOf(record);
  const why = `target '${dead}' unreachable, the query never reached it: ${error.detail}`;
  const previous = Array.isArray(record.routing?.reasons) ? (record.routing.reasons as string[]) : [];
  if (!request) {
    record.routing = { ...record.routing, reasons: [...previous, why, 'no failover: the routing facts of the query are not at hand'] };
    if (stored) await recordRouting(ctx, record);
    return false;
  }
  let decision: RoutingDecision;
  try {
    decision = await ctx.deps.router.route({ ...request, exclude: { ...unreachable }, queryId: record.queryId });
  } catch (cause) {
    decision = { outcome: 'deny', reasons: [`routing failed: ${String((cause as Error)?.message ?? cause)}`] };
  }
  // A router that cannot skip targets answers the same one again: nowhere else to go. Facts
  // rebuilt from the item may pick another group: a query never spills into another group.
  const sameGroup = decision.outcome !== 'target' || !record.routingGroup || decision.group === record.routingGroup;
  if (!sameGroup) decision = { outcome: 'deny', reasons: [`the query would leave its routing group '${record.routingGroup}'`] };
  const next = decision.outcome === 'target' && !Object.hasOwn(unreachable, decision.target) ? decision.target : undefined;
  const failovers = Object.keys(unreachable).map((t) => `target '${t}' unreachable, the query never reached it: ${unreachable[t]}`);
  record.routing = next
    ? { ...decision, reasons: [...failovers, `failed over to target '${next}'`, ...decision.reasons] }
    : { ...record.routing, reasons: [...previous, why, `no failover: ${decision.outcome === 'target' ? `the router chose '${decision.target}' again` : (decision.reasons[0] ?? decision.outcome)}`] };
  if (stored) await recordRouting(ctx, record);
  if (decision.outcome === 'target' && decision.slot) {
    // The slot on the dead target is given back; the decision took one on the next.
    await releaseSlot(ctx, record);
    if (next) Object.assign(record, { slot: next, slotMark: true });
    else await ctx.deps.slots?.release(decision.target, record.queryId).catch(() => undefined);
  }
  if (!next) return false;
  ctx.log.info('failing over', { queryId: record.queryId, from: dead, to: next });
  record.target = next;
  return true;
}

/**
 * What the query is routed on again: the request it was admitted with (its POST), the facts a
 * waiting query keeps, or else (an item read back after a busy engine) the facts the item holds:
 * its user, groups and session, tables unknown.
 */
function routingFactsOf(record: QueryRecord): RoutingRequest | undefined {
  const admitted = admittedRoutingRequest(record);
  if (admitted) return admitted;
  if (record.routingRequest) return routingRequestFrom(record.routingRequest);
  const plan = decodePlan(record);
  if (!plan) return undefined;
  return { principal: { ...storedPrincipal(record), groups: [...(record.groups ?? [])] }, session: plan.session, analysis: unanalyzed(record.kind) };
}

/**
 * Writes the routing record of a query that failed over (history). A waiting query's record is
 * written by its poll once it has a handle (routing/queueing.ts): writing it here would take it
 * out of the queue before the store knows its target.
 */
async function recordRouting(ctx: GatewayContext, record: QueryRecord): Promise<void> {
  if (record.waitingGroup || !record.routing || !ctx.deps.store.leaveWaiting) return;
  // leaveWaiting sets `routing` (and drops waiting fields, which a posted query does not have).
  await ctx.deps.store.leaveWaiting(record.queryId, record.routing).catch((cause: unknown) => ctx.log.warn('could not record the routing', { queryId: record.queryId, error: String(cause) }));
}

/** Records the engine's handle on the item, once: a second submit of the same query is stopped. */
async function attach(ctx: GatewayContext, record: QueryRecord, engine: Engine, submitted: EngineSubmitted, stored: boolean): Promise<void> {
  if (!stored) {
    // The POST writes the item with the handle (recordQuery).
    record.engineHandle = submitted.handle;
    if (submitted.engineQueryId) record.engineQueryId = submitted.engineQueryId;
    ctx.deps.events?.queryRouted(record, ctx.now());
    return;
  }
  let attached: boolean;
  try {
    // A waiting query leaves its line in the same write, with the decision that placed it.
    const start = { ...(record.slot ? { slot: record.slot, ...(record.slotMark ? { slotMark: true } : {}) } : {}), ...(record.waitingGroup !== undefined && record.routing ? { routing: { ...record.routing, waitedMs: ctx.now() - record.createdAt } } : {}) };
    attached = await ctx.deps.store.attachHandle(record.queryId, record.target!, submitted.handle, submitted.engineQueryId, start);
  } catch (cause) {
    // The engine runs a query the item does not know of: nothing could track or cancel it
    // later. Stop it now and fail the query cleanly; the client may run it again.
    ctx.log.warn('could not record the engine handle; stopping the query', { queryId: record.queryId, error: String(cause) });
    await engine.cancel(submitted.handle).catch((error: unknown) => ctx.log.warn('engine cancel failed', { queryId: record.queryId, error: String(error) }));
    throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'The gateway could not record the start of the query, so it was stopped; run it again');
  }
  if (attached) {
    record.engineHandle = submitted.handle;
    if (submitted.engineQueryId) record.engineQueryId = submitted.engineQueryId;
    ctx.deps.events?.queryRouted(record, ctx.now());
  } else {
    // Another poll submitted it first: ours is a duplicate and must not run.
    await engine.cancel(submitted.handle).catch(() => undefined);
    const current = await ctx.deps.store.get(record.queryId);
    if (current) Object.assign(record, current);
  }
}

function newRecord(ctx: GatewayContext, principal: Principal, session: ClientSession, sql: string): QueryRecord {
  const created = ctx.now();
  return {
    queryId: newQueryId(created),
    user: principal.user,
    ...(principal.authenticatedUser && principal.authenticatedUser !== principal.user ? { authenticatedUser: principal.authenticatedUser } : {}),
    // Admin dashboard: per-group counts use the groups the user had at submit time.
    groups: [...principal.groups],
    source: session.source,
    dialect: session.dialect,
    sql,
    sqlDigest: createHash('sha256').update(sql).digest('hex'),
    state: 'QUEUED',
    createdAt: created,
    updatedAt: created,
    expiresAt: Math.floor(created / 1000) + ctx.config.historyRetentionDays * 86_400,
  };
}

/**
 * Plans the statement and decides what becomes of it, on the item: a result the gateway answers
 * (FINISHED), an admitted query (QUEUED, with a target or waiting), or a failure (FAILED).
 */
async function planQuery(ctx: GatewayContext, record: QueryRecord, principal: Principal, session: ClientSession): Promise<Plan | undefined> {
  let plan: Plan | undefined;
  try {
    const bytes = Buffer.byteLength(record.sql, 'utf8');
    if (bytes > ctx.config.maxSqlBytes) throw QueryFailure.of('QUERY_TEXT_TOO_LARGE', `Query text length (${bytes}) exceeds the maximum length (${ctx.config.maxSqlBytes})`);
    plan = planStatement(record.sql, session);
    record.kind = plan.kind === 'query' ? (plan.updateType ?? 'SELECT') : plan.kind === 'session' ? plan.updateType : 'DESCRIBE INPUT';
    const kill = plan.kind === 'query' ? parseKillQuery(plan.sql) : undefined;
    if (kill) record.result = await killFromSql(ctx, kill, principal);
    else if (plan.kind === 'query') await admit(ctx, record, plan, principal, session);
    else record.result = gatewayResult(plan);
    if (record.result) {
      record.state = 'FINISHED';
      record.endedAt = record.createdAt;
    }
  } catch (error) {
    // Deep input can exhaust the stack of a parser on the way: a user error, never a 500.
    if (isStackOverflow(error)) fail(ctx, record, tooComplex().error);
    else if (!(error instanceof QueryFailure)) throw error;
    else fail(ctx, record, error.error);
  }
  return plan;
}

/**
 * Gives back the slot routing took for the query (record.slot), once it is clear it will not run
 * on it: failed, answered by the gateway, or not submitted. Never fails the caller.
 */
export async function releaseSlot(ctx: GatewayContext, record: QueryRecord): Promise<void> {
  const target = record.slot;
  if (target === undefined) return;
  const holder = record.slotMark ? record.queryId : undefined;
  delete record.slot;
  delete record.slotMark;
  await ctx.deps.slots?.release(target, holder).catch((cause: unknown) => ctx.log.warn('could not give a queue slot back', { queryId: record.queryId, target, error: String(cause) }));
}

/**
 * Stores the item; false when it could not be stored (the query cannot be polled then). In the
 * same round trip: a query that ends here gives its slot back, one that waits joins its line.
 */
async function recordQuery(ctx: GatewayContext, record: QueryRecord): Promise<boolean> {
  const alongside: Promise<unknown>[] = [];
  if (FINAL_STATES.includes(record.state)) alongside.push(releaseSlot(ctx, record));
  const line = record.waitingGroup !== undefined && record.waitingOn?.length ? { group: record.waitingGroup, targets: record.waitingOn } : undefined;
  if (line) alongside.push(ctx.deps.slots?.markWaiting(line.group, line.targets, 1).catch((cause: unknown) => ctx.log.warn('could not join the waiting line', { queryId: record.queryId, error: String(cause) })) ?? Promise.resolve());
  const stored = await createItem(ctx, record);
  await Promise.all(alongside);
  if (!stored) await releaseSlot(ctx, record);
  // Not stored, or stored shortened as a failure: the query is in no line.
  if (line && (!stored || record.waitingGroup === undefined)) await ctx.deps.slots?.markWaiting(line.group, line.targets, -1).catch(() => undefined);
  return stored;
}

async function createItem(ctx: GatewayContext, record: QueryRecord): Promise<boolean> {
  try {
    try {
      await ctx.deps.store.create(record);
    } catch (error) {
      if (!isRecordTooLarge(error)) throw error;
      // Even compressed, the item cannot hold this statement: keep the attempt in history with
      // the start of its text, failed with a clear answer (nothing was submitted yet).
      ctx.log.warn('query item too large; recording a shortened text', { queryId: record.queryId, sqlChars: record.sql.length });
      await releaseSlot(ctx, record);
      shorten(record);
      await ctx.deps.store.create(record);
    }
    return true;
  } catch (error) {
    // Without the item no poll can find the query: answer a final failure, never a 5xx to a POST.
    ctx.log.error('could not record query', { queryId: record.queryId, error: String(error) });
    if (record.engineHandle) await cancelQuietly(ctx, record);
    return false;
  }
}

function decodeSql(body: Buffer): string {
  let sql: string;
  try {
    sql = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new GatewayError(400, 'Query text is not valid UTF-8');
  }
  if (sql.trim() === '') throw new GatewayError(400, 'SQL statement is empty');
  return sql;
}

/** The answer of a statement the gateway handles itself (USE, SET SESSION, PREPARE, DESCRIBE INPUT...). */
function gatewayResult(plan: Exclude<Plan, { kind: 'query' }>): GatewayResult {
  if (plan.kind === 'describe-input') {
    const rows = Array.from({ length: plan.parameterCount }, (_, i) => [i, 'unknown']);
    return { columns: [{ name: 'Position', type: 'bigint' }, { name: 'Type', type: 'varchar' }], rows: rows.map((r) => JSON.stringify(r)) };
  }
  return { columns: [{ name: 'result', type: 'boolean' }], rows: ['[true]'], updateType: plan.updateType, sessionUpdate: plan.update };
}

function fail(ctx: GatewayContext, record: QueryRecord, error: QueryError): void {
  record.state = 'FAILED';
  record.error = error;
  record.endedAt = ctx.now();
}

/** How much of a statement too large to record is kept in history. */
const SHORTENED_SQL_CHARS = 16_384;

/** The item could not be stored: keep the start of the statement and fail it with a clear answer. */
function shorten(record: QueryRecord): void {
  const bytes = Buffer.byteLength(record.sql, 'utf8');
  record.sql = record.sql.slice(0, SHORTENED_SQL_CHARS);
  record.sqlTruncated = true;
  for (const k of ['sessionJson', 'result', 'parameters', 'target', 'routingGroup', 'waitingGroup', 'waitingOn', 'routingRequest', 'engineHandle'] as const) delete record[k];
  if (record.access) record.access = { ...record.access, tables: (record.access.tables as unknown[] | undefined)?.slice(0, 100) };
  record.state = 'FAILED';
  record.endedAt = record.updatedAt;
  record.error = queryError('QUERY_TEXT_TOO_LARGE', `The query is too large to be recorded in history, even compressed (its text is ${bytes} bytes); it was not run`);
}
