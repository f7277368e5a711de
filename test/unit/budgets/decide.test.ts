import { describe, expect, it } from 'vitest';
import { budgetsSectionSchema } from '../../../lambdas/core/budgets/config.js';
import { decideBudgets } from '../../../lambdas/core/budgets/decide.js';
import { periodEnd, periodKey } from '../../../lambdas/core/budgets/periods.js';
import { applyChange } from '../../../lambdas/core/stores/config-store.js';
import { parseConfig } from '../../../lambdas/core/config/schema.js';

const NOW = Date.UTC(2026, 11, 7, 17, 0, 0);
const section = budgetsSectionSchema.parse({
  limits: [
    { name: 'analysts-daily', scope: { kind: 'group', name: 'analysts' }, period: 'day', limitUsd: 10 },
    { name: 'everyone-monthly', scope: { kind: 'user', name: '*' }, period: 'month', limitBytes: 1000, warnAtPercent: 90 },
  ],
  grants: [{ id: 'g1', user: 'dave', budget: 'analysts-daily', until: new Date(NOW + 3_600_000).toISOString() }],
});
const counter = (kind: 'user' | 'group', name: string, period: string, bytes: number, costUsd: number) => ({ scope: { kind, name }, period, bytes, costUsd, queries: 1, engineMs: 0 });

describe('budget decisions', () => {
  it('runs under budget, warns over the threshold, refuses at the limit with the reset time, and honours a grant', () => {
    const alice = { user: 'alice', groups: ['analysts'] };
    expect(decideBudgets(section, alice, [], NOW).outcome).toBe('run');
    expect(decideBudgets(section, alice, [counter('group', 'analysts', periodKey('day', NOW), 0, 8.5)], NOW)).toMatchObject({ outcome: 'warn' });
    const refused = decideBudgets(section, alice, [counter('group', 'analysts', periodKey('day', NOW), 0, 10), counter('user', 'alice', periodKey('month', NOW), 950, 0)], NOW);
    expect(refused.outcome).toBe('refuse');
    expect(refused.refusedBy?.budget).toBe('analysts-daily');
    expect(refused.message).toContain(`resets at ${new Date(periodEnd('day', NOW)).toISOString()}`);
    expect(refused.warnings[0]).toMatch(/everyone-monthly/);
    const dave = decideBudgets(section, { user: 'dave', groups: ['analysts'] }, [counter('group', 'analysts', periodKey('day', NOW), 0, 12)], NOW);
    expect(dave.outcome).toBe('warn');
    expect(dave.warnings[0]).toMatch(/runs under a grant/);
  });

  it('validates budgets as the config file does, at run time too', () => {
    expect(budgetsSectionSchema.safeParse({ limits: [{ name: 'x', scope: { kind: 'group', name: '*' }, period: 'day', limitUsd: 1, limitBytes: 2 }] }).success).toBe(false);
    const base = parseConfig({ version: 1, targets: { a: { type: 'athena', workgroup: 'wg' } }, routingGroups: { g: { targets: ['a'] } }, defaultRoutingGroup: 'g' });
    const bad = applyChange(base, { version: 0, targets: {} }, { budgets: { limits: [{ name: 'x', scope: { kind: 'user', name: 'a' }, period: 'week', limitUsd: 1 }], grants: [{ id: '1', user: 'a', budget: 'nope', until: '2030-01-01T00:00:00Z' }] } }, NOW);
    expect('problems' in bad && bad.problems.join('\n')).toMatch(/change.budgets.limits.0.period/);
    const good = applyChange(base, { version: 0, targets: {} }, { budgets: { limits: [{ name: 'x', scope: { kind: 'user', name: 'a' }, period: 'month', limitUsd: 1 }] } }, NOW);
    expect('overrides' in good && good.overrides.version).toBe(1);
  });
});
