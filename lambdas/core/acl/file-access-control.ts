/**
 * `createFileAccessControl(rules)`: the AccessControl port over rules in the format of Trino's
 * file-based access control (rules.ts). Checks follow Trino's FileBasedSystemAccessControl: the
 * first rule that matches the user, groups and roles decides; a catalog needs `read-only` access
 * for reads and `all` for changes; tables need the privilege of the operation (SELECT, INSERT,
 * DELETE, UPDATE, OWNERSHIP for DDL); denial reasons use Trino's words ("Cannot select from
 * table hive.locations.cities"), to which the gateway adds "Access Denied: ".
 *
 * Every decision names the rule that decided it (`tables[3] (description)`, or the default that
 * applied), for the audit trail; `checks` lists each object checked with its rule.
 */
import type { AccessControl, AccessDecision, Analysis, Principal, RoutineUse, SchemaAccess, TableAccess, TableOperation } from '../ports/index.js';
import { AccessRulesError, compilePattern, validateAccessRules, type AccessRules, type TablePrivilege } from './rules.js';

/** A principal as access control sees it: groups from the authenticator, roles when known. */
export type AclPrincipal = Pick<Principal, 'user' | 'groups'> & { roles?: readonly string[] };

export interface CheckRecord {
  object: string;
  what: string;
  allowed: boolean;
  rule: string;
}

export type FileAccessDecision = AccessDecision & { checks: CheckRecord[] };

export interface SimpleDecision {
  allowed: boolean;
  reason?: string;
  rule: string;
}

export interface FileAccessControl extends AccessControl {
  check(principal: AclPrincipal, analysis: Analysis): FileAccessDecision;
  /** May this user run queries on this target of this routing group? */
  canUseTarget(principal: AclPrincipal, target: string, group: string): SimpleDecision;
  /** May `original` act as user `requested` (X-Trino-User differing from the authenticated user, SET SESSION AUTHORIZATION)? */
  canImpersonate(original: AclPrincipal | string, requested: string): SimpleDecision;
  readonly rules: AccessRules;
}

type Mode = 'all' | 'read-only' | 'none';

interface Who {
  user?: RegExp | undefined;
  role?: RegExp | undefined;
  group?: RegExp | undefined;
}

interface Compiled<T> extends Who {
  index: number;
  label: string;
  rule: T;
  [key: string]: unknown;
}

function label(section: string, index: number, description: string | undefined): string {
  return description ? `${section}[${index}] (${description})` : `${section}[${index}]`;
}

function compile<T extends { user?: string | undefined; role?: string | undefined; group?: string | undefined; description?: string | undefined }>(section: string, rules: T[] | undefined, fields: string[]): Compiled<T>[] | undefined {
  return rules?.map((rule, index) => {
    const out: Compiled<T> = { index, label: label(section, index, rule.description), rule, user: compilePattern(rule.user), role: compilePattern(rule.role), group: compilePattern(rule.group) };
    for (const f of fields) out[f] = compilePattern((rule as Record<string, string | undefined>)[f]);
    return out;
  });
}

function matchesWho(r: Who, p: AclPrincipal): boolean {
  return (!r.user || r.user.test(p.user)) && (!r.role || (p.roles ?? []).some((x) => r.role!.test(x))) && (!r.group || p.groups.some((g) => r.group!.test(g)));
}

function test(re: unknown, value: string): boolean {
  return !re || (re as RegExp).test(value);
}

function modeOf(allow: boolean | Mode): Mode {
  return allow === true ? 'all' : allow === false ? 'none' : allow;
}

function implies(mode: Mode, required: 'all' | 'read-only'): boolean {
  return mode === required || (mode === 'all' && required === 'read-only');
}

const READ_PRIVILEGES = new Set<TablePrivilege>(['SELECT', 'GRANT_SELECT']);

interface Outcome {
  allowed: boolean;
  rule: string;
}

