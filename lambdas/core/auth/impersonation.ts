import type { Principal } from '../ports/index.js';

/**
 * Whether an authenticated user may run queries as another user (the X-Trino-User header naming
 * someone else, as JDBC's `sessionUser` does). Access control supplies it from Trino-format
 * impersonation rules; without rules nobody may impersonate anybody, as in Trino. The third
 * argument is the authenticated principal, for rules that look at more than the name.
 */
export type Impersonation = (authenticatedUser: string, requestedUser: string, authenticated: Principal) => boolean;

export const denyImpersonation: Impersonation = () => false;

/** Trino's AccessDeniedException.denyImpersonateUser wording. */
export function impersonationDenied(authenticatedUser: string, requestedUser: string): string {
  return `Access Denied: User ${authenticatedUser} cannot impersonate user ${requestedUser}`;
}
