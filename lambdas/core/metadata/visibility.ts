import type { AccessControl, Analysis, Principal, TableAccess } from '../ports/index.js';

/**
 * What a principal may see in catalog listings, from the access rules: a table exactly when access
 * control would let them read it, and of its columns those they may select, as Trino's file-based
 * access control filters them (a column rule with `allow: false` hides the column from DESCRIBE,
 * SHOW COLUMNS, information_schema.columns and system.jdbc.columns). Without access rules
 * everything is visible.
 */
export interface TableVisibility {
  (principal: Principal, table: string): boolean;
  /** The columns of the table (catalog, schema, table) the principal may see, of those given. */
  visibleColumns(principal: Principal, table: readonly string[], columns: readonly string[]): readonly string[];
  /** Whether access rules apply: metadata the gateway cannot answer is then refused, not left to the engine. */
  readonly restricted: boolean;
}

function selectOf(parts: readonly string[], columns: { all: true } | { only: string }): Analysis {
  const table: TableAccess = {
    name: parts.join('.'),
    parts: [...parts],
    access: 'read',
    operations: ['select'],
    ...('all' in columns ? { columns: [], allColumns: true } : { columns: [columns.only] }),
  };
  return { ok: true, kind: 'SELECT', tables: [table] };
}

export function tableVisibility(access: AccessControl): TableVisibility {
  const check = (principal: Principal, table: string) => !access.enforcing || access.check(principal, { ok: true, kind: 'SELECT', tables: [{ name: table, parts: table.split('.'), access: 'read', operations: ['select'] }] }).allowed;
  const visibleColumns = (principal: Principal, table: readonly string[], columns: readonly string[]) => {
    if (!access.enforcing) return columns;
    // One check for the common case (no column is restricted), one per column otherwise.
    if (access.check(principal, selectOf(table, { all: true })).allowed) return columns;
    return columns.filter((c) => access.check(principal, selectOf(table, { only: c.toLowerCase() })).allowed);
  };
  // Rules change at run time (acl/runtime.ts): read whether they apply on every use.
  return Object.defineProperties(Object.assign(check, { visibleColumns }), { restricted: { get: () => access.enforcing, enumerable: true } }) as TableVisibility;
}
