import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodKey } from '../../lambdas/core/budgets/periods.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * Budgets as a client and an admin meet them, through the local server: an Athena workgroup billed
 * per scan (Athena scripted with aws-sdk-client-mock, every query scanning SCAN bytes), the spend
 * counters grown by the poll that sees each query end, and trino-client reading the protocol's
 * warning and the refusal. Then the admin routes over HTTP: validation, versions, the audit trail
 * of changes and grants, roles, and the spend figures beside the budgets.
 */
const MIB = 2 ** 20;
const SCAN = 300 * MIB;
const CONFIG = `
version: 1
gateway: { pricePerTerabyteUsd: 5 }
targets:
  adhoc: { type: athena, workgroup: bifrost-adhoc, csvFastPath: false }
routingGroups:
  main: { targets: [adhoc] }
defaultRoutingGroup: main
admin:
  admins: { users: [alice] }
  viewers: { users: [victor] }
budgets:
  warnAtPercent: 50
  limits:
    - name: bob-daily
      scope: { kind: user, name: bob }
      period: day
      limitBytes: ${3 * SCAN}
    - name: etl-monthly
      scope: { kind: group, name: etl }
      period: month
      limitUsd: 100
`;

const athena = mockClient(AthenaClient);
let server: LocalServer;

function executionOf(id: string): QueryExecution {
  return {
    QueryExecutionId: id,
    StatementType: 'DML',
    WorkGroup: 'bifrost-adhoc',
    Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date(), CompletionDateTime: new Date() },
    Statistics: { DataScannedInBytes: SCAN, EngineExecutionTimeInMillis: 800, TotalExecutionTimeInMillis: 900, QueryQueueTimeInMillis: 5 },
    ResultConfiguration: { OutputLocation: `s3://results/${id}.csv` },
  };
}

beforeAll(async () => {
  let n = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async () => ({ QueryExecutionId: `exec-${++n}` }));
  athena.on(GetQueryExecutionCommand).callsFake(async (input) => ({ QueryExecution: executionOf(input.QueryExecutionId!) }));
  athena.on(StopQueryExecutionCommand).resolves({});
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: { Rows: [{ Data: [{ VarCharValue: 'x' }] }, { Data: [{ VarCharValue: '1' }] }], ResultSetMetadata: { ColumnInfo: [{ Name: 'x', Type: 'integer', CatalogName: 'hive', Nullable: 'UNKNOWN', Precision: 10, Scale: 0, CaseSensitive: false }] } },
  });
  server = await startLocalServer({
    config: parseConfigText(CONFIG),
    gateway: { pollWaitMs: 100 },
    sweepIntervalMs: 3_600_000,
    aws: () => ({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), glue: new GlueClient({ region: 'us-east-1' }) }),
  });
});
afterAll(async () => {
  await server?.close();
  athena.restore();
});

interface Warning {
  warningCode: { code: number; name: string };
  message: string;
}

/** Runs a statement with trino-client: its rows, the warnings it was told, its error. */
async function query(user: string, sql = 'SELECT 1 AS x'): Promise<{ rows: unknown[][]; warnings: Warning[]; error?: QueryResult['error'] }> {
  const client = Trino.create({ server: server.url, auth: new BasicAuth(user), catalog: 'hive', schema: 'default', source: 'budget-test' });
  const rows: unknown[][] = [];
  const warnings: Warning[] = [];
  let error: QueryResult['error'];
  for await (const page of await client.query(sql)) {
    // trino-client hands the protocol's answer over as it came: warnings are the protocol's objects.
    for (const w of (page.warnings ?? []) as unknown as Warning[]) if (!warnings.some((s) => s.message === w.message)) warnings.push(w);
    if (page.data) rows.push(...page.data);
    if (page.error) error = page.error;
  }
  return { rows, warnings, ...(error ? { error } : {}) };
}

