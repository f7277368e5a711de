import type { PeriodKey, SpendEntry, SpendScope } from '../ports/index.js';

/** UTC days and months: the periods budgets and spend counters are kept in. */
export type PeriodKind = 'day' | 'month';

export function periodKey(kind: PeriodKind, at: number): PeriodKey {
  const iso = new Date(at).toISOString();
  return kind === 'day' ? `D${iso.slice(0, 10)}` : `M${iso.slice(0, 7)}`;
}

/** When the period holding `at` started (epoch ms). */
export function periodStart(kind: PeriodKind, at: number): number {
  const d = new Date(at);
  return kind === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** When the period holding `at` ends: the budget resets then (epoch ms). */
export function periodEnd(kind: PeriodKind, at: number): number {
  const d = new Date(at);
  return kind === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function periodKind(key: PeriodKey): PeriodKind {
  return key.startsWith('M') ? 'month' : 'day';
}

/** The periods from `from` to `to` (inclusive), oldest first, at most `max`. */
export function periodsBetween(kind: PeriodKind, from: number, to: number, max = 62): PeriodKey[] {
  const keys: PeriodKey[] = [];
  for (let at = periodStart(kind, from); at <= to && keys.length < max; at = periodEnd(kind, at)) keys.push(periodKey(kind, at));
  return keys;
}

/** At most this many groups of a user are counted: a transaction holds 100 writes. */
export const MAX_COUNTED_GROUPS = 20;

/** The scopes a query's spend counts for: its user, its user's groups, its tool and its target. */
export function spendScopes(entry: Pick<SpendEntry, 'user' | 'groups' | 'source' | 'target'>): SpendScope[] {
  const scopes: SpendScope[] = [{ kind: 'user', name: entry.user }];
  for (const group of [...new Set(entry.groups)].slice(0, MAX_COUNTED_GROUPS)) scopes.push({ kind: 'group', name: group });
  if (entry.source) scopes.push({ kind: 'source', name: entry.source });
  if (entry.target) scopes.push({ kind: 'target', name: entry.target });
  return scopes;
}

export function scopeId(scope: SpendScope): string {
  return `${scope.kind}#${scope.name}`;
}

export function scopeOf(id: string): SpendScope | undefined {
  const at = id.indexOf('#');
  const kind = id.slice(0, at);
  if (at < 0 || !['user', 'group', 'source', 'target'].includes(kind)) return undefined;
  return { kind: kind as SpendScope['kind'], name: id.slice(at + 1) };
}