/** What each table operation needs and how Trino words its denial. */
const TABLE_CHECKS: Record<TableOperation, { privilege: TablePrivilege | 'ANY'; deny: (t: TableAccess, routines: RoutineUse[]) => string }> = {
  select: { privilege: 'SELECT', deny: (t) => `Cannot select from table ${t.name}` },
  showStats: { privilege: 'SELECT', deny: (t) => `Cannot select from table ${t.name}` },
  referenceColumns: { privilege: 'SELECT', deny: (t) => `Cannot reference columns of table ${t.name}` },
  insert: { privilege: 'INSERT', deny: (t) => `Cannot insert into table ${t.name}` },
  analyze: { privilege: 'INSERT', deny: (t) => `Cannot insert into table ${t.name}` },
  delete: { privilege: 'DELETE', deny: (t) => `Cannot delete from table ${t.name}` },
  truncate: { privilege: 'DELETE', deny: (t) => `Cannot truncate table ${t.name}` },
  update: { privilege: 'UPDATE', deny: (t) => `Cannot update columns [${(t.writtenColumns ?? []).join(', ')}] in table ${t.name}` },
  refreshMaterializedView: { privilege: 'UPDATE', deny: (t) => `Cannot refresh materialized view ${t.name}` },
  createTable: { privilege: 'OWNERSHIP', deny: (t) => `Cannot create table ${t.name}` },
  createView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot create view ${t.name}` },
  createMaterializedView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot create materialized view ${t.name}` },
  dropTable: { privilege: 'OWNERSHIP', deny: (t) => `Cannot drop table ${t.name}` },
  dropView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot drop view ${t.name}` },
  dropMaterializedView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot drop materialized view ${t.name}` },
  renameTable: { privilege: 'OWNERSHIP', deny: (t) => `Cannot rename table from ${t.renamedFrom ?? t.name} to ${t.renamedTo ?? t.name}` },
  renameView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot rename view from ${t.renamedFrom ?? t.name} to ${t.renamedTo ?? t.name}` },
  renameMaterializedView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot rename materialized view from ${t.renamedFrom ?? t.name} to ${t.renamedTo ?? t.name}` },
  addColumn: { privilege: 'OWNERSHIP', deny: (t) => `Cannot add a column to table ${t.name}` },
  dropColumn: { privilege: 'OWNERSHIP', deny: (t) => `Cannot drop a column from table ${t.name}` },
  renameColumn: { privilege: 'OWNERSHIP', deny: (t) => `Cannot rename a column in table ${t.name}` },
  alterColumn: { privilege: 'OWNERSHIP', deny: (t) => `Cannot alter a column for table ${t.name}` },
  setTableProperties: { privilege: 'OWNERSHIP', deny: (t) => `Cannot set table properties to ${t.name}` },
  setMaterializedViewProperties: { privilege: 'OWNERSHIP', deny: (t) => `Cannot set properties of materialized view ${t.name}` },
  setAuthorization: { privilege: 'OWNERSHIP', deny: (t) => `Cannot set authorization for ${t.name}` },
  commentTable: { privilege: 'OWNERSHIP', deny: (t) => `Cannot comment table to ${t.name}` },
  commentView: { privilege: 'OWNERSHIP', deny: (t) => `Cannot comment view to ${t.name}` },
  commentColumn: { privilege: 'OWNERSHIP', deny: (t) => `Cannot comment column to ${t.name}` },
  executeTableProcedure: {
    privilege: 'OWNERSHIP',
    deny: (t, routines) => {
      const procedure = routines.find((r) => r.kind === 'table procedure')?.name;
      return procedure ? `Cannot execute table procedure ${procedure} on ${t.name}` : `Cannot execute table procedure on ${t.name}`;
    },
  },
  grant: { privilege: 'OWNERSHIP', deny: (t) => `Cannot grant privilege on table ${t.name}` },
  revoke: { privilege: 'OWNERSHIP', deny: (t) => `Cannot revoke privilege on table ${t.name}` },
  deny: { privilege: 'OWNERSHIP', deny: (t) => `Cannot deny privilege on table ${t.name}` },
  showColumns: { privilege: 'ANY', deny: (t) => `Cannot show columns of table ${t.name}` },
  showGrants: { privilege: 'ANY', deny: (t) => `Cannot show grants on table ${t.name}` },
  showBranches: { privilege: 'ANY', deny: (t) => `Cannot show branches of table ${t.name}` },
  showCreateTable: { privilege: 'OWNERSHIP', deny: (t) => `Cannot show create table for ${t.name}` },
  createBranch: { privilege: 'OWNERSHIP', deny: (t) => `Cannot create branch in table ${t.name}` },
  dropBranch: { privilege: 'OWNERSHIP', deny: (t) => `Cannot drop branch in table ${t.name}` },
  alterBranch: { privilege: 'OWNERSHIP', deny: (t) => `Cannot fast forward branch in table ${t.name}` },
};

/** A write the analysis could not name more precisely: the strongest privilege. */
const MODIFY = { privilege: 'OWNERSHIP' as const, deny: (t: TableAccess) => `Cannot modify table ${t.name}` };

