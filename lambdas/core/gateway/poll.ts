import type { ClientSession, EnginePage, GatewayRequest, GatewayResponse, SqlType, QueryRecord, TrackedPatch } from '../ports/index.js';
import { statisticsPatch } from '../tracking/outcome.js';
import { ResultsExpiredError } from '../engines/engine.js';
import { GatewayError, QueryFailure, queryError } from '../errors.js';
import { millisecondDatetime, rowEncoder } from '../protocol/encode.js';
import { sessionUpdateHeaders } from '../protocol/headers.js';
import type { PageToken } from '../protocol/page-token.js';
import type { QueryResultsParts } from '../protocol/results.js';
import { column, formatType, parseType, withoutDatetimePrecision, type Column } from '../protocol/sql-types.js';
import { pollWaitingQuery, waitingLiveWindowMs } from '../routing/queueing.js';
import { FINAL_STATES } from '../stores/query-store.js';
import { enginePageBytes, type GatewayContext } from './context.js';
import { loadForPoll, type StatementAddress } from './identity.js';
import { enginePageSlice, heldResultPage, type EngineSlice } from './pager.js';
import { decodePlan } from './plan.js';
import { baseParts, failedResponse, nextUri, queryResponse, type BaseParts } from './responses.js';
import { encodingHeader, negotiatedEncoding, spooledPollOptions, spooledSlice } from './spool.js';
import { submitToEngine } from './submit.js';

/**
 * GET of a nextUri: the next page of the query it names. A result the gateway holds is paged
 * from the item; a query not yet on an engine is routed or submitted again; otherwise the
 * engine's page at the token's cursor is read, progress is recorded, and the page is cut to the
 * byte cap (pager.ts). At most one store read per poll (none when this instance keeps the item:
 * poll-cache.ts), and writes only when something changed.
 */
export async function pollStatement(ctx: GatewayContext, request: GatewayRequest, address: StatementAddress): Promise<GatewayResponse> {
  const { record, token } = await loadForPoll(ctx, request, address);
  const parts = baseParts(ctx, request, record);
  if (record.result) return heldResultResponse(ctx, request, record, parts, token);
  if (record.state !== 'FINISHED' && FINAL_STATES.includes(record.state)) return failedResponse(record, parts);
  if (!record.engineHandle) return startOrWait(ctx, request, record, parts, token);
  const page = await pollEngine(ctx, record, token);
  await recordProgress(ctx, record, page);
  if (page.state === 'FAILED' || page.state === 'CANCELED') {
    ctx.pollCache.forget(record.queryId);
    // Canceled by someone else (a DELETE, an admin, the sweeper): their reason is on the item.
    const error = (page.state === 'CANCELED' ? await recordedError(ctx, record) : undefined) ?? page.error ?? record.error;
    return failedResponse({ ...record, state: page.state, ...(error ? { error } : {}) }, parts);
  }
  return enginePageResponse(ctx, request, record, parts, token, page);
}

/** A result the gateway computed itself, paged under the byte cap like any other. */
function heldResultResponse(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, parts: BaseParts, token: PageToken): GatewayResponse {
  const result = record.result!;
  const page = heldResultPage(result, token, ctx.config.maxPageBytes);
  // Session headers go on the final response: JDBC applies them only then.
  const headers = page.done ? sessionUpdateHeaders(record.dialect, result.sessionUpdate) : {};
  return queryResponse(
    {
      ...parts,
      state: 'FINISHED',
      moreRows: !page.done,
      columns: result.columns.map((c) => column(c.name, c.type)),
      ...(page.dataJson ? { dataJson: page.dataJson } : {}),
      ...(page.next ? { nextUri: nextUri(ctx, request, record, 'executing', page.next) } : {}),
      // On every page, as Trino does: JDBC tells an update from a query by the first page with columns.
      ...(result.updateType ? { updateType: result.updateType } : {}),
      ...(page.done && result.updateCount !== undefined ? { updateCount: result.updateCount } : {}),
    },
    headers,
  );
}

