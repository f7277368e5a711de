import type { AccessControl, Principal } from '../ports.js';

/**
 * Whether a principal may see a table in catalog listings: exactly when access control would let
 * them read it. Without access rules every table is visible.
 */
export function tableVisibility(access: AccessControl): (principal: Principal, table: string) => boolean {
  if (!access.enforcing) return () => true;
  return (principal, table) => access.check(principal, { ok: true, kind: 'SELECT', tables: [{ name: table, parts: table.split('.'), access: 'read', operations: ['select'] }] }).allowed;
}
