import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALICE_RULES } from '../../support/alice-rules.js';
import { main } from '../../../bin/cli.js';
import type { RouteExplanation } from '../../../lambdas/core/routing/types.js';

const example = fileURLToPath(new URL('../../../config/bifrost.example.yaml', import.meta.url));

async function bifrost(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return bifrostWithInput('', ...args);
}

async function bifrostWithInput(input: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(args, { stdin, stdout, stderr, env: {} });
  return { code, out, err };
}

async function route(...args: string[]): Promise<RouteExplanation> {
  const { code, out, err } = await bifrost('route', '--config', example, ...args);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as RouteExplanation;
}

describe('bifrost route', () => {
  it('prints the decision with every rule and target considered', async () => {
    const e = await route('--user', 'dana', '--groups', 'critical', '--source', 'Tableau', '--routing', 'athena', '--sql', 'SELECT * FROM hive.sales.orders');
    expect(e).toMatchObject({ outcome: 'target', group: 'critical', target: 'critical-a', configVersion: 0, facts: { statementKind: 'SELECT', routingHint: 'athena' } });
    expect(Object.keys(e).slice(0, 3)).toEqual(['outcome', 'group', 'target']);
    expect(e.rules).toEqual([expect.objectContaining({ name: 'tableau-critical', matched: true })]);
    expect(e.targets.map((t) => [t.name, t.verdict])).toEqual([
      ['critical-a', 'chosen'],
      ['critical-b', 'not-considered'],
      ['adhoc', 'not-considered'],
    ]);
  });

  it('takes what-if depths, states and health', async () => {
    const full = await route('--user', 'dana', '--groups', 'critical', '--source', 'Tableau', '--routing', 'athena', '--depths', 'critical-a=20,critical-b=25');
    expect(full.target).toBe('adhoc');
    const drained = await route('--user', 'dana', '--groups', 'critical', '--source', 'Tableau', '--routing', 'athena', '--states', 'critical-a=draining', '--unhealthy', 'critical-b');
    expect(drained.target).toBe('adhoc');
    expect(drained.targets.map((t) => t.why)).toEqual(['draining: it finishes its running queries and takes no new ones', 'unhealthy', expect.stringMatching(/^active, healthy, allowed/)]);
    const waiting = await route('--user', 'sam', '--depths', 'adhoc=25');
    expect(waiting).toMatchObject({ outcome: 'wait', group: 'adhoc' });
    const denied = await route('--user', 'lee', '--groups', 'legacy', '--states', 'legacy-trino=disabled');
    expect(denied).toMatchObject({ outcome: 'deny', group: 'legacy' });
    expect(denied.reasons[0]).toBe("no target of group 'legacy' can take queries (rule 'legacy-team' (priority 30) chose group 'legacy')");
  });

  it('says when --sql could not be analyzed, and routes it as the gateway would', async () => {
    const { code, out, err } = await bifrost('route', '--config', example, '--user', 'sam', '--sql', 'SELEC * FROM orders');
    expect(code).toBe(0);
    expect(err).toMatch(/could not be analyzed \(line 1:1: .*\): routed without its tables/);
    expect((JSON.parse(out) as RouteExplanation).outcome).toBeDefined();
  });

  it('analyzes the SQL for its kind and tables', async () => {
    const e = await route('--user', 'sam', '--sql', 'INSERT INTO orders SELECT * FROM web.clicks', '--catalog', 'hive', '--schema', 'sales');
    expect(e.facts).toMatchObject({ statementKind: 'INSERT', tables: ['hive.sales.orders', 'hive.web.clicks'], schemas: ['hive.sales', 'hive.web'] });
  });

  it('matches the routing-group header, client tags and tables', async () => {
    const header = await route('--user', 'erin', '--routing-group', 'critical', '--tags', 'a,b', '--tables', 'sales.orders', '--catalog', 'hive');
    expect(header).toMatchObject({ group: 'critical', facts: { routingGroupHeader: 'critical', clientTags: ['a', 'b'], tables: ['hive.sales.orders'], schemas: ['hive.sales'] } });
    expect(header.rules.map((r) => r.matched)).toEqual([false, true]);
  });

  it('says so for statements the gateway answers itself, and refuses bad input', async () => {
    const use = await bifrost('route', '--config', example, '--user', 'x', '--sql', 'USE hive.sales');
    expect(JSON.parse(use.out)).toEqual({ outcome: 'gateway', note: 'USE is answered by the gateway itself: it is not routed' });
    expect((await bifrost('route', '--user', 'x')).code).toBe(2);
    const unknown = await bifrost('route', '--config', example, '--user', 'x', '--depths', 'nope=1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("unknown target 'nope'");
    const bad = await bifrost('route', '--config', example, '--user', 'x', '--states', 'adhoc=paused');
    expect(bad.err).toContain("'paused' is not one of active, draining, disabled");
  });
});

describe('bifrost check', () => {
  const check = (sql: string, ...args: string[]) => bifrostWithInput(JSON.stringify({ id: 1, sql }) + '\n', 'check', ...args);

  it('takes the access section of a Bifrost config file (YAML), and refuses a config without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-check-'));
    const file = join(dir, 'bifrost.yaml');
    writeFileSync(file, stringify({ version: 1, targets: { local: { type: 'duckdb' } }, routingGroups: { g: { targets: ['local'] } }, defaultRoutingGroup: 'g', access: ALICE_RULES }));
    const allowed = await check('SELECT n_name FROM tpch.tiny.nation', '--rules', file, '--user', 'alice');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out)).toEqual({ id: 1, allowed: true, reason: null });
    const denied = await check('SELECT c_phone FROM tpch.tiny.customer', '--rules', file, '--user', 'alice');
    expect(JSON.parse(denied.out)).toMatchObject({ id: 1, allowed: false });
    const none = await check('SELECT 1', '--rules', example, '--user', 'alice');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no access section/);
  });

  it('answers a missing file in one line', async () => {
    const { code, err } = await check('SELECT 1', '--rules', '/nonexistent/rules.json', '--user', 'alice');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual(['bifrost check: /nonexistent/rules.json: no such file']);
  });
});