/** Not on an engine yet: a query waiting at the gateway, or one whose submit is tried again. */
async function startOrWait(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, parts: BaseParts, token: PageToken): Promise<GatewayResponse> {
  // A query waiting at the gateway (no target yet) is routed again on each poll and
  // submitted once a target has room for it, in arrival order (routing/queueing.ts).
  if (!record.target && record.waitingGroup !== undefined) {
    const { config, deps } = ctx;
    const queue = { router: deps.router, store: deps.store, ...(deps.slots ? { slots: deps.slots, room: ctx.room } : {}), now: ctx.now, liveWindowMs: waitingLiveWindowMs(config), pollWaitMs: config.pollWaitMs, pollTouchIntervalMs: config.pollTouchIntervalMs };
    await pollWaitingQuery({ ...queue, submit: () => submitToEngine(ctx, record), ended: (r, at) => deps.events?.queryEnded(r, at) }, record);
  } else if (record.target) await submitToEngine(ctx, record);
  if (record.state === 'FAILED') return failedResponse(record, parts);
  return queryResponse({ ...parts, state: 'QUEUED', nextUri: nextUri(ctx, request, record, 'queued', { n: token.n + 1 }) });
}

async function pollEngine(ctx: GatewayContext, record: QueryRecord, token: PageToken): Promise<EnginePage> {
  const engine = ctx.deps.engineFor(record.target!);
  try {
    if (!engine) throw QueryFailure.of('CONFIGURATION_INVALID', `Target ${record.target} is no longer configured`);
    const session = decodePlan(record)?.session;
    // Rows only pass through to the client: engines that can write them as JSON straight away do.
    // Pages sized for the gateway's cap, so that the pager seldom cuts one and reads it again.
    const options = {
      maxWaitMs: ctx.config.pollWaitMs,
      maxRows: ctx.config.maxRowsPerPage,
      maxBytes: enginePageBytes(ctx.config.maxPageBytes),
      knownState: record.state,
      knownStateAt: record.updatedAt,
      jsonRows: { millisecondDatetimes: !parametricDatetimes(session) },
    };
    // Spooled results are read in far larger pages: they travel as segments, not in the response.
    if (negotiatedEncoding(ctx, session)) Object.assign(options, spooledPollOptions(ctx));
    return await engine.poll(record.engineHandle!, token.c, options);
  } catch (error) {
    if (error instanceof QueryFailure) return { state: 'FAILED', error: error.error };
    if (error instanceof ResultsExpiredError) {
      const after = error.keptFor ? ` (target ${record.target} keeps results ${error.keptFor})` : '';
      return { state: 'FAILED', error: queryError('RESULTS_EXPIRED', `The results of query ${record.queryId} have expired${after}; run the query again`) };
    }
    // Pages are deterministic per cursor, so a transient engine error (a throttled or failed
    // API call) is answered 503: clients retry the same GET, and the query goes on.
    ctx.log.warn('engine poll failed', { queryId: record.queryId, target: record.target, error: String((error as Error)?.message ?? error) });
    throw new GatewayError(503, 'The engine is temporarily unavailable; retry');
  }
}

/** The error recorded on the item by whoever ended the query; undefined when it cannot be read. */
async function recordedError(ctx: GatewayContext, record: QueryRecord): Promise<QueryRecord['error']> {
  const stored = await ctx.deps.store.get(record.queryId).catch(() => undefined);
  return stored?.error;
}

