import { GatewayError } from '../errors.js';
import { jsonResponse, textResponse } from '../http.js';
import type { GatewayRequest, GatewayResponse } from '../ports/index.js';
import { cancelStatement, killQuery } from './cancel.js';
import type { GatewayContext } from './context.js';
import { authenticate } from './identity.js';
import { legacyQueryPage, nodes, queryInfo } from './info.js';
import { pollStatement } from './poll.js';
import { compress } from './responses.js';
import { segmentRequest, withNegotiatedEncoding } from './spool.js';
import { postStatement } from './submit.js';

/** Answers one request; `params` are the groups of the route's pattern. */
type Handler = (ctx: GatewayContext, request: GatewayRequest, params: readonly string[]) => Promise<GatewayResponse>;

interface Route {
  /** The exact path, or a pattern whose groups become the handler's params. */
  path: string | RegExp;
  /** By method; `*` answers every method. */
  methods: Readonly<Record<string, Handler>>;
  /** The Allow header of a 405 for other methods; without it, other methods are not found (404). */
  allow?: string;
}

const STATEMENT_PATH = /^\/v1\/statement\/(queued|executing)\/([^/]+)\/([^/]+)\/([^/]+)$/;
const QUERY_PATH = /^\/v1\/query\/([^/]+)$/;
const SEGMENT_PATH = /^\/v1\/spooled\/(download|ack)\/([^/]+)\/([^/]+)$/;

/** The statement path's groups: phase, query id, token payload, token signature. */
const address = (params: readonly string[]) => ({ queryId: params[1]!, payload: params[2]!, signature: params[3]! });

/** Every path the protocol gateway answers. */
const ROUTES: readonly Route[] = [
  { path: '/v1/statement', methods: { POST: async (ctx, request) => withNegotiatedEncoding(ctx, request, await postStatement(ctx, request)), HEAD: headStatement }, allow: 'POST, HEAD' },
  {
    path: STATEMENT_PATH,
    methods: { GET: (ctx, request, params) => pollStatement(ctx, request, address(params)), DELETE: (ctx, request, params) => cancelStatement(ctx, request, address(params)) },
    allow: 'GET, DELETE',
  },
  // The spooling protocol's segments (spool.ts): download (when the gateway serves them) and acknowledgement.
  { path: SEGMENT_PATH, methods: { GET: segmentRequest }, allow: 'GET' },
  { path: '/v1/info', methods: { GET: info, HEAD: info }, allow: 'GET' },
  { path: '/v1/info/state', methods: { '*': async () => jsonResponse(200, '"ACTIVE"') } },
  {
    path: QUERY_PATH,
    methods: { GET: (ctx, request, params) => queryInfo(ctx, request, params[0]!), DELETE: (ctx, request, params) => killQuery(ctx, request, params[0]!) },
    allow: 'GET, DELETE',
  },
  { path: '/v1/node', methods: { GET: nodes }, allow: 'GET' },
  { path: '/ui/query.html', methods: { GET: legacyQueryPage, HEAD: legacyQueryPage }, allow: 'GET' },
];

/** The gateway's door: routes the request; protocol errors become their status, anything else a 500. */
export async function handleRequest(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  try {
    return await compress(request, await dispatch(ctx, request));
  } catch (error) {
    if (error instanceof GatewayError) return textResponse(error.httpStatus, error.message, error.headers);
    ctx.log.error('unexpected error', { error: String(error), path: request.path, method: request.method });
    return textResponse(500, 'Internal error in the gateway');
  }
}

function dispatch(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  const { method, path } = request;
  for (const route of ROUTES) {
    const params = typeof route.path === 'string' ? (route.path === path ? [] : undefined) : route.path.exec(path)?.slice(1);
    if (!params) continue;
    // Own properties only: a method named like an Object.prototype member is no handler.
    const handler = Object.hasOwn(route.methods, method) ? route.methods[method] : Object.hasOwn(route.methods, '*') ? route.methods['*'] : undefined;
    if (handler) return handler(ctx, request, params);
    if (route.allow) return Promise.resolve(textResponse(405, 'Method not allowed', { Allow: [route.allow] }));
    break;
  }
  return Promise.resolve(textResponse(404, `Not found: ${method} ${path}`));
}

/** HEAD /v1/statement: clients check their credentials without running anything. */
async function headStatement(ctx: GatewayContext, request: GatewayRequest): Promise<GatewayResponse> {
  await authenticate(ctx, request);
  return { status: 200, headers: {}, body: '' };
}

async function info(ctx: GatewayContext): Promise<GatewayResponse> {
  const { version, environment } = ctx.config;
  return jsonResponse(200, JSON.stringify({ nodeVersion: { version }, environment, coordinator: true, starting: false, uptime: uptime() }));
}

const started = Date.now();
function uptime(): string {
  return `${((Date.now() - started) / 86_400_000).toFixed(2)}d`;
}
