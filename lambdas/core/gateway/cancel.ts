import type { KillQuery } from '../engines/cluster/kill-query.js';
import { GatewayError, QueryFailure, queryError, type QueryError } from '../errors.js';
import type { GatewayRequest, GatewayResponse, Principal, GatewayResult, QueryRecord } from '../ports/index.js';
import { isQueryId } from '../protocol/query-id.js';
import { FINAL_STATES } from '../stores/query-store.js';
import type { GatewayContext } from './context.js';
import { authenticate, loadForPoll, owns, type StatementAddress } from './identity.js';

/**
 * Every way a query is stopped takes one path (cancelRecord): a client's DELETE of its nextUri,
 * DELETE /v1/query/{id}, `CALL system.runtime.kill_query(...)`, and a kill from the admin page.
 */

/** DELETE of a nextUri. */
export async function cancelStatement(ctx: GatewayContext, request: GatewayRequest, address: StatementAddress): Promise<GatewayResponse> {
  const { record } = await loadForPoll(ctx, request, address);
  await cancelRecord(ctx, record, 'canceled by the client (DELETE)');
  return { status: 204, headers: {}, body: '' };
}

/** DELETE /v1/query/{id}: the query's owner only; anyone else is told it does not exist. */
export async function killQuery(ctx: GatewayContext, request: GatewayRequest, queryId: string): Promise<GatewayResponse> {
  const principal = await authenticate(ctx, request);
  const record = isQueryId(queryId) ? await ctx.deps.store.get(queryId) : undefined;
  if (!record || !owns(principal, record)) throw new GatewayError(404, 'Query not found');
  await cancelRecord(ctx, record, 'canceled by the client (DELETE /v1/query)');
  return { status: 204, headers: {}, body: '' };
}

/** Admin API (kill from the admin page): the item as it was, undefined for an unknown id. */
export async function cancelQuery(ctx: GatewayContext, queryId: string, reason: string, error: QueryError): Promise<QueryRecord | undefined> {
  const record = isQueryId(queryId) ? await ctx.deps.store.get(queryId) : undefined;
  if (record) await cancelRecord(ctx, record, reason, error);
  return record;
}

/** `CALL system.runtime.kill_query(...)` on a gateway query id: cancelled wherever it runs. */
export async function killFromSql(ctx: GatewayContext, kill: KillQuery, principal: Principal): Promise<GatewayResult> {
  const target = isQueryId(kill.queryId) ? await ctx.deps.store.get(kill.queryId) : undefined;
  if (!target) throw QueryFailure.of('NOT_FOUND', `Target query not found: ${kill.queryId}`);
  if (!owns(principal, target)) throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: Cannot kill query ${kill.queryId}`);
  const message = kill.message ? `Query killed. Message: ${kill.message}` : 'Query killed. No message provided.';
  try {
    await cancelRecord(ctx, target, `killed by ${principal.user} (kill_query)`, queryError('ADMINISTRATIVELY_KILLED', message));
  } catch (error) {
    if (error instanceof GatewayError) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Query ${kill.queryId} could not be killed right now; try again`);
    throw error;
  }
  return { columns: [{ name: 'result', type: 'boolean' }], rows: ['[true]'], updateType: 'CALL' };
}

/** Stops the query on its engine, then records it CANCELED; nothing to do once it is final. */
export async function cancelRecord(ctx: GatewayContext, record: QueryRecord, reason: string, error = queryError('USER_CANCELED', 'Query was canceled')): Promise<void> {
  if (FINAL_STATES.includes(record.state)) return;
  if (record.engineHandle && record.target) {
    try {
      await ctx.deps.engineFor(record.target)?.cancel(record.engineHandle);
    } catch (cause) {
      // Recording CANCELED for a query that still runs would hide it from its target's depth:
      // leave the state alone; the client may retry, and the sweeper stops abandoned queries.
      ctx.log.warn('engine cancel failed', { queryId: record.queryId, error: String(cause) });
      throw new GatewayError(503, 'The query could not be canceled right now; retry');
    }
  }
  const at = ctx.now();
  ctx.pollCache.forget(record.queryId);
  // Athena bills a canceled query's partial scan: its final statistics are awaited (the engine's event, else the sweeper).
  const awaitStatistics = Boolean(record.engineQueryId && record.target && ctx.deps.accounting?.tracksStatistics(record.target));
  if (await ctx.deps.store.transition(record.queryId, { state: 'CANCELED', error, endReason: reason, ...(awaitStatistics ? { awaitStatistics } : {}) }, at)) {
    ctx.deps.events?.queryEnded({ ...record, state: 'CANCELED', error, endReason: reason, endedAt: at }, at);
  }
}

/** Best effort: stops a query on its engine, logging a failure instead of throwing it. */
export async function cancelQuietly(ctx: GatewayContext, record: QueryRecord): Promise<void> {
  if (!record.engineHandle || !record.target) return;
  try {
    await ctx.deps.engineFor(record.target)?.cancel(record.engineHandle);
  } catch (error) {
    ctx.log.warn('engine cancel failed', { queryId: record.queryId, error: String(error) });
  }
}