const ROLE_STATEMENTS: Record<string, string> = {
  createRole: 'Cannot create role',
  dropRole: 'Cannot drop role',
  grantRoles: 'Cannot grant roles',
  revokeRoles: 'Cannot revoke roles',
};

class Denied {
  constructor(
    readonly reason: string,
    readonly rule: string,
  ) {}
}

// eslint-disable-next-line max-lines-per-function -- a closure over the compiled rule sections: its inner checks are short functions that share them.
export function createFileAccessControl(input: AccessRules | unknown): FileAccessControl {
  const validated = validateAccessRules(input);
  if (!validated.ok) throw new AccessRulesError(validated.problems);
  const rules = validated.rules;
  const catalogs = compile('catalogs', rules.catalogs, ['catalog']);
  const schemas = compile('schemas', rules.schemas, ['catalog', 'schema']);
  const tables = compile('tables', rules.tables, ['catalog', 'schema', 'table']);
  const functions = compile('functions', rules.functions, ['catalog', 'schema', 'function']);
  const procedures = compile('procedures', rules.procedures, ['catalog', 'schema', 'procedure']);
  const targets = compile('targets', rules.targets, ['target']);
  const routingGroups = compile('routingGroups', rules.routingGroups, ['routingGroup']);
  const impersonation = rules.impersonation?.map((rule, index) => ({
    label: label('impersonation', index, rule.description),
    original: compilePattern(rule.original_user ?? rule.originalUser),
    role: compilePattern(rule.original_role),
    newUser: (rule.new_user ?? rule.newUser)!,
    allow: rule.allow ?? true,
  }));
  const enforcing = [rules.catalogs, rules.schemas, rules.tables, rules.functions, rules.procedures].some((s) => s !== undefined);

  // -------------------------------------------------------------- Trino's primitives

  function catalogAccess(p: AclPrincipal, catalog: string, required: 'all' | 'read-only'): Outcome {
    if (!catalogs) return { allowed: true, rule: 'default: no catalogs rules, every catalog is accessible' };
    for (const r of catalogs) {
      if (matchesWho(r, p) && test(r.catalog, catalog)) return { allowed: implies(modeOf(r.rule.allow), required), rule: r.label };
    }
    return { allowed: false, rule: `default: no catalogs rule matched catalog ${catalog}` };
  }

  function tableRule(p: AclPrincipal, parts: string[]): Compiled<NonNullable<AccessRules['tables']>[number]> | undefined {
    const [catalog, schema, table] = parts as [string, string, string];
    return tables?.find((r) => matchesWho(r, p) && test(r.catalog, catalog) && test(r.schema, schema) && test(r.table, table));
  }

  /** checkTablePermission: catalog access, then the first matching table rule's privileges. */
  function tablePermission(p: AclPrincipal, parts: string[], privilege: TablePrivilege | 'ANY'): Outcome {
    const required = privilege === 'ANY' || READ_PRIVILEGES.has(privilege) ? 'read-only' : 'all';
    const cat = catalogAccess(p, parts[0]!, required);
    if (!cat.allowed) return cat;
    if (!tables) return { allowed: true, rule: 'default: no tables rules, every table is accessible' };
    const r = tableRule(p, parts);
    if (!r) return { allowed: false, rule: `default: no tables rule matched ${parts.join('.')}` };
    const privileges = r.rule.privileges;
    const allowed = privilege === 'ANY' ? privileges.length > 0 : privilege === 'SELECT' ? privileges.includes('SELECT') || privileges.includes('GRANT_SELECT') : privileges.includes(privilege);
    return { allowed, rule: r.label };
  }

  function schemaOwner(p: AclPrincipal, catalog: string, schema: string): Outcome {
    const cat = catalogAccess(p, catalog, 'all');
    if (!cat.allowed) return cat;
    if (!schemas) return { allowed: true, rule: 'default: no schemas rules, every user owns every schema' };
    for (const r of schemas) if (matchesWho(r, p) && test(r.catalog, catalog) && test(r.schema, schema)) return { allowed: r.rule.owner, rule: r.label };
    return { allowed: false, rule: `default: no schemas rule matched ${catalog}.${schema}` };
  }

  /**
   * checkAnySchemaAccess: some schema or table rule gives this user something in the schema.
   * Unlike Trino, a missing `schemas` section does not make every schema visible when `tables`
   * rules exist: Trino filters the listed tables afterwards, the engines behind Bifrost cannot.
   */
  function anySchemaAccess(p: AclPrincipal, catalog: string, schema: string): Outcome {
    const cat = catalogAccess(p, catalog, 'read-only');
    if (!cat.allowed) return cat;
    if (!schemas && !tables) return { allowed: true, rule: 'default: no schemas or tables rules, every schema is visible' };
    const s = schemas?.find((r) => r.rule.owner && matchesWho(r, p) && test(r.catalog, catalog) && test(r.schema, schema));
    if (s) return { allowed: true, rule: s.label };
    if (!tables) return { allowed: true, rule: 'default: no tables rules, every table is accessible' };
    const t = tables.find((r) => r.rule.privileges.length > 0 && matchesWho(r, p) && test(r.catalog, catalog) && test(r.schema, schema));
    if (t) return { allowed: true, rule: t.label };
    return { allowed: false, rule: `default: no rule gives access to schema ${catalog}.${schema}` };
  }

  /** checkAnyCatalogAccess, for SHOW SCHEMAS. */
  function anyCatalogAccess(p: AclPrincipal, catalog: string): Outcome {
    const cat = catalogAccess(p, catalog, 'read-only');
    if (!cat.allowed) return cat;
    if (!schemas && !tables) return { allowed: true, rule: cat.rule };
    const any = [...(schemas ?? []).filter((r) => r.rule.owner), ...(tables ?? []).filter((r) => r.rule.privileges.length > 0), ...(functions ?? []).filter((r) => r.rule.privileges.length > 0)].find((r) => matchesWho(r, p) && test(r.catalog, catalog));
    return any ? { allowed: true, rule: any.label } : { allowed: false, rule: `default: no rule gives access to catalog ${catalog}` };
  }

  function routinePermission(p: AclPrincipal, routine: RoutineUse): Outcome {
    const [catalog, schema, name] = routine.parts as [string, string, string];
    const cat = catalogAccess(p, catalog, 'read-only');
    if (!cat.allowed) return cat;
    if (routine.kind === 'procedure') {
      if (!procedures) return { allowed: false, rule: 'default: no procedures rules, procedures are denied' };
      const r = procedures.find((x) => matchesWho(x, p) && test(x.catalog, catalog) && test(x.schema, schema) && test(x.procedure, name));
      return r ? { allowed: r.rule.privileges.includes('EXECUTE'), rule: r.label } : { allowed: false, rule: `default: no procedures rule matched ${routine.name}` };
    }
    if (!functions) return { allowed: false, rule: 'default: no functions rules, only built-in functions are allowed' };
    const r = functions.find((x) => matchesWho(x, p) && test(x.catalog, catalog) && test(x.schema, schema) && test(x.function, name));
    return r ? { allowed: r.rule.privileges.includes('EXECUTE') || r.rule.privileges.includes('OWNERSHIP'), rule: r.label } : { allowed: false, rule: `default: no functions rule matched ${routine.name}` };
  }

  // -------------------------------------------------------------- statement checks

  function checkTable(p: AclPrincipal, t: TableAccess, routines: RoutineUse[], record: (c: CheckRecord) => void): void {
    if (t.parts.length !== 3) throw new Denied(`Cannot access table ${t.name}: the name is not fully qualified and the session sets no catalog and schema`, 'default: unqualified table name');
    const operations: (TableOperation | 'modify')[] = t.operations?.length ? [...t.operations] : [t.access === 'read' ? 'select' : 'modify'];
    const readsColumns = t.allColumns || (t.columns?.length ?? 0) > 0;
    if (t.access === 'write' && readsColumns && !operations.includes('select')) operations.push('select');
    // A metadata table (orders$snapshots) is checked as itself and as its base table.
    const base = /^([^$]+)\$[^$]+$/.exec(t.parts[2]!);
    const names = base ? [t.parts, [t.parts[0]!, t.parts[1]!, base[1]!]] : [t.parts];
    for (const op of operations) {
      const spec = op === 'modify' ? MODIFY : TABLE_CHECKS[op];
      for (const parts of names) {
        const outcome = tablePermission(p, parts, spec.privilege);
        record({ object: parts.join('.'), what: op, allowed: outcome.allowed, rule: outcome.rule });
        if (!outcome.allowed) throw new Denied(spec.deny(t, routines), outcome.rule);
        if (spec.privilege === 'SELECT' && parts === t.parts) checkColumns(p, t, record);
      }
    }
  }

  function checkColumns(p: AclPrincipal, t: TableAccess, record: (c: CheckRecord) => void): void {
    if (!tables) return;
    const r = tableRule(p, t.parts);
    const restricted = (r?.rule.columns ?? []).filter((c) => c.allow === false).map((c) => c.name.toLowerCase());
    if (!r || !restricted.length) return;
    const denied = t.allColumns ? restricted : restricted.filter((c) => t.columns?.includes(c));
    record({ object: t.name, what: 'columns', allowed: denied.length === 0, rule: r.label });
    if (denied.length) throw new Denied(`Cannot select from columns [${[...new Set(denied)].sort().join(', ')}] in table or view ${t.name}`, r.label);
  }

  function checkSchema(p: AclPrincipal, s: SchemaAccess, record: (c: CheckRecord) => void): void {
    if (s.parts.length !== 2) throw new Denied(`Cannot access schema ${s.name}: the name is not fully qualified and the session sets no catalog`, 'default: unqualified schema name');
    const [catalog, schema] = s.parts as [string, string];
    let outcome: Outcome;
    let reason: string;
    switch (s.operation) {
      case 'use':
        outcome = catalogAccess(p, catalog, 'read-only');
        reason = `Cannot access catalog ${catalog}`;
        break;
      case 'showTables':
        outcome = anySchemaAccess(p, catalog, schema);
        reason = `Cannot show tables of schema ${s.name}`;
        break;
      case 'showFunctions':
        outcome = anySchemaAccess(p, catalog, schema);
        reason = `Cannot show functions of schema ${s.name}`;
        break;
      case 'showCreateSchema':
        outcome = schemaOwner(p, catalog, schema);
        reason = `Cannot show create schema for ${s.name}`;
        break;
      case 'createSchema':
        outcome = schemaOwner(p, catalog, schema);
        reason = `Cannot create schema ${s.name}`;
        break;
      case 'dropSchema':
        outcome = schemaOwner(p, catalog, schema);
        reason = `Cannot drop schema ${s.name}`;
        break;
      case 'renameSchema':
        outcome = schemaOwner(p, catalog, schema);
        reason = `Cannot rename schema from ${s.name} to ${s.renamedTo ?? s.name}`;
        break;
      default:
        outcome = schemaOwner(p, catalog, schema);
        reason = `Cannot ${s.operation === 'setAuthorization' ? 'set authorization for' : s.operation === 'showGrants' ? 'show grants on' : `${s.operation} privilege on`} schema ${s.name}`;
    }
    record({ object: s.name, what: s.operation, allowed: outcome.allowed, rule: outcome.rule });
    if (!outcome.allowed) throw new Denied(reason, outcome.rule);
  }

  function decide(p: AclPrincipal, analysis: Analysis): FileAccessDecision {
    const checks: CheckRecord[] = [];
    const record = (c: CheckRecord) => checks.push(c);
    try {
      if (!analysis.ok) throw new Denied(`the statement could not be analyzed, and access rules apply${analysis.error ? ` (${analysis.error})` : ''}`, 'default: unanalyzed statements are denied');
      if (analysis.unresolved?.length) throw new Denied(`the statement could not be analyzed completely, and access rules apply (${analysis.unresolved.join('; ')})`, 'default: unresolved statements are denied');
      const roleDenial = ROLE_STATEMENTS[analysis.statement ?? ''];
      if (roleDenial) throw new Denied(roleDenial, 'default: roles cannot be managed through file-based rules');
      const routines = analysis.routines ?? [];
      for (const c of analysis.catalogs ?? []) {
        if (c.operation === 'showSchemas') {
          const o = anyCatalogAccess(p, c.name);
          record({ object: c.name, what: c.operation, allowed: o.allowed, rule: o.rule });
          if (!o.allowed) throw new Denied('Cannot show schemas', o.rule);
        } else if (c.operation === 'roles') {
          const o = catalogAccess(p, c.name, 'read-only');
          record({ object: c.name, what: c.operation, allowed: o.allowed, rule: o.rule });
          if (!o.allowed) throw new Denied(`Cannot access catalog ${c.name}`, o.rule);
        } else {
          record({ object: c.name, what: c.operation, allowed: false, rule: 'default: catalogs cannot be created or dropped through the gateway' });
          throw new Denied(`Cannot ${c.operation === 'createCatalog' ? 'create' : 'drop'} catalog ${c.name}`, 'default: catalogs cannot be created or dropped through the gateway');
        }
      }
      for (const s of analysis.schemas ?? []) checkSchema(p, s, record);
      for (const t of analysis.tables) checkTable(p, t, routines, record);
      for (const t of analysis.indirectTables ?? []) checkTable(p, t, routines, record);
      for (const r of routines) {
        if (r.kind === 'table procedure') continue;
        if (r.parts.length !== 3) throw new Denied(`Cannot execute ${r.kind} ${r.name}: the name is not fully qualified and the session sets no catalog`, 'default: unqualified routine name');
        const o = routinePermission(p, r);
        record({ object: r.name, what: r.kind, allowed: o.allowed, rule: o.rule });
        if (!o.allowed) throw new Denied(r.kind === 'procedure' ? `Cannot execute procedure ${r.name}` : `Cannot execute ${r.kind} ${r.name}`, o.rule);
      }
      if (analysis.impersonate !== undefined) {
        const o = impersonate(p, analysis.impersonate);
        record({ object: analysis.impersonate, what: 'impersonate', allowed: o.allowed, rule: o.rule });
        if (!o.allowed) throw new Denied(o.reason!, o.rule);
      }
      const used = [...new Set(checks.map((c) => c.rule))];
      return { allowed: true, rule: used.length ? used.join('; ') : 'no object to check', checks };
    } catch (error) {
      if (error instanceof Denied) return { allowed: false, reason: error.reason, rule: error.rule, checks };
      throw error;
    }
  }

  function impersonate(original: AclPrincipal, requested: string): SimpleDecision {
    if (original.user === requested) return { allowed: true, rule: 'default: a user may act as itself' };
    const reason = `User ${original.user} cannot impersonate user ${requested}`;
    if (!impersonation) return { allowed: false, reason, rule: 'default: no impersonation rules, impersonation is denied' };
    for (const r of impersonation) {
      const m = r.original ? r.original.exec(original.user) : /^.*$/u.exec(original.user);
      if (!m) continue;
      if (r.role && !(original.roles ?? []).some((x) => r.role!.test(x))) continue;
      // new_user may refer to groups of original_user: "$1_test".
      const target = r.newUser.replace(/\$(\d)/g, (_, n: string) => escapeRegExp(m[Number(n)] ?? ''));
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${target})$`, 'u');
      } catch {
        continue;
      }
      if (re.test(requested)) return r.allow ? { allowed: true, rule: r.label } : { allowed: false, reason, rule: r.label };
    }
    return { allowed: false, reason, rule: 'default: no impersonation rule matched' };
  }

  function firstAllow(section: Compiled<{ allow?: boolean | undefined }>[] | undefined, p: AclPrincipal, field: string, value: string, what: string): SimpleDecision {
    if (!section) return { allowed: true, rule: `default: no ${what} rules, every ${what} may be used` };
    const r = section.find((x) => matchesWho(x, p) && test(x[field], value));
    if (!r) return { allowed: false, reason: `User ${p.user} may not use ${what} ${value}`, rule: `default: no ${what} rule matched ${value}` };
    return r.rule.allow === false ? { allowed: false, reason: `User ${p.user} may not use ${what} ${value}`, rule: r.label } : { allowed: true, rule: r.label };
  }

  const control: FileAccessControl = {
    enforcing,
    rules,
    check: (principal, analysis) => decide(principal, analysis),
    canUseTarget(principal, target, group) {
      const g = firstAllow(routingGroups as Compiled<{ allow?: boolean }>[] | undefined, principal, 'routingGroup', group, 'routing group');
      if (!g.allowed) return g;
      const t = firstAllow(targets as Compiled<{ allow?: boolean }>[] | undefined, principal, 'target', target, 'target');
      return t.allowed ? { allowed: true, rule: `${g.rule}; ${t.rule}` } : t;
    },
    canImpersonate(original, requested) {
      return impersonate(typeof original === 'string' ? { user: original, groups: [] } : original, requested);
    },
  };
  return Object.freeze(control);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An AccessControl whose rules can be replaced at run time (from the config store), atomically. */
export function createSwappableAccessControl(initial: AccessRules | unknown): FileAccessControl & { replace(rules: AccessRules | unknown): void } {
  let current = createFileAccessControl(initial);
  return {
    get enforcing() {
      return current.enforcing;
    },
    get rules() {
      return current.rules;
    },
    check: (p, a) => current.check(p, a),
    canUseTarget: (p, t, g) => current.canUseTarget(p, t, g),
    canImpersonate: (o, r) => current.canImpersonate(o, r),
    replace(rules) {
      current = createFileAccessControl(rules);
    },
  };
}
