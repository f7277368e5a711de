import type { GatewayRequest, GatewayResponse } from '../ports/index.js';
import { getAccess, putAccess, resetAccess, validateAccess } from './access.js';
import { getBudgets, getSpend, grantBudget, putBudgets, resetBudgets, revokeGrant, validateBudgets } from './budgets.js';
import { listAudit } from './audit-trail.js';
import type { AdminContext, Handler } from './context.js';
import { stats } from './dashboard.js';
import { explain } from './explain.js';
import { identify, login, logout, me } from './identity.js';
import { cancelQuery, getQuery, searchQueries } from './queries.js';
import { ApiError, json } from './responses.js';
import type { AdminRole } from './roles.js';
import { getRouting, putRouting, resetRouting, validateRouting } from './routing.js';
import { listTargets, setTargetState } from './targets.js';
import { createUser, listUsers, updateUser } from './users.js';

export const ADMIN_API_PREFIX = '/api/admin';

interface Route {
  method: string;
  /** Matched against the path after the prefix; its groups become the handler's params. */
  path: RegExp;
  /** The least role that may call it: viewers read, admins also change. */
  role: AdminRole;
  handler: Handler;
}

/** Every resource of the admin API but login, logout and /me (see dispatch). */
const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/targets$/, role: 'viewer', handler: listTargets },
  { method: 'PUT', path: /^\/targets\/([^/]+)\/state$/, role: 'admin', handler: setTargetState },
  { method: 'GET', path: /^\/routing$/, role: 'viewer', handler: getRouting },
  { method: 'POST', path: /^\/routing\/validate$/, role: 'viewer', handler: validateRouting },
  { method: 'PUT', path: /^\/routing$/, role: 'admin', handler: putRouting },
  { method: 'DELETE', path: /^\/routing$/, role: 'admin', handler: resetRouting },
  { method: 'GET', path: /^\/access$/, role: 'viewer', handler: getAccess },
  { method: 'POST', path: /^\/access\/validate$/, role: 'viewer', handler: validateAccess },
  { method: 'PUT', path: /^\/access$/, role: 'admin', handler: putAccess },
  { method: 'DELETE', path: /^\/access$/, role: 'admin', handler: resetAccess },
  { method: 'GET', path: /^\/budgets$/, role: 'viewer', handler: getBudgets },
  { method: 'POST', path: /^\/budgets\/validate$/, role: 'viewer', handler: validateBudgets },
  { method: 'PUT', path: /^\/budgets$/, role: 'admin', handler: putBudgets },
  { method: 'DELETE', path: /^\/budgets$/, role: 'admin', handler: resetBudgets },
  { method: 'POST', path: /^\/budgets\/grants$/, role: 'admin', handler: grantBudget },
  { method: 'DELETE', path: /^\/budgets\/grants\/([^/]+)$/, role: 'admin', handler: revokeGrant },
  { method: 'GET', path: /^\/spend$/, role: 'viewer', handler: getSpend },
  { method: 'GET', path: /^\/users$/, role: 'viewer', handler: listUsers },
  { method: 'POST', path: /^\/users$/, role: 'admin', handler: createUser },
  { method: 'PATCH', path: /^\/users\/([^/]+)$/, role: 'admin', handler: updateUser },
  { method: 'GET', path: /^\/queries$/, role: 'viewer', handler: searchQueries },
  { method: 'GET', path: /^\/queries\/([^/]+)$/, role: 'viewer', handler: getQuery },
  { method: 'POST', path: /^\/queries\/([^/]+)\/cancel$/, role: 'admin', handler: cancelQuery },
  { method: 'GET', path: /^\/audit$/, role: 'viewer', handler: listAudit },
  { method: 'GET', path: /^\/stats$/, role: 'viewer', handler: stats },
  { method: 'POST', path: /^\/explain$/, role: 'viewer', handler: explain },
];

/** The admin API's door: undefined for a path outside it; an ApiError becomes its JSON answer. */
export async function handleAdminRequest(ctx: AdminContext, request: GatewayRequest): Promise<GatewayResponse | undefined> {
  if (request.path !== ADMIN_API_PREFIX && !request.path.startsWith(`${ADMIN_API_PREFIX}/`)) return undefined;
  try {
    return await dispatch(ctx, request);
  } catch (error) {
    if (error instanceof ApiError) return json(error.status, { error: { code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) } }, error.headers);
    if (error instanceof URIError) return json(400, { error: { code: 'BAD_REQUEST', message: 'Malformed path' } });
    throw error;
  }
}

/** Same origin, login and logout, then the caller, the route, the CSRF token and the role, in that order. */
async function dispatch(ctx: AdminContext, request: GatewayRequest): Promise<GatewayResponse> {
  const path = request.path.slice(ADMIN_API_PREFIX.length) || '/';
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(request)) throw new ApiError(403, 'FORBIDDEN', 'Cross-origin requests are refused');
  if (path === '/login' && method === 'POST') return login(ctx, request);
  if (path === '/logout' && method === 'POST') return logout(ctx, request);
  const matching = ROUTES.filter((r) => r.path.test(path));
  const caller = await identify(ctx, request);
  if (path === '/me' && method === 'GET') return json(200, me(ctx, caller));
  if (!matching.length) throw new ApiError(404, 'NOT_FOUND', `No such resource: ${path}`);
  const route = matching.find((r) => r.method === method);
  if (!route) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
  if (method !== 'GET' && !ctx.signer.checkCsrf(caller.user, request.headers['x-bifrost-csrf']?.[0])) throw new ApiError(403, 'CSRF', 'Missing or wrong X-Bifrost-CSRF header: reload the page');
  if (route.role === 'admin' && caller.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', `${caller.user} is a viewer: changes need the admin role`);
  const params = (route.path.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
  return route.handler(ctx, request, caller, params);
}

/** A change must come from the gateway's own origin when the browser says where it comes from. */
function sameOrigin(request: GatewayRequest): boolean {
  const origin = request.headers.origin?.[0];
  if (!origin) return true;
  return origin.replace(/\/+$/, '') === request.baseUrl.replace(/\/+$/, '');
}
