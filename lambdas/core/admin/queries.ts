import type { HistoryPage, QueryExtras, QueryState, QuerySummary } from '../ports/index.js';
import { isQueryId } from '../protocol/query-id.js';
import { historyQuery } from '../tracking/history.js';
import { audit, current, type AdminContext, type Handler } from './context.js';
import { ApiError, json, queryNumber, queryText } from './responses.js';

const QUERY_STATES: readonly QueryState[] = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'];
/** Marks the cursors of the history merged across targets (the store's own cursors are opaque). */
const MERGED_CURSOR_PREFIX = 'm.';

/** GET /queries: the history by user, by target, or across targets, filtered and paged. */
export const searchQueries: Handler = async (ctx, request) => {
  const state = queryText(request, 'state');
  if (state && !QUERY_STATES.includes(state as QueryState)) throw new ApiError(400, 'BAD_REQUEST', `state must be one of ${QUERY_STATES.join(', ')}`);
  const range = historyQuery({ from: queryNumber(request, 'from'), to: queryNumber(request, 'to'), limit: queryNumber(request, 'limit'), cursor: queryText(request, 'cursor') }, ctx.now());
  const user = queryText(request, 'user');
  const target = queryText(request, 'target');
  const source = queryText(request, 'source');
  let page: HistoryPage;
  if (user) page = await ctx.deps.history.byUser(user, range, ctx.now());
  else if (target) page = await ctx.deps.history.byTarget(target, { ...range, ...(state ? { state: state as QueryState } : {}) }, ctx.now());
  else page = await acrossTargets(ctx, range, state as QueryState | undefined);
  const items = page.items.filter((i) => (!state || i.state === state) && (!target || i.target === target) && (!source || (i.source ?? '').toLowerCase().includes(source.toLowerCase())));
  return json(200, { items: await withExtras(ctx, items), ...(page.cursor ? { cursor: page.cursor } : {}) });
};

/** GET /queries/{id}: one query's item, without what only its engine needs. */
export const getQuery: Handler = async (ctx, _request, _caller, [id]) => {
  if (!isQueryId(id)) throw new ApiError(404, 'NOT_FOUND', 'No such query');
  const record = await ctx.deps.history.find(id, ctx.now());
  if (!record) throw new ApiError(404, 'NOT_FOUND', `No query ${id}`);
  const { engineHandle: _handle, sessionJson: _session, routingRequest: _routing, result: _result, ...visible } = record;
  return json(200, visible);
};

/** POST /queries/{id}/cancel: kills a running query (audited). */
export const cancelQuery: Handler = async (ctx, _request, caller, [id]) => {
  if (!ctx.deps.cancelQuery) throw new ApiError(501, 'NOT_IMPLEMENTED', 'Queries cannot be canceled from here');
  if (!isQueryId(id)) throw new ApiError(404, 'NOT_FOUND', 'No such query');
  const result = await ctx.deps.cancelQuery(id, caller.user);
  if (result.outcome === 'not-found') throw new ApiError(404, 'NOT_FOUND', `No query ${id}`);
  if (result.outcome === 'final') throw new ApiError(409, 'CONFLICT', `Query ${id} has already ended (${result.state})`);
  if (result.outcome === 'unavailable') throw new ApiError(503, 'UNAVAILABLE', `${result.message}; it still runs: retry`);
  await audit(ctx, caller.user, 'query.cancel', `query/${id}`, { before: result.before, after: { state: 'CANCELED' } });
  return json(200, { queryId: id, state: 'CANCELED' });
};

/** Rows and groups at submit time, which the history indexes do not carry: one batched read a page. */
async function withExtras(ctx: AdminContext, items: QuerySummary[]) {
  const extras = items.length ? await ctx.deps.history.extras(items.map((i) => i.queryId)) : new Map<string, QueryExtras>();
  return items.map((item) => {
    const extra = extras.get(item.queryId);
    const rows = extra?.stats?.processedRows;
    return { ...item, ...(rows !== undefined ? { rows } : {}), ...(extra?.groups ? { groups: extra.groups } : {}) };
  });
}

/**
 * Without a user or target: every target's newest items, merged. The cursor is the position of
 * the last item returned (time, then query id, newest first), so each next page asks every
 * target again from there: a page never skips an item nor shows one twice.
 */
async function acrossTargets(ctx: AdminContext, range: ReturnType<typeof historyQuery>, state: QueryState | undefined): Promise<HistoryPage> {
  const after = range.cursor ? mergedCursor(range.cursor) : undefined;
  const to = after ? Math.min(range.to, after.at) : range.to;
  const { effective } = await current(ctx);
  // A few more than a page from each: items of the cursor's own millisecond are skipped again.
  const limit = range.limit + 10;
  const pages = await Promise.all(Object.keys(effective.targets).map((t) => ctx.deps.history.byTarget(t, { from: range.from, to, limit, ...(state ? { state } : {}) }, ctx.now())));
  const merged = pages
    .flatMap((p) => p.items)
    .filter((i) => !after || i.createdAt < after.at || (i.createdAt === after.at && i.queryId < after.id))
    .sort((a, b) => b.createdAt - a.createdAt || (a.queryId < b.queryId ? 1 : a.queryId > b.queryId ? -1 : 0));
  const items = merged.slice(0, range.limit);
  const last = items[items.length - 1];
  const more = merged.length > range.limit || pages.some((p) => p.cursor);
  return { items, ...(more && last ? { cursor: MERGED_CURSOR_PREFIX + Buffer.from(JSON.stringify({ at: last.createdAt, id: last.queryId })).toString('base64url') } : {}) };
}

function mergedCursor(cursor: string): { at: number; id: string } {
  try {
    if (!cursor.startsWith(MERGED_CURSOR_PREFIX)) throw new Error('not a merged cursor');
    const value = JSON.parse(Buffer.from(cursor.slice(MERGED_CURSOR_PREFIX.length), 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
    if (typeof value.at !== 'number' || typeof value.id !== 'string') throw new Error('incomplete');
    return { at: value.at, id: value.id };
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'cursor: not one this list gave (a cursor belongs to the filters it came with)');
  }
}
