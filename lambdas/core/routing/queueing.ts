import { queryError } from '../errors.js';
import type { Wake, WaitingRoom } from './waiting-room.js';
import type { Analysis, Router, RoutingDecision, RoutingRequest, ClientSession, QueryRecord, QueryStore, StoredRoutingRequest, TargetSlots } from '../ports/index.js';

/**
 * The gateway queue. When routing answers 'wait' (every usable target of the group is full and
 * the group waits), the query item is written without a target, with `waitingGroup` and the
 * routing facts; the client sees QUEUED. Each poll routes it again and submits it once a target
 * has room for it.
 *
 * Arrival order: a query takes a target only if fewer live queries wait ahead of it in its group
 * than the chosen target has free slots (`headroom`). Older waiting queries thus keep the slots
 * they need, while several slots can fill at once (not one query per poll round). A new query is
 * held to the same rule, so it cannot jump a line that formed before it. Waiting queries whose
 * client stopped polling (no poll within the live window) do not hold the line; the sweeper ends
 * them. The count comes from the store (`countWaitingAhead`); depths are read from the store too,
 * so two gateways deciding at the same instant may overshoot a queue limit by the few queries
 * in flight: limits are soft, as Athena's own queue is.
 */
export interface QueueDeps {
  router: Router;
  store: QueryStore;
  /** The slots the router takes: a slot taken out of turn is given back. */
  slots?: TargetSlots;
}

/** How recently a waiting query's client must have been seen for it to hold its place. */
export function waitingLiveWindowMs(config: { pollTouchIntervalMs: number; pollWaitMs: number; waitingPollWaitMs?: number }): number {
  // Waiting polls record the client's presence once per touch interval (see pollWaitingQuery),
  // and each is held up to the longer waiting hold.
  return 2 * config.pollTouchIntervalMs + Math.max(config.pollWaitMs, config.waitingPollWaitMs ?? 0) + 5_000;
}

/** For a query that was not analyzed (no analyzer): its statement kind, tables unknown. */
export function unanalyzed(kind: string | undefined): Analysis {
  return { ok: false, kind: kind ?? 'UNKNOWN', tables: [], error: 'not analyzed' };
}

/**
 * The analysis routing sees: the analyzer's tables and schemas, with the statement kind in the
 * vocabulary rules use (`statementKinds`: SELECT, INSERT, CREATE TABLE, ..., Trino's update
 * types, as the gateway records them on the item) rather than the analyzer's own coarser one.
 */
export function routingAnalysis(analysis: Analysis | undefined, kind: string | undefined): Analysis {
  if (!analysis) return unanalyzed(kind);
  return kind === undefined ? analysis : { ...analysis, kind };
}

/** What is kept on the item to route a waiting query again: no secrets, no prepared statements. */
export function storedRoutingRequest(request: RoutingRequest): StoredRoutingRequest {
  const { principal, session, analysis } = request;
  const stored: StoredRoutingRequest = {
    principal: { user: principal.user, groups: [...principal.groups], method: principal.method },
    session: { dialect: session.dialect, user: session.user, clientTags: [...session.clientTags] },
  };
  const s = stored.session;
  if (session.source !== undefined) s.source = session.source;
  if (session.catalog !== undefined) s.catalog = session.catalog;
  if (session.schema !== undefined) s.schema = session.schema;
  if (session.routingGroup !== undefined) s.routingGroup = session.routingGroup;
  const hint = session.extraCredentials?.routing;
  if (hint !== undefined) s.routingHint = hint;
  if (analysis) {
    stored.analysis = { ok: analysis.ok, kind: analysis.kind, tables: analysis.tables.map((t) => ({ name: t.name, parts: [...t.parts], access: t.access })) };
    if (analysis.schemas?.length) stored.analysis.schemas = analysis.schemas.map((x) => x.name);
  }
  return stored;
}

