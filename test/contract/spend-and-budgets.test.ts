import { AthenaClient, BatchGetQueryExecutionCommand, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConfigStore } from '../../lambdas/adapters/aws/dynamo-config-store.js';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { DynamoSpendStore } from '../../lambdas/adapters/aws/dynamo-spend-store.js';
import { configTableDefinition, usersTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { periodKey } from '../../lambdas/core/budgets/periods.js';
import { parseConfig } from '../../lambdas/core/config/schema.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import { albRequest, handlerEnvironment, lambdaContext } from '../support/handlers.js';
import { stateEvent } from '../unit/tracking/support.js';

/**
 * Cost accounting and budgets as deployed: the statement, athena-events and sweeper handler
 * modules with their real adapters (DynamoDB on dynalite), Athena scripted with
 * aws-sdk-client-mock, Athena's events delivered as EventBridge does (duplicated, reordered,
 * some lost). Every finished query's scan and cost are recorded exactly once, and the spend
 * counters the gateway reads at admission hold exactly their sum.
 */
const MIB = 2 ** 20;
const SCAN = 300 * MIB;
const PRICE = 5;
const COST = Math.round((SCAN / 2 ** 40) * PRICE * 1e6) / 1e6;
const CONFIG = {
  version: 1,
  gateway: { pollWaitMs: 500, pricePerTerabyteUsd: PRICE },
  auth: { methods: [{ type: 'header' }] },
  targets: { adhoc: { type: 'athena', workgroup: 'bifrost-adhoc', csvFastPath: false } },
  routingGroups: { main: { targets: ['adhoc'] } },
  defaultRoutingGroup: 'main',
  budgets: {
    warnAtPercent: 50,
    limits: [
      { name: 'bob-daily', scope: { kind: 'user', name: 'bob' }, period: 'day', limitBytes: 3 * SCAN },
      { name: 'carol-monthly', scope: { kind: 'user', name: 'carol' }, period: 'month', limitUsd: 1 },
    ],
  },
};

const athena = mockClient(AthenaClient);
const secrets = mockClient(SecretsManagerClient);
let dynamo: LocalDynamo;
let store: DynamoQueryStore;
let spend: DynamoSpendStore;
const context = lambdaContext('bifrost-statement', 1769);

/** Athena, scripted: every query scans SCAN bytes; canceled ones scan a third of it. */
const executions = new Map<string, { state: 'SUCCEEDED' | 'CANCELLED' }>();
function executionOf(id: string): QueryExecution {
  const q = executions.get(id)!;
  const scanned = q.state === 'CANCELLED' ? SCAN / 3 : SCAN;
  return {
    QueryExecutionId: id,
    StatementType: 'DML',
    WorkGroup: 'bifrost-adhoc',
    Status: { State: q.state, SubmissionDateTime: new Date(), CompletionDateTime: new Date() },
    Statistics: { DataScannedInBytes: scanned, EngineExecutionTimeInMillis: 1000, TotalExecutionTimeInMillis: 1200, QueryQueueTimeInMillis: 10 },
    ResultConfiguration: { OutputLocation: `s3://results/${id}.csv` },
  };
}

beforeAll(async () => {
  dynamo = await startLocalDynamo([configTableDefinition('bifrost-config'), usersTableDefinition('bifrost-users')]);
  store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  spend = new DynamoSpendStore(dynamo.client, 'bifrost-config', { transactions: false });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(48) });
  let n = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async () => {
    const id = `exec-${++n}`;
    executions.set(id, { state: 'SUCCEEDED' });
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake(async (input) => ({ QueryExecution: executionOf(input.QueryExecutionId!) }));
  athena.on(BatchGetQueryExecutionCommand).callsFake(async (input) => ({ QueryExecutions: (input.QueryExecutionIds ?? []).map(executionOf), UnprocessedQueryExecutionIds: [] }));
  athena.on(StopQueryExecutionCommand).callsFake(async (input) => {
    executions.get(input.QueryExecutionId!)!.state = 'CANCELLED';
    return {};
  });
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: { Rows: [{ Data: [{ VarCharValue: 'x' }] }, { Data: [{ VarCharValue: '1' }] }], ResultSetMetadata: { ColumnInfo: [{ Name: 'x', Type: 'integer', CatalogName: 'hive', Nullable: 'UNKNOWN', Precision: 10, Scale: 0, CaseSensitive: false }] } },
  });
  handlerEnvironment(dynamo.endpoint, {
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: 'bifrost-config',
    [ENV.USERS_TABLE]: 'bifrost-users',
    [ENV.PAGE_TOKEN_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bifrost-key',
    [ENV.CONFIG_JSON]: JSON.stringify(CONFIG),
  });
});
afterAll(async () => {
  athena.restore();
  secrets.restore();
  await dynamo?.close();
});

