import { GatewayError } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { GatewayRequest, GatewayResponse, QueryRecord } from '../ports/index.js';
import { isQueryId } from '../protocol/query-id.js';
import { wireState } from '../protocol/results.js';
import { FINAL_STATES } from '../stores/query-store.js';
import type { GatewayContext } from './context.js';
import { authenticate, owns } from './identity.js';
import { decodePlan } from './plan.js';
import { baseUrl, infoUri } from './responses.js';

/**
 * Read-only coordinator endpoints clients probe besides the statement protocol: GET /v1/query/{id}
 * (the Presto JS client's getQueryInfo), GET /v1/node (Cube's Presto driver tests its connection
 * with it) and the old /ui/query.html links, now the admin page's detail of the query.
 */

/** GET /v1/query/{id}: Trino's QueryInfo, in the fields clients read; the owner only, 404 for anyone else. */
export async function queryInfo(ctx: GatewayContext, request: GatewayRequest, queryId: string): Promise<GatewayResponse> {
  const principal = await authenticate(ctx, request);
  const record = await readRecord(ctx, queryId);
  if (!record || !owns(principal, record)) throw new GatewayError(404, 'Query not found');
  return jsonResponse(200, JSON.stringify(queryInfoJson(ctx, request, record)));
}

function queryInfoJson(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord): Record<string, unknown> {
  const now = ctx.now();
  const ended = FINAL_STATES.includes(record.state) ? (record.endedAt ?? record.updatedAt) : undefined;
  const elapsed = (ended ?? now) - record.createdAt;
  const stats = record.stats ?? {};
  const state = wireState(record.state);
  const createTime = new Date(record.createdAt).toISOString();
  const endTime = ended !== undefined ? new Date(ended).toISOString() : undefined;
  const error = record.error ?? (record.state === 'CANCELED' ? { message: 'Query was canceled', errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' } : undefined);
  return {
    queryId: record.queryId,
    session: sessionOf(record),
    state,
    scheduled: record.state !== 'QUEUED',
    self: `${baseUrl(ctx, request)}/v1/query/${encodeURIComponent(record.queryId)}`,
    infoUri: infoUri(ctx, request, record.queryId),
    query: record.sql,
    createTime,
    ...(endTime ? { endTime } : {}),
    queryStats: {
      createTime,
      ...(endTime ? { endTime } : {}),
      lastHeartbeat: new Date(record.lastPollAt ?? record.updatedAt).toISOString(),
      elapsedTime: duration(stats.elapsedTimeMillis ?? elapsed),
      queuedTime: duration(stats.queuedTimeMillis ?? 0),
      totalCpuTime: duration(stats.cpuTimeMillis ?? 0),
      processedInputPositions: stats.processedRows ?? 0,
      processedInputDataSize: `${stats.processedBytes ?? 0}B`,
      physicalInputDataSize: `${stats.physicalInputBytes ?? 0}B`,
      physicalWrittenDataSize: `${stats.physicalWrittenBytes ?? 0}B`,
      peakUserMemoryReservation: `${stats.peakMemoryBytes ?? 0}B`,
      progressPercentage: stats.progressPercentage ?? (state === 'FINISHED' ? 100 : 0),
    },
    ...(record.updateType ? { updateType: record.updateType } : {}),
    ...(record.updateCount !== undefined ? { updateCount: record.updateCount } : {}),
    ...(error ? { errorType: error.errorType, errorCode: { code: error.errorCode, name: error.errorName, type: error.errorType }, failureInfo: error.failureInfo ?? { type: error.errorName, message: error.message, suppressed: [], stack: [] }, error } : {}),
    finalQueryInfo: ended !== undefined,
  };
}

/** The session as QueryInfo shows it: who and where, never credentials or prepared statements. */
function sessionOf(record: QueryRecord): Record<string, unknown> {
  let session: Record<string, unknown> = {};
  try {
    const stored = decodePlan(record)?.session;
    if (stored) session = { catalog: stored.catalog, schema: stored.schema, timeZone: stored.timeZone, clientTags: stored.clientTags ?? [] };
  } catch {
    // An unreadable plan leaves the session to what the item itself says.
  }
  return { queryId: record.queryId, user: record.user, ...(record.authenticatedUser ? { principal: record.authenticatedUser } : {}), ...(record.source ? { source: record.source } : {}), ...session };
}

/** airlift's Duration text, as Trino writes it. */
function duration(ms: number): string {
  return `${Math.max(0, ms).toFixed(2)}ms`;
}

async function readRecord(ctx: GatewayContext, queryId: string): Promise<QueryRecord | undefined> {
  if (!isQueryId(queryId)) return undefined;
  try {
    return await ctx.deps.store.get(queryId);
  } catch (error) {
    ctx.log.warn('store read failed', { queryId, error: String(error) });
    throw new GatewayError(503, 'Query state is temporarily unavailable; retry');
  }
}

const started = Date.now();
let requests = 0;

/** GET /v1/node: the gateway as the one node a coordinator's failure detector lists (NodeResource). */
export async function nodes(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  await authenticate(ctx, request);
  requests++;
  const now = new Date(ctx.now()).toISOString();
  const node = {
    uri: baseUrl(ctx, request),
    recentRequests: requests,
    recentFailures: 0,
    recentSuccesses: requests,
    lastRequestTime: now,
    lastResponseTime: now,
    age: duration(Date.now() - started),
    recentFailureRatio: 0,
    recentFailuresByType: {},
  };
  return jsonResponse(200, JSON.stringify([node]));
}

/** GET /ui/query.html?{id}: infoUris given out before the access-control hardening lead to the admin page's detail. */
export async function legacyQueryPage(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  // The id is the whole query string: `?20261207_...` parses as a key without a value.
  const queryId = Object.keys(request.query)[0];
  if (!queryId) return { status: 302, headers: { Location: [`${baseUrl(ctx, request)}/admin/history`] }, body: '' };
  return { status: 302, headers: { Location: [infoUri(ctx, request, queryId)] }, body: '' };
}