export function routingRequestFrom(stored: StoredRoutingRequest): RoutingRequest {
  const s = stored.session;
  const session: ClientSession = {
    dialect: s.dialect,
    user: s.user,
    clientTags: s.clientTags ?? [],
    clientCapabilities: [],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: s.routingHint !== undefined ? { routing: s.routingHint } : {},
    preparedStatements: {},
  };
  if (s.source !== undefined) session.source = s.source;
  if (s.catalog !== undefined) session.catalog = s.catalog;
  if (s.schema !== undefined) session.schema = s.schema;
  if (s.routingGroup !== undefined) session.routingGroup = s.routingGroup;
  const request: RoutingRequest = { principal: { ...stored.principal, groups: [...stored.principal.groups] }, session };
  if (stored.analysis) {
    request.analysis = { ok: stored.analysis.ok, kind: stored.analysis.kind, tables: stored.analysis.tables.map((t) => ({ ...t, parts: [...t.parts] })) };
    // Only the names are kept; routing reads nothing else of a schema access.
    if (stored.analysis.schemas) request.analysis.schemas = stored.analysis.schemas.map((name) => ({ name, parts: name.split('.'), operation: 'use' }));
  }
  return request;
}

/** Arrival order: earlier creation first, then query id. Negative when `a` is ahead of `b`. */
export function compareArrival(a: { createdAt: number; queryId: string }, b: { createdAt: number; queryId: string }): number {
  return a.createdAt - b.createdAt || (a.queryId < b.queryId ? -1 : a.queryId > b.queryId ? 1 : 0);
}

function headroomOf(decision: RoutingDecision): number | undefined {
  const headroom = (decision as { headroom?: unknown }).headroom;
  return typeof headroom === 'number' && headroom > 0 ? headroom : undefined;
}

/**
 * Routes a query and holds it to the arrival order of its group: a 'target' decision becomes
 * 'wait' when the older live waiting queries of the group need every free slot of that target.
 * Only decisions that carry a headroom (a target below its limit in a group that waits) are held;
 * other routers' decisions pass unchanged.
 */
export async function routeInArrivalOrder(deps: QueueDeps, request: RoutingRequest, query: { queryId: string; createdAt: number }, now: number, liveWindowMs: number, woken = false): Promise<RoutingDecision> {
  // The query's id marks a slot taken for it: its release is then idempotent (TargetSlots).
  const decision = await deps.router.route({ ...request, queryId: query.queryId });
  if (decision.outcome !== 'target') return decision;
  const headroom = headroomOf(decision);
  if (headroom === undefined || !deps.store.countWaitingAhead) return decision;
  // With slots, a newcomer is kept behind the line by the slot itself (TargetSlots.take): only
  // the queries in the line are ordered among themselves, here. A poll the waiting room woke for
  // a freed slot is already the earliest this instance holds: it takes the slot without counting
  // (a count would send the slot round every held poll); only a query between two of its polls
  // at that instant can be passed this way.
  if (decision.slot && (!request.waiting || woken)) return decision;
  let ahead: number;
  try {
    ahead = await deps.store.countWaitingAhead(decision.group, query, now - liveWindowMs, headroom);
  } catch (error) {
    return { ...decision, reasons: [...decision.reasons, `arrival order not checked: the waiting queries could not be read (${String((error as Error)?.message ?? error)})`] };
  }
  if (ahead < headroom) {
    return ahead === 0 ? decision : { ...decision, reasons: [...decision.reasons, `${ahead} older quer${ahead === 1 ? 'y waits' : 'ies wait'} in group '${decision.group}'; target '${decision.target}' has room for ${headroom}`] };
  }
  if (decision.slot) await deps.slots?.release(decision.target, query.queryId).catch(() => undefined);
  const { headroom: _h, target: _t, slot: _s, ...rest } = decision as RoutingDecision & { headroom?: number; target: string; slot?: boolean };
  return {
    ...rest,
    outcome: 'wait',
    group: decision.group,
    reasons: [
      `waiting at the gateway behind ${ahead}${ahead >= headroom ? '+' : ''} older queries of group '${decision.group}': target '${decision.target}' has room for ${headroom} (arrival order)`,
      ...decision.reasons,
    ],
  };
}