/** Writes the item only when something changed: a state change, or the client's presence. */
async function recordProgress(ctx: GatewayContext, record: QueryRecord, page: EnginePage): Promise<void> {
  const t = ctx.now();
  try {
    if (page.state !== record.state && !FINAL_STATES.includes(record.state)) {
      const update = page.update ? { updateType: page.update.type, ...(page.update.count !== undefined ? { updateCount: page.update.count } : {}) } : {};
      const patch = { state: page.state, forwardOnly: true, ...(page.error ? { error: page.error } : {}), ...(page.stats ? { stats: page.stats } : {}), ...update, ...finalAccounting(ctx, record, page) };
      // The engine says the query ended, so its marked slot goes back alongside the write that
      // records the end (one round trip): the mark makes the release happen once, whoever asks.
      const slot = FINAL_STATES.includes(page.state) && record.slotMark && record.slot !== undefined && ctx.deps.slots ? record.slot : undefined;
      const [applied] = await Promise.all([
        ctx.deps.store.transition(record.queryId, slot !== undefined ? { ...patch, slotGivenBack: true } : patch, t),
        slot !== undefined ? ctx.deps.slots!.release(slot, record.queryId).catch((cause: unknown) => ctx.log.warn('could not give a queue slot back', { queryId: record.queryId, target: slot, error: String(cause) })) : undefined,
      ]);
      // Only the write that recorded the final state publishes it (not a poll that lost the race).
      if (applied && FINAL_STATES.includes(page.state)) ctx.deps.events?.queryEnded({ ...record, ...patch, endedAt: t }, t);
      // The item this instance keeps between polls follows its own writes (poll-cache.ts).
      if (applied) Object.assign(record, { state: page.state, updatedAt: t });
      else ctx.pollCache.forget(record.queryId);
    } else if (!FINAL_STATES.includes(record.state) && t - (record.lastPollAt ?? record.createdAt) >= ctx.config.pollTouchIntervalMs) {
      await ctx.deps.store.touch(record.queryId, t);
      record.lastPollAt = t;
    }
  } catch (error) {
    // Tracking is best effort here: the sweeper and the engine's events reconcile the item.
    ctx.log.warn('could not record progress', { queryId: record.queryId, error: String(error) });
  }
}

/**
 * What the write recording a final state adds for the accounting: the engine's own statistics
 * with the cost (one write, exactly once: the conditional write that ends the query), or, when
 * the page has none on a target whose engine tracking can ask, that they are still awaited.
 */
function finalAccounting(ctx: GatewayContext, record: QueryRecord, page: EnginePage): Partial<TrackedPatch> {
  const accounting = ctx.deps.accounting;
  if (!accounting || !FINAL_STATES.includes(page.state) || !record.target) return {};
  if (!page.statistics) return record.engineQueryId && accounting.tracksStatistics(record.target) ? { awaitStatistics: true } : {};
  // Athena bills a query it cancelled at the workgroup's scan limit (recorded FAILED, EXCEEDED_SCAN_LIMIT) as cancelled.
  const billedAs = page.state === 'FAILED' && page.error?.errorName === 'EXCEEDED_SCAN_LIMIT' ? 'CANCELED' : page.state;
  return statisticsPatch(billedAs, { executionId: record.engineQueryId ?? record.queryId, state: 'SUCCEEDED', statistics: page.statistics, ...(page.statementType ? { statementType: page.statementType } : {}) }, accounting.pricePerTerabyteUsd(record.target), page.statementType);
}

/** An engine page in the client's encoding, cut to the byte cap. */
function enginePageResponse(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, parts: BaseParts, token: PageToken, page: EnginePage): GatewayResponse | Promise<GatewayResponse> {
  const plan = decodePlan(record);
  if (plan?.describeOutput) {
    if (page.state !== 'FINISHED') return queryResponse({ ...parts, state: page.state, nextUri: nextUri(ctx, request, record, 'executing', { n: token.n + 1 }) });
    return describeOutputResponse(ctx, request, record, parts, token, page);
  }
  const parametric = parametricDatetimes(plan?.session);
  const types = page.columns?.map((c) => (parametric ? c.type : withoutDatetimePrecision(c.type)));
  const columns = page.columns && types ? page.columns.map((c, i) => column(c.name, types[i]!)) : undefined;
  const render = types ? rowRenderer(types, parametric) : undefined;
  // The spooling protocol, for a Trino client that asked for it (spool.ts).
  const encoding = negotiatedEncoding(ctx, plan?.session);
  if (encoding) return spooledSlice(ctx, request, record, token, page, render, encoding).then((slice) => slicedResponse(ctx, request, record, parts, page, columns, slice, encodingHeader(encoding)));
  return slicedResponse(ctx, request, record, parts, page, columns, enginePageSlice(page, token, render, ctx.config.maxPageBytes));
}

