import type { RoutingRule } from '../config/schema.js';
import type { RoutingRequest } from '../ports/index.js';
import type { RoutingFacts, RuleVerdict } from './types.js';

/**
 * Rule matching. Rules run in priority order (lower first; equal priorities keep their order in
 * the file) and the first rule whose every condition holds picks the routing group. A rule with
 * no conditions matches everything.
 *
 * Conditions:
 * - `user`: regular expression over the authenticated user name, anchored (must match whole);
 * - `groups`: the principal is in at least one of them;
 * - `source`: regular expression over X-Trino-Source, anchored; a request without a source fails it;
 * - `clientTags`: every one of them is among the client tags;
 * - `routingHint`: equals the `routing` extra credential;
 * - `routingGroupHeader`: equals the X-Trino-Routing-Group / X-Presto-Routing-Group header;
 * - `statementKinds`: the statement kind is one of them (case and spacing ignored);
 * - `schemas` / `tables`: at least one schema (catalog.schema) / table (catalog.schema.table)
 *   touched matches one of the expressions, anchored and case-insensitive; a statement that was
 *   not analyzed fails them (the tables are unknown).
 *
 * Regular expressions are compiled once per config; conditions run cheapest first (equality and
 * set tests, then expressions) and evaluation stops at the first that fails, whose explanation is
 * the reason the rule did not match.
 */
type Check = (facts: RoutingFacts) => string | null;

export interface CompiledRule {
  name: string;
  priority: number;
  routingGroup: string;
  /** Position in the config's list, the tie-breaker for equal priorities. */
  index: number;
  checks: Check[];
  /** Why the rule matches when it does: its conditions, written out once. */
  matchedWhy: string;
}

export function normalizeKind(kind: string | undefined): string | undefined {
  if (!kind) return undefined;
  const k = kind.trim().replace(/\s+/g, ' ').toUpperCase();
  return k === '' || k === 'UNKNOWN' ? undefined : k;
}

function anchored(source: string, flags = ''): RegExp {
  return new RegExp(`^(?:${source})$`, flags);
}

const q = (s: string) => `'${s}'`;
const list = (items: readonly string[]) => `[${items.join(', ')}]`;

export function compileRule(rule: RoutingRule, index: number): CompiledRule {
  const m = rule.match ?? {};
  const checks: Check[] = [];
  const parts: string[] = [];
  if (m.groups !== undefined) {
    const wanted = new Set(m.groups);
    const text = list(m.groups);
    parts.push(`groups any of ${text}`);
    checks.push((f) => {
      for (const g of f.groups) if (wanted.has(g)) return null;
      return `user's groups ${list(f.groups)} include none of ${text}`;
    });
  }
  if (m.clientTags !== undefined) {
    const tags = m.clientTags;
    parts.push(`client tags all of ${list(tags)}`);
    checks.push((f) => {
      for (const t of tags) if (!f.clientTags.includes(t)) return `client tag ${q(t)} missing (tags sent: ${list(f.clientTags)})`;
      return null;
    });
  }
  if (m.routingHint !== undefined) {
    const hint = m.routingHint;
    parts.push(`routing hint ${q(hint)}`);
    checks.push((f) => (f.routingHint === hint ? null : f.routingHint === undefined ? `no routing extra credential (rule wants ${q(hint)})` : `routing hint ${q(f.routingHint)} is not ${q(hint)}`));
  }
  if (m.routingGroupHeader !== undefined) {
    const header = m.routingGroupHeader;
    parts.push(`routing-group header ${q(header)}`);
    checks.push((f) =>
      f.routingGroupHeader === header ? null : f.routingGroupHeader === undefined ? `no routing-group header (rule wants ${q(header)})` : `routing-group header ${q(f.routingGroupHeader)} is not ${q(header)}`,
    );
  }
  if (m.statementKinds !== undefined) {
    const kinds = new Set(m.statementKinds.map((k) => normalizeKind(k) ?? k));
    const text = list([...kinds]);
    parts.push(`statement kind any of ${text}`);
    checks.push((f) => (f.statementKind === undefined ? `statement kind unknown (rule wants ${text})` : kinds.has(f.statementKind) ? null : `statement kind ${q(f.statementKind)} is not one of ${text}`));
  }
  if (m.user !== undefined) {
    const re = anchored(m.user);
    const src = m.user;
    parts.push(`user ${q(src)}`);
    checks.push((f) => (re.test(f.user) ? null : `user ${q(f.user)} does not match ${q(src)}`));
  }
  if (m.source !== undefined) {
    const re = anchored(m.source);
    const src = m.source;
    parts.push(`source ${q(src)}`);
    checks.push((f) => (f.source === undefined ? `no source sent (rule wants ${q(src)})` : re.test(f.source) ? null : `source ${q(f.source)} does not match ${q(src)}`));
  }
  if (m.schemas !== undefined) {
    const res = m.schemas.map((s) => anchored(s, 'i'));
    const text = list(m.schemas.map(q));
    parts.push(`schemas any of ${text}`);
    checks.push((f) => namesCheck('schema', f.schemas, res, text));
  }
  if (m.tables !== undefined) {
    const res = m.tables.map((s) => anchored(s, 'i'));
    const text = list(m.tables.map(q));
    parts.push(`tables any of ${text}`);
    checks.push((f) => namesCheck('table', f.tables, res, text));
  }
  return {
    name: rule.name,
    priority: rule.priority,
    routingGroup: rule.routingGroup,
    index,
    checks,
    matchedWhy: parts.length ? `matched: ${parts.join(', ')}` : 'matched: the rule has no conditions',
  };
}

