/**
 * Access rules in the format of Trino's file-based system access control
 * (https://trino.io/docs/current/security/file-system-access-control.html): `catalogs`,
 * `schemas`, `tables`, `functions`, `procedures` and `impersonation` rules, matched on `user`,
 * `role` and `group` patterns, first matching rule wins. Bifrost adds `targets` and
 * `routingGroups`: which engines a user may run queries on.
 *
 * Patterns are regular expressions that must match the whole value, as Java's `matches()`.
 *
 * Differences from Trino, all on the side of refusing:
 * - row filters (`filter`) and column masks (`mask`) are refused when the rules are loaded: the
 *   gateway does not rewrite queries and the engines behind it do not know the rules;
 * - `information_schema` tables are checked like any other table (Trino lets everyone read them
 *   and filters their rows; Athena would list every table);
 * - no implicit rule grants the `system` catalog;
 * - CALL needs a `procedures` rule.
 * Sections Trino has and Bifrost does not need (`queries`, `system_information`,
 * `authorization`, `system_session_properties`, `catalog_session_properties`) are accepted and
 * ignored.
 */
import { z } from 'zod';

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

function compiles(pattern: string): boolean {
  try {
    new RegExp(`^(?:${pattern})$`, 'u');
    return true;
  } catch {
    return false;
  }
}

const pattern = z.string().refine(compiles, { message: 'not a valid regular expression' });
const description = z.string().optional();
const who = { user: pattern.optional(), role: pattern.optional(), group: pattern.optional(), description };

const catalogRule = z.strictObject({
  ...who,
  catalog: pattern.optional(),
  allow: z.union([z.boolean(), z.enum(['all', 'read-only', 'none'])], { error: 'expected true, false, "all", "read-only" or "none"' }),
});

const schemaRule = z.strictObject({
  ...who,
  catalog: pattern.optional(),
  schema: pattern.optional(),
  owner: z.boolean(),
});

const columnRule = z.strictObject({
  name: z.string().min(1),
  allow: z.boolean().optional(),
  mask: z.never({ error: 'column masks are not supported: the gateway does not rewrite queries; restrict the column with "allow": false' }).optional(),
  mask_environment: z.never({ error: 'column masks are not supported' }).optional(),
});

const tableRule = z.strictObject({
  ...who,
  catalog: pattern.optional(),
  schema: pattern.optional(),
  table: pattern.optional(),
  privileges: z.array(z.enum(TABLE_PRIVILEGES)),
  columns: z.array(columnRule).optional(),
  filter: z.never({ error: 'row filters are not supported: the gateway does not rewrite queries' }).optional(),
  filter_environment: z.never({ error: 'row filters are not supported' }).optional(),
});

const functionRule = z.strictObject({
  ...who,
  catalog: pattern.optional(),
  schema: pattern.optional(),
  function: pattern.optional(),
  privileges: z.array(z.enum(['EXECUTE', 'GRANT_EXECUTE', 'OWNERSHIP'])),
});

const procedureRule = z.strictObject({
  ...who,
  catalog: pattern.optional(),
  schema: pattern.optional(),
  procedure: pattern.optional(),
  privileges: z.array(z.enum(['EXECUTE', 'GRANT_EXECUTE'])),
});

const impersonationRule = z
  .strictObject({
    original_user: pattern.optional(),
    originalUser: pattern.optional(),
    original_role: pattern.optional(),
    new_user: z.string().optional(),
    newUser: z.string().optional(),
    allow: z.boolean().optional(),
    description,
  })
  .refine((r) => r.original_user !== undefined || r.originalUser !== undefined || r.original_role !== undefined, { message: 'original_user or original_role is required' })
  .refine((r) => (r.new_user ?? r.newUser) !== undefined, { message: 'new_user is required' });

const targetRule = z.strictObject({ ...who, target: pattern.optional(), allow: z.boolean().optional() });
const routingGroupRule = z.strictObject({ ...who, routingGroup: pattern.optional(), allow: z.boolean().optional() });

const ignored = z.array(z.unknown()).optional();

export const accessRulesSchema = z.strictObject({
  catalogs: z.array(catalogRule).optional(),
  schemas: z.array(schemaRule).optional(),
  tables: z.array(tableRule).optional(),
  functions: z.array(functionRule).optional(),
  procedures: z.array(procedureRule).optional(),
  impersonation: z.array(impersonationRule).optional(),
  targets: z.array(targetRule).optional(),
  routingGroups: z.array(routingGroupRule).optional(),
  queries: ignored,
  system_information: ignored,
  authorization: ignored,
  system_session_properties: ignored,
  catalog_session_properties: ignored,
});

export type AccessRules = z.infer<typeof accessRulesSchema>;

export class AccessRulesError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid access rules:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** Every problem of a rules document, each with its path (`tables[2].privileges[0]: ...`). */
export function validateAccessRules(raw: unknown): { ok: true; rules: AccessRules } | { ok: false; problems: string[] } {
  const result = accessRulesSchema.safeParse(raw);
  if (result.success) return { ok: true, rules: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
}

/** Parses and validates the JSON text of a rules file; throws AccessRulesError listing every problem. */
export function parseAccessRules(text: string): AccessRules {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AccessRulesError([`(root): not valid JSON: ${(error as Error).message}`]);
  }
  const result = validateAccessRules(raw);
  if (!result.ok) throw new AccessRulesError(result.problems);
  return result.rules;
}

/** A pattern as Trino matches it: the whole value. */
export function compilePattern(pattern: string | undefined): RegExp | undefined {
  return pattern === undefined ? undefined : new RegExp(`^(?:${pattern})$`, 'u');
}