function slicedResponse(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, parts: BaseParts, page: EnginePage, columns: Column[] | undefined, slice: EngineSlice, headers: Record<string, string[]> = {}): GatewayResponse {
  const result: QueryResultsParts = {
    ...parts,
    state: page.state,
    moreRows: slice.more,
    ...(columns ? { columns } : {}),
    ...(slice.dataJson ? { dataJson: slice.dataJson } : {}),
    ...(page.stats ? { stats: page.stats } : {}),
    ...(slice.next ? { nextUri: nextUri(ctx, request, record, page.state === 'QUEUED' ? 'queued' : 'executing', slice.next) } : {}),
    // On every page the engine tells it, the final answer included, as Trino keeps it once known:
    // JDBC tells an update from a query by the first page with columns.
    ...(page.update ? { updateType: page.update.type, ...(page.update.count !== undefined ? { updateCount: page.update.count } : {}) } : {}),
  };
  return queryResponse(result, { ...sessionUpdateHeaders(record.dialect, page.sessionUpdate), ...headers });
}

/** Rows as JSON text; datetimes at millisecond precision for clients without PARAMETRIC_DATETIME. */
function rowRenderer(types: SqlType[], parametric: boolean): (row: unknown[]) => string {
  // Built on the first row: most polls of a running query carry none.
  let encode: ((row: readonly unknown[]) => string) | undefined;
  // Rows without time or timestamp columns have nothing to truncate: asked once, not per row.
  const truncate = !parametric && types.some((t) => t.kind === 'simple' && /^(time|timestamp)/.test(t.name));
  return (row) => (encode ??= rowEncoder(types))(truncate ? truncateDatetimes(row, types) : row);
}

/** DESCRIBE OUTPUT: the columns of the statement, one row each, as Trino describes them. */
function describeOutputResponse(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, parts: BaseParts, token: PageToken, page: EnginePage): GatewayResponse {
  const columns = [
    column('Column Name', 'varchar'),
    column('Catalog', 'varchar'),
    column('Schema', 'varchar'),
    column('Table', 'varchar'),
    column('Type', 'varchar'),
    column('Type Size', 'bigint'),
    column('Aliased', 'boolean'),
  ];
  const rows = (page.columns ?? []).map((c) => [c.name, '', '', '', formatType(c.type), typeSize(c.type), false]);
  // The rows go out with a nextUri (token.s marks them sent); the next poll is the final answer.
  if (token.s !== undefined || rows.length === 0) return queryResponse({ ...parts, state: 'FINISHED', columns });
  const encode = rowEncoder(columns.map((c) => parseType(c.type)));
  const next = nextUri(ctx, request, record, 'executing', { n: token.n + 1, ...(token.c !== undefined ? { c: token.c } : {}), s: rows.length });
  return queryResponse({ ...parts, state: 'FINISHED', moreRows: true, columns, dataJson: '[' + rows.map(encode).join(',') + ']', nextUri: next });
}

function typeSize(type: SqlType): number {
  if (type.kind !== 'simple') return 0;
  const sizes: Record<string, number> = { boolean: 1, tinyint: 1, smallint: 2, integer: 4, bigint: 8, real: 4, double: 8, date: 4 };
  if (type.name === 'varchar' || type.name === 'char') return type.params[0] ?? 2147483647;
  if (type.name === 'decimal') return (type.params[0] ?? 38) <= 18 ? 8 : 16;
  return sizes[type.name] ?? 8;
}

/** Whether the client reads datetimes at their own precision (else at milliseconds). */
function parametricDatetimes(session: ClientSession | undefined): boolean {
  return (session?.clientCapabilities ?? []).includes('PARAMETRIC_DATETIME');
}

/** Values of datetime columns for clients without PARAMETRIC_DATETIME: millisecond precision. */
function truncateDatetimes(row: unknown[], types: SqlType[]): unknown[] {
  let copy: unknown[] | undefined;
  types.forEach((t, i) => {
    if (t.kind === 'simple' && /^(time|timestamp)/.test(t.name) && typeof row[i] === 'string') {
      const v = millisecondDatetime(row[i] as string);
      if (v !== row[i]) (copy ??= [...row])[i] = v;
    }
  });
  return copy ?? row;
}