describe('a client under a budget (trino-client through the local server)', () => {
  it('runs under budget, sees the warning past the threshold, then gets EXCEEDED_BUDGET as a user error', async () => {
    const one = await query('bob');
    expect(one.rows).toEqual([[1]]);
    expect(one.warnings).toEqual([]);
    await query('bob');
    // 600 of 900 MB: over the 50 % threshold; the query runs and the client is told.
    const warned = await query('bob');
    expect(warned.error).toBeUndefined();
    expect(warned.rows).toEqual([[1]]);
    expect(warned.warnings).toHaveLength(1);
    expect(warned.warnings[0]).toMatchObject({ warningCode: { code: 64272, name: 'BUDGET_WARNING' } });
    expect(warned.warnings[0]!.message).toMatch(/^Budget 'bob-daily' \(user bob, per day\) is at 66%: 600\.00 MB of 900\.00 MB spent this day; it resets at /);
    // 900 of 900 MB: refused, and the client's result carries the protocol's error.
    const refused = await query('bob');
    expect(refused.rows).toEqual([]);
    expect(refused.error).toMatchObject({ errorName: 'EXCEEDED_BUDGET', errorType: 'USER_ERROR', errorCode: 64257 });
    expect(refused.error!.message).toMatch(/^Query refused: budget 'bob-daily' \(user bob, per day\) is exhausted: 900\.00 MB of 900\.00 MB spent this day; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z$/);
    // Users without a budget are not affected.
    expect((await query('carol')).warnings).toEqual([]);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in each test
type Json = Record<string, any>;
interface Session {
  cookie: string;
  csrf: string;
}

async function login(user: string): Promise<Session> {
  const response = await fetch(`${server.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: response.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrfToken };
}

async function api(session: Session, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/admin${path}`, {
    method,
    headers: { Cookie: session.cookie, 'X-Bifrost-CSRF': session.csrf, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : undefined };
}

const LIMITS = [
  { name: 'bob-daily', scope: { kind: 'user', name: 'bob' }, period: 'day', limitBytes: 3 * SCAN },
  { name: 'everyone-daily', scope: { kind: 'user', name: '*' }, period: 'day', limitUsd: 20, warnAtPercent: 90 },
];

describe('the admin budget routes over HTTP', () => {
  it('validates a budgets section: problems named by their path, nothing saved', async () => {
    const alice = await login('alice');
    const before = await api(alice, 'GET', '/budgets');
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ overridden: false, budgets: { warnAtPercent: 50, limits: [{ name: 'bob-daily' }, { name: 'etl-monthly' }], grants: [] } });

    const ok = await api(alice, 'POST', '/budgets/validate', { limits: LIMITS });
    expect(ok.json).toEqual({ ok: true });
    const problems = await api(alice, 'POST', '/budgets/validate', { limits: [{ name: 'x', scope: { kind: 'group', name: '*' }, period: 'week', limitBytes: 1, limitUsd: 2 }] });
    expect(problems.status).toBe(200);
    expect(problems.json!.ok).toBe(false);
    expect(problems.json!.problems.join('\n')).toMatch(/budgets\.limits\.0\.period/);

    // A change that does not validate is refused with its problems, and the version stays.
    const refused = await api(alice, 'PUT', '/budgets', { budgets: { limits: [{ ...LIMITS[0], limitUsd: 3 }] }, version: before.json!.version });
    expect(refused.status).toBe(422);
    expect(refused.json!.error).toMatchObject({ code: 'INVALID' });
    expect(refused.json!.error.problems.join('\n')).toMatch(/exactly one of limitBytes or limitUsd/);
    const missing = await api(alice, 'PUT', '/budgets', { version: before.json!.version });
    expect(missing.status).toBe(422);
    expect(missing.json!.error.problems).toEqual(['budgets: required']);
    const notJson = await fetch(`${server.url}/api/admin/budgets`, { method: 'PUT', headers: { Cookie: alice.cookie, 'X-Bifrost-CSRF': alice.csrf, 'Content-Type': 'application/json' }, body: '{"budgets": ' });
    expect(notJson.status).toBe(400);
    expect((await api(alice, 'GET', '/spend?period=week')).status).toBe(400);
    expect((await api(alice, 'GET', '/budgets')).json!.version).toBe(before.json!.version);
  });

  it('replaces the budgets: the version goes up, a stale version conflicts, the change and the reset are audited', async () => {
    const alice = await login('alice');
    const { version } = (await api(alice, 'GET', '/budgets')).json!;
    const saved = await api(alice, 'PUT', '/budgets', { budgets: { warnAtPercent: 75, limits: LIMITS }, version });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ version: version + 1, overridden: true, budgets: { warnAtPercent: 75, limits: LIMITS } });
    expect((await api(alice, 'GET', '/budgets')).json).toMatchObject({ version: version + 1, overridden: true, budgets: { limits: [{ name: 'bob-daily' }, { name: 'everyone-daily' }] } });
    const stale = await api(alice, 'PUT', '/budgets', { budgets: { limits: [] }, version });
    expect(stale.status).toBe(409);

    const audit = await api(alice, 'GET', '/audit?action=budgets.replace');
    expect(audit.json!.items[0]).toMatchObject({ actor: 'alice', action: 'budgets.replace', resource: 'budgets', before: { limits: [{ name: 'bob-daily' }, { name: 'etl-monthly' }] }, after: { limits: LIMITS } });

    const reset = await api(alice, 'DELETE', `/budgets?version=${version + 1}`);
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ version: version + 2, overridden: false, budgets: { limits: [{ name: 'bob-daily' }, { name: 'etl-monthly' }] } });
    expect((await api(alice, 'GET', '/audit?action=budgets.reset')).json!.items[0]).toMatchObject({ actor: 'alice', resource: 'budgets' });
  });

  it('grants and revokes a one-off override: both audited, a past or unknown one refused', async () => {
    const alice = await login('alice');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const past = await api(alice, 'POST', '/budgets/grants', { user: 'bob', budget: 'bob-daily', until: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.json!.error.problems).toEqual(['grant.until: must be in the future']);
    const unknown = await api(alice, 'POST', '/budgets/grants', { user: 'bob', budget: 'nobody-daily', until });
    expect(unknown.status).toBe(422);
    expect(unknown.json!.error.problems.join('\n')).toMatch(/unknown budget 'nobody-daily'/);

    const { version } = (await api(alice, 'GET', '/budgets')).json!;
    const granted = await api(alice, 'POST', '/budgets/grants', { user: 'bob', budget: 'bob-daily', until, reason: 'quarter close' });
    expect(granted.status).toBe(201);
    expect(granted.json).toMatchObject({ version: version + 1, grant: { user: 'bob', budget: 'bob-daily', until, reason: 'quarter close', by: 'alice' } });
    const id = granted.json!.grant.id as string;
    expect((await api(alice, 'GET', '/budgets')).json!.budgets.grants).toEqual([expect.objectContaining({ id, user: 'bob' })]);
    expect((await api(alice, 'GET', '/audit?action=budgets.grant')).json!.items[0]).toMatchObject({ actor: 'alice', action: 'budgets.grant', resource: 'budgets/bob-daily', after: { grant: { id, user: 'bob', until } } });

    // Under the grant, bob's query runs again, with a warning that says so (the gateway's config cache is dropped on change).
    const ran = await query('bob');
    expect(ran.error).toBeUndefined();
    expect(ran.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^Budget 'bob-daily' .* the query runs under a grant until /)]);

    expect((await api(alice, 'DELETE', '/budgets/grants/nope')).status).toBe(404);
    const revoked = await api(alice, 'DELETE', `/budgets/grants/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json!.version).toBe(version + 2);
    expect((await api(alice, 'GET', '/budgets')).json!.budgets.grants).toEqual([]);
    expect((await api(alice, 'GET', '/audit?action=budgets.revoke')).json!.items[0]).toMatchObject({ actor: 'alice', resource: 'budgets/bob-daily', before: { grant: { id } }, after: { revoked: id } });
  });

  it('lets viewers read budgets and spend, and refuses them every change', async () => {
    const victor = await login('victor');
    expect((await api(victor, 'GET', '/budgets')).status).toBe(200);
    const { version } = (await api(victor, 'GET', '/budgets')).json!;
    for (const [method, path, body] of [
      ['PUT', '/budgets', { budgets: { limits: [] }, version }],
      ['DELETE', `/budgets?version=${version}`, undefined],
      ['POST', '/budgets/grants', { user: 'victor', budget: 'bob-daily', until: new Date(Date.now() + 60_000).toISOString() }],
      ['DELETE', '/budgets/grants/any', undefined],
    ] as const) {
      const answer = await api(victor, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    expect((await api(victor, 'GET', '/budgets')).json!.version).toBe(version);
    const stranger = await fetch(`${server.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'mallory' }) });
    expect(stranger.status).toBe(403);
    expect((await fetch(`${server.url}/api/admin/spend`)).status).toBe(401);
  });

  it('answers the spend per user, group, tool and target, with the budgets of the period beside it', async () => {
    const victor = await login('victor');
    const day = await api(victor, 'GET', '/spend?period=day');
    expect(day.status).toBe(200);
    expect(day.json!.kind).toBe('day');
    expect(day.json!.periods).toHaveLength(7);
    const today = day.json!.periods.at(-1);
    expect(today.period).toBe(periodKey('day', Date.now()));
    const counter = (kind: string, name: string) => today.counters.find((c: Json) => c.scope.kind === kind && c.scope.name === name);
    // bob: three queries before the refusal, one under the grant; carol: one.
    expect(counter('user', 'bob')).toMatchObject({ bytes: 4 * SCAN, queries: 4 });
    expect(counter('user', 'carol')).toMatchObject({ bytes: SCAN, queries: 1 });
    expect(counter('source', 'budget-test')).toMatchObject({ bytes: 5 * SCAN, queries: 5 });
    expect(counter('target', 'adhoc')).toMatchObject({ bytes: 5 * SCAN, queries: 5 });
    expect(day.json!.budgets.map((b: Json) => b.name)).toEqual(['bob-daily']);
    const month = await api(victor, 'GET', '/spend?period=month');
    expect(month.json!.periods.at(-1).period).toBe(periodKey('month', Date.now()));
    expect(month.json!.budgets.map((b: Json) => b.name)).toEqual(['etl-monthly']);
  });
});