export interface WaitingPollContext extends QueueDeps {
  now: () => number;
  liveWindowMs: number;
  /** How long a poll of a query that still waits is held before answering QUEUED, without a room. */
  pollWaitMs: number;
  /** How often a waiting query records that its client still polls. */
  pollTouchIntervalMs: number;
  /** Submits the record to `record.target` (the gateway's own submit). */
  submit: () => Promise<void>;
  /** Told when this poll recorded the query's end (routing denied it while it waited). */
  ended?: (record: QueryRecord, at: number) => void;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Holds a poll that must wait, for the room's longer waiting hold, waking it early when a slot
   * is given back, here or elsewhere (waiting-room.ts).
   */
  room?: WaitingRoom;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One poll of a query waiting at the gateway: route it again (with slots, one conditional write
 * per target of its chain, however many wait); with a target, submit it and record
 * the decision that took it out of the queue; denied (say its only target was disabled while it
 * waited), fail it with the reason; still waiting, note the client's presence and hold the poll
 * so clients do not spin: in the waiting room for its waiting hold, else `pollWaitMs`. Updates
 * `record` in place.
 */
export async function pollWaitingQuery(ctx: WaitingPollContext, record: QueryRecord): Promise<void> {
  // A poll woken by a freed slot routes again at once, within the one hold time.
  const until = ctx.now() + (ctx.room ? ctx.room.holdMsFor(record) : ctx.pollWaitMs);
  let woken: Wake | false = false;
  for (;;) {
    // Only a slot given back here skips the count of the line: the room woke its earliest poll.
    // One found free by the re-check may be woken on every instance at once: the line decides.
    woken = await waitingPollOnce(ctx, record, Math.max(0, until - ctx.now()), woken === 'released');
    if (!woken || ctx.now() >= until) return;
  }
}

/** One attempt; what woke its hold early when the query still waits, else false. */
async function waitingPollOnce(ctx: WaitingPollContext, record: QueryRecord, holdMs: number, woken: boolean): Promise<Wake | false> {
  const t = ctx.now();
  const stored = record.routingRequest;
  const decision: RoutingDecision = stored
    ? await routeInArrivalOrder(ctx, { ...routingRequestFrom(stored), waiting: true }, record, t, ctx.liveWindowMs, woken)
    : { outcome: 'deny', reasons: ['the waiting query has no routing facts to route it with'] };
  if (decision.outcome === 'target') {
    record.target = decision.target;
    if (decision.slot) Object.assign(record, { slot: decision.target, slotMark: true });
    // The submit may fail over to another target and replace this with its own reasons. Its
    // write of the handle takes the query out of the line, with this decision (attachHandle).
    record.routing = { ...decision };
    await ctx.submit();
    if (!record.engineHandle && record.slot !== undefined) {
      // Not started (the engine was busy, or refused it): the slot is not this query's yet.
      await ctx.slots?.release(record.slot, record.queryId).catch(() => undefined);
      delete record.slot;
      delete record.slotMark;
    }
    return false;
  }
  if (decision.outcome === 'deny') {
    const error = queryError('QUERY_REJECTED', `Query rejected by routing while waiting: ${decision.reasons[0] ?? 'no reason given'}`);
    const applied = await ctx.store.transition(record.queryId, { state: 'FAILED', error, endReason: 'routing denied the waiting query' }, t);
    record.state = 'FAILED';
    record.error = error;
    record.endedAt = t;
    if (applied) ctx.ended?.(record, t);
    return false;
  }
  if (t - (record.lastPollAt ?? record.createdAt) >= ctx.pollTouchIntervalMs) {
    await ctx.store.touch(record.queryId, t).catch(() => undefined);
    record.lastPollAt = t;
  }
  if (holdMs <= 0) return false;
  if (ctx.room) return ctx.room.hold(record, holdMs);
  await (ctx.sleep ?? sleep)(holdMs);
  return false;
}
