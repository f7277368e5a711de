import { describe, expect, it } from 'vitest';
import { parseConfig, type RoutingRule } from '../../../lambdas/core/config/schema.js';
import { explainRoute } from '../../../lambdas/core/routing/router.js';
import { compileRules, evaluateRules, routingFacts } from '../../../lambdas/core/routing/rules.js';
import { request, type RequestFacts } from './support/requests.js';

function configWith(rules: unknown[]) {
  return parseConfig({
    version: 1,
    targets: { a: { type: 'duckdb' }, b: { type: 'duckdb' } },
    routingGroups: { special: { targets: ['a'] }, other: { targets: ['b'] }, fallback: { targets: ['b'] } },
    rules,
    defaultRoutingGroup: 'fallback',
  });
}

type Case = [name: string, match: RoutingRule['match'], facts: RequestFacts, matches: boolean, why: string];

const cases: Case[] = [
  ['no conditions matches everything', {}, {}, true, 'the rule has no conditions'],
  ['user regex matches whole name', { user: 'ali.*' }, { user: 'alice' }, true, "user 'ali.*'"],
  ['user regex is anchored at the end', { user: 'ali' }, { user: 'alice' }, false, "user 'alice' does not match 'ali'"],
  ['user regex is anchored at the start', { user: 'lice' }, { user: 'alice' }, false, "does not match 'lice'"],
  ['user alternation stays anchored', { user: 'bob|ali' }, { user: 'alice' }, false, 'does not match'],
  ['user alternation matches', { user: 'bob|alice' }, { user: 'alice' }, true, 'matched'],
  ['groups: any of them', { groups: ['x', 'critical'] }, { groups: ['critical'] }, true, 'groups any of [x, critical]'],
  ['groups: none of them', { groups: ['critical'] }, { groups: ['finance', 'bi'] }, false, "user's groups [finance, bi] include none of [critical]"],
  ['groups: user without groups', { groups: ['critical'] }, {}, false, 'include none of'],
  ['source regex', { source: '[Tt]ableau.*' }, { source: 'Tableau Desktop 2024.1' }, true, 'source'],
  ['source regex is anchored', { source: 'tableau' }, { source: 'my-tableau' }, false, "source 'my-tableau' does not match 'tableau'"],
  ['source missing', { source: '.*' }, {}, false, 'no source sent'],
  ['client tags: all present', { clientTags: ['etl', 'nightly'] }, { tags: ['nightly', 'etl', 'x'] }, true, 'client tags all of [etl, nightly]'],
  ['client tags: one missing', { clientTags: ['etl', 'nightly'] }, { tags: ['etl'] }, false, "client tag 'nightly' missing (tags sent: [etl])"],
  ['routing hint equal', { routingHint: 'athena' }, { hint: 'athena' }, true, "routing hint 'athena'"],
  ['routing hint different', { routingHint: 'athena' }, { hint: 'trino' }, false, "routing hint 'trino' is not 'athena'"],
  ['routing hint absent', { routingHint: 'athena' }, {}, false, 'no routing extra credential'],
  ['routing hint ignores other credentials', { routingHint: 'athena' }, { credentials: { athena: 'routing' } }, false, 'no routing extra credential'],
  ['routing-group header equal', { routingGroupHeader: 'critical' }, { header: 'critical' }, true, "routing-group header 'critical'"],
  ['routing-group header different', { routingGroupHeader: 'critical' }, { header: 'adhoc' }, false, "routing-group header 'adhoc' is not 'critical'"],
  ['routing-group header absent', { routingGroupHeader: 'critical' }, {}, false, 'no routing-group header'],
  ['statement kind, case and spaces ignored', { statementKinds: ['create  table', 'INSERT'] }, { kind: 'CREATE TABLE' }, true, 'statement kind any of [CREATE TABLE, INSERT]'],
  ['statement kind not listed', { statementKinds: ['INSERT'] }, { kind: 'SELECT' }, false, "statement kind 'SELECT' is not one of [INSERT]"],
  ['statement kind unknown', { statementKinds: ['SELECT'] }, {}, false, 'statement kind unknown'],
  ['tables: one of them matches', { tables: ['hive\\.sales\\..*'] }, { tables: ['hive.web.clicks', 'hive.sales.orders'] }, true, 'tables any of'],
  ['tables: case-insensitive', { tables: ['HIVE\\.SALES\\.ORDERS'] }, { tables: ['hive.sales.orders'] }, true, 'tables any of'],
  ['tables: anchored', { tables: ['sales\\.orders'] }, { tables: ['hive.sales.orders'] }, false, 'no table touched [hive.sales.orders] matches'],
  ['tables: unknown when not analyzed', { tables: ['.*'] }, { kind: 'SELECT' }, false, 'tables touched are unknown'],
  ['tables: none touched', { tables: ['.*'] }, { kind: 'SELECT', tables: [] }, false, 'the statement touches no table'],
  ['schemas: catalog.schema of the tables', { schemas: ['hive\\.sales'] }, { tables: ['hive.sales.orders'] }, true, 'schemas any of'],
  ['schemas: other schema', { schemas: ['hive\\.sales'] }, { tables: ['hive.web.clicks'] }, false, "no schema touched [hive.web] matches ['hive\\.sales']"],
  ['all conditions hold', { user: 'alice', groups: ['critical'], source: 'Tableau', routingHint: 'athena' }, { user: 'alice', groups: ['critical'], source: 'Tableau', hint: 'athena' }, true, 'matched'],
  ['first failing condition is the reason', { user: 'alice', groups: ['critical'], source: 'Tableau' }, { user: 'alice', groups: ['bi'], source: 'Looker' }, false, "user's groups [bi] include none of [critical]"],
];

