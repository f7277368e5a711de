import { GatewayError } from '../errors.js';
import { header } from '../http.js';
import type { GatewayRequest, Principal, QueryRecord } from '../ports/index.js';
import { detectDialect } from '../protocol/headers.js';
import { isQueryId } from '../protocol/query-id.js';
import type { PageToken } from '../protocol/page-token.js';
import type { GatewayContext } from './context.js';

/** Who asks, and which queries they may see: one place for the POST, the polls and the cancels. */

/** The path segments of a nextUri that name a query and carry its signed page token. */
export interface StatementAddress {
  queryId: string;
  payload: string;
  signature: string;
}

export async function authenticate(ctx: GatewayContext, request: GatewayRequest): Promise<Principal> {
  const result = await ctx.deps.authenticator.authenticate(request);
  if (result.ok) return result.principal;
  throw new GatewayError(result.status, result.message, result.challenge?.length ? { 'WWW-Authenticate': result.challenge } : {});
}

/** The query's user, or whoever authenticated to run it as that user. */
export function owns(principal: Principal, record: QueryRecord): boolean {
  return principal.user === record.user || (principal.authenticatedUser ?? principal.user) === (record.authenticatedUser ?? record.user);
}

/** The principal of a query that waited at the gateway, from its routing facts. */
export function storedPrincipal(record: QueryRecord): Principal {
  const stored = record.routingRequest?.principal;
  return { user: record.user, groups: stored?.groups ?? [], method: stored?.method ?? 'stored', ...(record.authenticatedUser ? { authenticatedUser: record.authenticatedUser } : {}) };
}

/**
 * The signed nextUri is the capability, as in Trino (whose executing endpoints are public):
 * presto-client, for one, sends no user on its GETs. The token is bound to the query and its
 * user; a request that names a different user is answered as if the query did not exist.
 */
export async function loadForPoll(ctx: GatewayContext, request: GatewayRequest, address: StatementAddress): Promise<{ record: QueryRecord; token: PageToken }> {
  const { queryId, payload, signature } = address;
  // Not one of ours (any length, any characters): unknown, without asking the store.
  if (!isQueryId(queryId)) throw new GatewayError(404, 'Query not found');
  let record: QueryRecord | undefined;
  try {
    // A query this instance served before is polled without a store read (poll-cache.ts).
    record = ctx.pollCache.get(queryId, ctx.now()) ?? (await ctx.deps.store.get(queryId));
  } catch (error) {
    // Clients retry GETs on 503: a store hiccup must not fail the query.
    ctx.log.warn('store read failed', { queryId, error: String(error) });
    throw new GatewayError(503, 'Query state is temporarily unavailable; retry');
  }
  const token = record ? ctx.signer.verify(queryId, record.user, payload, signature) : undefined;
  const user = pollUser(request);
  if (!record || !token || (user !== undefined && user !== record.user)) throw new GatewayError(404, 'Query not found');
  if (!ctx.deps.authenticator.trustsUserHeader && !owns(await authenticate(ctx, request), record)) throw new GatewayError(404, 'Query not found');
  return { record, token };
}

function pollUser(request: GatewayRequest): string | undefined {
  const dialect = detectDialect(request.headers) ?? 'trino';
  return header(request, `x-${dialect}-user`);
}
