import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { queryError } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { GatewayRequest, GatewayResponse, QueryRecord } from '../ports/index.js';
import type { PageToken } from '../protocol/page-token.js';
import { queryResultsJson, type QueryResultsParts } from '../protocol/results.js';
import type { GatewayContext } from './context.js';

/** What every answer about a query carries, whatever its state. */
export type BaseParts = Pick<QueryResultsParts, 'id' | 'infoUri' | 'createdAt' | 'now' | 'stats' | 'warnings'>;

export function baseParts(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord): BaseParts {
  return { id: record.queryId, infoUri: infoUri(ctx, request, record.queryId), createdAt: record.createdAt, now: ctx.now(), ...(record.stats ? { stats: record.stats } : {}), ...(record.warnings?.length ? { warnings: record.warnings } : {}) };
}

/** Where a person reads about the query: its detail on the admin page (which serves this path). */
export function infoUri(ctx: GatewayContext, request: GatewayRequest, queryId: string): string {
  return `${baseUrl(ctx, request)}/admin/queries/${encodeURIComponent(queryId)}`;
}

/** The nextUri of a query: the signed token in it says where the next poll resumes. */
export function nextUri(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, phase: 'queued' | 'executing', token: PageToken): string {
  return `${baseUrl(ctx, request)}/v1/statement/${phase}/${record.queryId}/${ctx.signer.sign(record.queryId, record.user, token)}`;
}

export function queryResponse(parts: QueryResultsParts, headers: Record<string, string[]> = {}): GatewayResponse {
  return jsonResponse(200, queryResultsJson(parts), headers);
}

/** A query that ended without rows: its error, or a cancellation. */
export function failedResponse(record: QueryRecord, parts: BaseParts): GatewayResponse {
  const error = record.error ?? (record.state === 'CANCELED' ? queryError('USER_CANCELED', 'Query was canceled') : queryError('GENERIC_INTERNAL_ERROR', 'Query failed'));
  return queryResponse({ ...parts, state: 'FAILED', error });
}

const gzipAsync = promisify(gzip);

/**
 * gzip for clients that accept it, at the fastest level: pages are large and latency counts. On
 * libuv's thread pool, not the event loop: a result page is a millisecond or more of deflate,
 * during which the server goes on with other requests (on another core where there is one).
 */
export async function compress(request: GatewayRequest, response: GatewayResponse): Promise<GatewayResponse> {
  const accepts = (request.headers['accept-encoding'] ?? []).join(',').toLowerCase();
  const size = typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.length;
  if (size < 1024 || !/\bgzip\b/.test(accepts) || response.headers['Content-Encoding']) return response;
  return { ...response, headers: { ...response.headers, 'Content-Encoding': ['gzip'], Vary: ['Accept-Encoding'] }, body: await gzipAsync(response.body, { level: 1 }) };
}

export function baseUrl(ctx: GatewayContext, request: GatewayRequest): string {
  return (ctx.config.publicBaseUrl ?? request.baseUrl).replace(/\/+$/, '');
}