function albEvent(method: string, url: string, user: string, body = ''): ALBEvent {
  return albRequest(method, url, body, { 'x-trino-user': [user], 'x-trino-source': ['contract-test'] });
}

interface Page {
  id: string;
  nextUri?: string;
  error?: { errorName: string; message: string; errorType: string };
  warnings: { warningCode: { code: number; name: string }; message: string }[];
  stats: { state: string };
}

async function call(method: string, url: string, user: string, body = ''): Promise<Page | undefined> {
  const { handler } = await import('../../lambdas/handlers/statement.js');
  const result = (await handler(albEvent(method, url, user, body), context)) as ALBResult;
  const text = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? '');
  return text ? (JSON.parse(text) as Page) : undefined;
}

/** Runs a statement to its end through the ALB events: every page, the warnings of the first. */
async function run(user: string, sql = 'SELECT 1 AS x'): Promise<{ first: Page; last: Page }> {
  const first = (await call('POST', '/v1/statement', user, sql))!;
  let last = first;
  for (let polls = 0; last.nextUri && polls < 50; polls++) last = (await call('GET', last.nextUri, user))!;
  return { first, last };
}

async function events(): Promise<(e: ReturnType<typeof stateEvent>) => Promise<unknown>> {
  const { handler } = await import('../../lambdas/handlers/athena-events.js');
  return (e) => handler(e, lambdaContext('bifrost-athena-events'));
}

/** Makes a final item look older than the sweeper's reconcile delay (instead of waiting two minutes). */
async function age(queryId: string): Promise<void> {
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  await doc.send(new UpdateCommand({ TableName: dynamo.tables.queries, Key: { queryId }, UpdateExpression: 'SET updatedAt = :old', ExpressionAttributeValues: { ':old': Date.now() - 3_600_000 } }));
}

async function counter(kind: 'user' | 'source' | 'target', name: string, period = periodKey('day', Date.now())) {
  return (await spend.read([{ scope: { kind, name }, period }]))[0];
}