function namesCheck(what: 'schema' | 'table', names: string[] | undefined, res: RegExp[], text: string): string | null {
  if (names === undefined) return `${what}s touched are unknown: the statement was not analyzed (rule wants ${text})`;
  if (names.length === 0) return `the statement touches no ${what} (rule wants ${text})`;
  for (const n of names) for (const re of res) if (re.test(n)) return null;
  return `no ${what} touched ${list(names)} matches ${text}`;
}

/** Rules in evaluation order: priority ascending, then their order in the config. */
export function compileRules(rules: readonly RoutingRule[]): CompiledRule[] {
  return rules.map((r, i) => compileRule(r, i)).sort((a, b) => a.priority - b.priority || a.index - b.index);
}

export interface RuleOutcome {
  matched?: CompiledRule;
  verdicts: RuleVerdict[];
  notEvaluated: number;
}

/** First match wins; every rule evaluated before it says why it did not match. */
export function evaluateRules(rules: readonly CompiledRule[], facts: RoutingFacts): RuleOutcome {
  const verdicts: RuleVerdict[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    let failed: string | null = null;
    for (const check of rule.checks) {
      failed = check(facts);
      if (failed !== null) break;
    }
    if (failed === null) {
      verdicts.push({ name: rule.name, priority: rule.priority, routingGroup: rule.routingGroup, matched: true, why: rule.matchedWhy });
      return { matched: rule, verdicts, notEvaluated: rules.length - i - 1 };
    }
    verdicts.push({ name: rule.name, priority: rule.priority, routingGroup: rule.routingGroup, matched: false, why: failed });
  }
  return { verdicts, notEvaluated: 0 };
}

/** The facts rules see, taken from the principal, the session headers and the SQL analysis. */
export function routingFacts(request: RoutingRequest): RoutingFacts {
  const { principal, session, analysis } = request;
  const facts: RoutingFacts = { user: principal.user, groups: principal.groups ?? [], clientTags: session.clientTags ?? [] };
  if (session.source !== undefined) facts.source = session.source;
  const hint = session.extraCredentials?.routing;
  if (hint !== undefined) facts.routingHint = hint;
  if (session.routingGroup !== undefined) facts.routingGroupHeader = session.routingGroup;
  const kind = normalizeKind(analysis?.kind);
  if (kind !== undefined) facts.statementKind = kind;
  if (analysis?.ok) {
    const tables: string[] = [];
    const schemas: string[] = [];
    for (const t of analysis.tables) {
      const name = t.name.toLowerCase();
      if (!tables.includes(name)) tables.push(name);
      const parts = t.parts.length ? t.parts : name.split('.');
      const schema = parts.slice(0, -1).join('.').toLowerCase();
      if (schema && !schemas.includes(schema)) schemas.push(schema);
    }
    // Schemas the statement names itself (SHOW TABLES FROM s, CREATE SCHEMA s, ...).
    for (const s of analysis.schemas ?? []) {
      const name = s.name.toLowerCase();
      if (!schemas.includes(name)) schemas.push(name);
    }
    facts.tables = tables;
    facts.schemas = schemas;
  }
  return facts;
}