describe('rule conditions', () => {
  it.each(cases)('%s', async (_name, match, facts, matches, why) => {
    const config = configWith([{ name: 'r', priority: 1, match, routingGroup: 'special' }]);
    const explanation = await explainRoute(config, request(facts));
    expect(explanation.rules).toHaveLength(1);
    expect(explanation.rules[0]!.matched).toBe(matches);
    expect(explanation.rules[0]!.why).toContain(why);
    expect(explanation.group).toBe(matches ? 'special' : 'fallback');
    expect(explanation.groupReason).toContain(matches ? "rule 'r' (priority 1)" : "default group 'fallback'");
  });
});

describe('rule order', () => {
  const rules = [
    { name: 'late', priority: 30, match: {}, routingGroup: 'other' },
    { name: 'first', priority: 10, match: { user: 'bob' }, routingGroup: 'special' },
    { name: 'tie-a', priority: 20, match: { groups: ['g'] }, routingGroup: 'special' },
    { name: 'tie-b', priority: 20, match: { groups: ['g'] }, routingGroup: 'other' },
  ];

  it('evaluates by priority, lower first, whatever the order in the file', () => {
    expect(compileRules(configWith(rules).rules).map((r) => r.name)).toEqual(['first', 'tie-a', 'tie-b', 'late']);
  });

  it('first match wins, equal priorities keep the file order, later rules are not evaluated', async () => {
    const explanation = await explainRoute(configWith(rules), request({ user: 'carol', groups: ['g'] }));
    expect(explanation.rules.map((r) => [r.name, r.matched])).toEqual([
      ['first', false],
      ['tie-a', true],
    ]);
    expect(explanation.rulesNotEvaluated).toBe(2);
    expect(explanation.group).toBe('special');
    expect(explanation.reasons).toContain('2 later rules not evaluated (first match wins)');
  });

  it('falls through to the catch-all, every earlier rule saying why not', async () => {
    const explanation = await explainRoute(configWith(rules), request({ user: 'carol' }));
    expect(explanation.rules.map((r) => r.matched)).toEqual([false, false, false, true]);
    expect(explanation.group).toBe('other');
    expect(explanation.reasons.filter((r) => r.includes('did not match'))).toHaveLength(3);
  });

  it('uses the default group when no rule matches, and says so', async () => {
    const explanation = await explainRoute(configWith(rules.slice(1)), request({ user: 'carol' }));
    expect(explanation.group).toBe('fallback');
    expect(explanation.groupReason).toBe("no rule matched: default group 'fallback'");
    expect(explanation.reasons[0]).toContain("no rule matched: default group 'fallback'");
  });
});

describe('routing facts', () => {
  it('takes the user from the principal, the hint from the routing extra credential only', () => {
    const req = request({ user: 'alice', groups: ['a'], hint: 'athena', header: 'critical', source: 'jdbc', tags: ['t'], kind: 'insert', tables: ['hive.s.t', 'hive.s.u', 'hive.x.t'], credentials: { password: 'secret' } });
    expect(routingFacts(req)).toEqual({
      user: 'alice',
      groups: ['a'],
      source: 'jdbc',
      clientTags: ['t'],
      routingHint: 'athena',
      routingGroupHeader: 'critical',
      statementKind: 'INSERT',
      tables: ['hive.s.t', 'hive.s.u', 'hive.x.t'],
      schemas: ['hive.s', 'hive.x'],
    });
  });

  it('evaluates without building explanations of rules that are never reached', () => {
    const compiled = compileRules(configWith([{ name: 'all', priority: 1, match: {}, routingGroup: 'special' }, { name: 'never', priority: 2, match: { user: 'x' }, routingGroup: 'other' }]).rules);
    const outcome = evaluateRules(compiled, routingFacts(request()));
    expect(outcome.matched?.name).toBe('all');
    expect(outcome.verdicts).toHaveLength(1);
    expect(outcome.notEvaluated).toBe(1);
  });
});