describe('accounting under lost, duplicated and reordered events', () => {
  it('records every ended query’s scan, engine time and cost exactly once, whatever path ended it', async () => {
    const deliver = await events();
    const finished: string[] = [];
    for (let i = 0; i < 4; i++) finished.push((await run('alice')).last.id);
    const executionIds = await Promise.all(finished.map(async (id) => (await store.get(id))!.engineQueryId!));
    // Query 0: its events lost. Query 1: SUCCEEDED twice. Query 2: SUCCEEDED, then a late RUNNING. Query 3: SUCCEEDED, duplicated, reordered.
    await deliver(stateEvent(executionIds[1]!, 'SUCCEEDED', 3));
    await deliver(stateEvent(executionIds[1]!, 'SUCCEEDED', 3));
    await deliver(stateEvent(executionIds[2]!, 'SUCCEEDED', 3));
    await deliver(stateEvent(executionIds[2]!, 'RUNNING', 2));
    await deliver(stateEvent(executionIds[3]!, 'SUCCEEDED', 3));
    await deliver(stateEvent(executionIds[3]!, 'QUEUED', 1));
    await deliver(stateEvent(executionIds[3]!, 'SUCCEEDED', 3));

    // A query the client cancels while it runs: Athena bills its partial scan; its CANCELLED event is lost.
    executions.clear();
    const first = (await call('POST', '/v1/statement', 'alice', 'SELECT 2 AS x'))!;
    await call('DELETE', first.nextUri!, 'alice');
    const canceled = await store.get(first.id);
    expect(canceled?.state).toBe('CANCELED');
    expect(canceled?.statistics).toBeUndefined();
    await age(first.id);
    const { handler: sweeper } = await import('../../lambdas/handlers/sweeper.js');
    await sweeper({}, lambdaContext('bifrost-sweeper'));
    await sweeper({}, lambdaContext('bifrost-sweeper'));

    for (const id of finished) expect(await store.get(id)).toMatchObject({ state: 'FINISHED', costUsd: COST, statistics: { dataScannedBytes: SCAN, engineTimeMillis: 1000 } });
    const ended = await store.get(first.id);
    expect(ended).toMatchObject({ state: 'CANCELED', statistics: { dataScannedBytes: SCAN / 3 } });
    expect(ended?.spendDue).toBeUndefined();
    const total = 4 * SCAN + SCAN / 3;
    expect(await counter('user', 'alice')).toMatchObject({ bytes: total, queries: 5 });
    expect((await counter('user', 'alice'))!.costUsd).toBeCloseTo(4 * COST + ended!.costUsd!, 6);
    expect(await counter('user', 'alice', periodKey('month', Date.now()))).toMatchObject({ bytes: total, queries: 5 });
    expect(await counter('source', 'contract-test')).toMatchObject({ queries: 5 });
  });
});

describe('budgets at admission', () => {
  it('runs, warns past the threshold, then refuses with EXCEEDED_BUDGET naming the budget, the spend and the reset', async () => {
    const one = await run('bob');
    expect(one.first.warnings).toEqual([]);
    const two = await run('bob');
    expect(two.first.warnings).toEqual([]);
    // 2 of 3 scans spent: over the 50 % warning threshold.
    const three = await run('bob');
    expect(three.first.warnings).toHaveLength(1);
    expect(three.first.warnings[0]).toMatchObject({ warningCode: { name: 'BUDGET_WARNING' } });
    expect(three.first.warnings[0]!.message).toMatch(/bob-daily.*66%/);
    expect(three.last.stats.state).toBe('FINISHED');
    const refused = await run('bob');
    expect(refused.last.error).toMatchObject({ errorName: 'EXCEEDED_BUDGET', errorType: 'USER_ERROR' });
    expect(refused.last.error!.message).toMatch(/budget 'bob-daily' \(user bob, per day\) is exhausted: 900\.00 MB of 900\.00 MB spent this day; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
  });

  it('refuses every one of concurrent submits over the budget, and lets a granted user run with a warning', async () => {
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => run('bob')));
    for (const { last } of concurrent) expect(last.error?.errorName).toBe('EXCEEDED_BUDGET');

    const configStore = new DynamoConfigStore(dynamo.client, 'bifrost-config', parseConfig(CONFIG));
    const current = await configStore.read();
    const budgets = { ...parseConfig(CONFIG).budgets, grants: [{ id: 'g1', user: 'bob', budget: 'bob-daily', until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'quarter close', by: 'admin' }] };
    expect((await configStore.apply({ budgets, by: 'admin' }, current.version)).ok).toBe(true);
    // The gateway's config cache holds for a few seconds.
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const granted = await run('bob');
    expect(granted.last.stats.state).toBe('FINISHED');
    expect(granted.first.warnings[0]!.message).toMatch(/runs under a grant/);
  });

  it('admits concurrent submits under budget together: the overshoot is bounded by the queries in flight', async () => {
    // carol: $1 a month. Each query costs COST; all of these see the same spend (none yet) and run.
    const admitted = await Promise.all(Array.from({ length: 4 }, () => run('carol')));
    for (const { last } of admitted) expect(last.stats.state).toBe('FINISHED');
    expect(await counter('user', 'carol', periodKey('month', Date.now()))).toMatchObject({ bytes: 4 * SCAN, queries: 4 });
  });
});
