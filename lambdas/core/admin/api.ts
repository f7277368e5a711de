import type { GatewayRequest, GatewayResponse } from '../ports/index.js';
import { createAdminContext, type AdminDeps } from './context.js';
import { handleAdminRequest } from './routes.js';

/**
 * The admin API (docs/admin-api.md): targets and cluster switching, routing and access rules
 * changed at run time, users, query history, the audit trail and "explain". Served by the admin
 * function and by the local server; it knows nothing of either.
 *
 * In parts, as the gateway is: routes.ts (the route table, same-origin, CSRF and role checks),
 * identity.ts (login, logout, sessions), targets.ts, routing.ts, access.ts, users.ts, queries.ts
 * (history and kill), audit-trail.ts, dashboard.ts, explain.ts; context.ts holds what they share
 * (the AdminContext, config changes and their audit) and responses.ts their JSON answers.
 */
export interface AdminApi {
  /** Answers requests under /api/admin; undefined for any other path. */
  handle(request: GatewayRequest): Promise<GatewayResponse | undefined>;
}

export function createAdminApi(deps: AdminDeps): AdminApi {
  const ctx = createAdminContext(deps);
  return { handle: (request) => handleAdminRequest(ctx, request) };
}

export type { AdminDeps } from './context.js';
export { ADMIN_API_PREFIX } from './routes.js';
