import { AthenaClient, BatchGetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { configTableDefinition, usersTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { ALICE_RULES } from '../support/alice-rules.js';
import { startFakeEventBridge, type FakeEventBridge, type RecordedEntry } from '../support/event-bridge-server.js';
import { albJson, albRequest, handlerEnvironment, lambdaContext } from '../support/handlers.js';
import { stateEvent } from '../unit/tracking/support.js';

/**
 * Bifrost's events as deployed: the statement and Athena-events functions' handler modules with
 * their real adapters (DynamoDB on dynalite, a live cluster that is a second Bifrost), publishing
 * through the EventBridge adapter to PutEvents served locally. Each lifecycle path publishes its
 * events once; a bus that throttles, fails or never answers changes no answer and delays no
 * invocation by more than events.flushWaitMs; what a bus refuses for a while is delivered later.
 */
const FLUSH_WAIT_MS = 200;
const secrets = mockClient(SecretsManagerClient);
const athena = mockClient(AthenaClient);
let dynamo: LocalDynamo;
let upstream: LocalServer;
let bus: FakeEventBridge;
let statement: (event: ALBEvent) => Promise<ALBResult>;
let athenaEvents: (event: unknown) => Promise<unknown>;
const context = lambdaContext('bifrost-statement', 1769);

function albEvent(method: string, url: string, body = '', tags?: string): ALBEvent {
  return albRequest(method, url, body, { 'x-trino-user': ['alice'], 'x-trino-source': ['etl-runner'], ...(tags ? { 'x-trino-client-tags': [tags] } : {}) });
}

interface Page {
  id: string;
  nextUri?: string;
  data?: unknown[][];
  error?: { errorName: string };
  stats: { state: string };
}

const page = (result: ALBResult): Page => albJson<Page>(result);

/** Runs a statement to its end; the answer, and how long each invocation took. */
async function run(sql: string, tags?: string): Promise<{ id: string; state: string; rows: unknown[][]; error?: string; invocationsMs: number[] }> {
  const invocationsMs: number[] = [];
  const timed = async (event: ALBEvent) => {
    const started = performance.now();
    const result = await statement(event);
    invocationsMs.push(performance.now() - started);
    return page(result);
  };
  let current = await timed(albEvent('POST', '/v1/statement', sql, tags));
  const rows: unknown[][] = [];
  for (let polls = 0; current.nextUri && polls < 200; polls++) {
    current = await timed(albEvent('GET', current.nextUri));
    if (current.data) rows.push(...current.data);
  }
  return { id: current.id, state: current.stats.state, rows, ...(current.error ? { error: current.error.errorName } : {}), invocationsMs };
}

const ofQuery = (queryId: string) => (entries: RecordedEntry[]) => entries.filter((e) => e.detail.queryId === queryId);
const typesOf = (entries: RecordedEntry[]) => entries.map((e) => e.detailType);
const ORDER = ['Query Submitted', 'Query Routed', 'Query Denied', 'Query Finished', 'Query Failed', 'Query Canceled'];

beforeAll(async () => {
  upstream = await startLocalServer({ gateway: { pollWaitMs: 100 } });
  bus = await startFakeEventBridge();
  dynamo = await startLocalDynamo([configTableDefinition('bifrost-config'), usersTableDefinition('bifrost-users')]);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(48) });
  handlerEnvironment(dynamo.endpoint, {
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: 'bifrost-config',
    [ENV.USERS_TABLE]: 'bifrost-users',
    [ENV.PAGE_TOKEN_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bifrost-key',
    [ENV.EVENT_BUS_NAME]: 'bifrost-test-bus',
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    [ENV.CONFIG_JSON]: JSON.stringify({
      version: 1,
      gateway: { pollWaitMs: 100, environment: 'test', pricePerTerabyteUsd: 5 },
      auth: { methods: [{ type: 'header' }] },
      access: ALICE_RULES,
      targets: { live: { type: 'trino', url: upstream.url }, adhoc: { type: 'athena', workgroup: 'bifrost-adhoc' } },
      routingGroups: { main: { targets: ['live'] } },
      defaultRoutingGroup: 'main',
      events: { enabled: true, source: 'bifrost.test', types: { querySubmitted: true, queryRouted: true }, flushWaitMs: FLUSH_WAIT_MS },
    }),
  });
  const s = (await import('../../lambdas/handlers/statement.js')).handler as unknown as (e: ALBEvent, c: unknown) => Promise<ALBResult>;
  statement = (event) => s(event, context);
  const a = (await import('../../lambdas/handlers/athena-events.js')).handler as unknown as (e: unknown, c: unknown) => Promise<unknown>;
  athenaEvents = (event) => a(event, lambdaContext('bifrost-athena-events'));
});
afterAll(async () => {
  secrets.restore();
  athena.restore();
  await bus?.close();
  await upstream?.close();
  await dynamo?.close();
});
beforeEach(() => {
  bus.behave = () => ({ kind: 'accept' });
});

describe('events of each lifecycle path, through the statement function', () => {
  it('a query that succeeds: Submitted, Routed, Finished, once each, on the stack bus with the source and client tags', async () => {
    const result = await run('SELECT n_name FROM tpch.tiny.nation ORDER BY n_nationkey LIMIT 3', 'nightly,etl');
    expect(result).toMatchObject({ state: 'FINISHED', rows: [['ALGERIA'], ['ARGENTINA'], ['BRAZIL']] });
    await bus.until((all) => ofQuery(result.id)(all).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // EventBridge keeps no order: each once is what counts.
    const events = ofQuery(result.id)(bus.accepted).sort((a, b) => ORDER.indexOf(a.detailType) - ORDER.indexOf(b.detailType));
    expect(typesOf(events)).toEqual(['Query Submitted', 'Query Routed', 'Query Finished']);
    for (const e of events) expect(e).toMatchObject({ eventBusName: 'bifrost-test-bus', source: 'bifrost.test', detail: { user: 'alice', clientTags: ['nightly', 'etl'], clientSource: 'etl-runner', environment: 'test' } });
    expect(events[2]!.detail).toMatchObject({ target: 'live', engine: 'trino', state: 'FINISHED', eventId: `test:${result.id}:query-finished` });
    expect(JSON.stringify(events)).not.toContain('n_name');
    expect(bus.calls.every((c) => c.target === 'AWSEvents.PutEvents' && c.contentType === 'application/x-amz-json-1.1')).toBe(true);
  });

  it('a query the engine fails: Failed with its error name, no message', async () => {
    const result = await run('SELECT * FROM memory.default.no_such_table');
    expect(result.state).toBe('FAILED');
    await bus.until((all) => ofQuery(result.id)(all).some((e) => e.detailType === 'Query Failed'));
    const failed = ofQuery(result.id)(bus.accepted).filter((e) => e.detailType === 'Query Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({ state: 'FAILED', errorName: result.error, target: 'live' });
    expect(failed[0]!.detail).not.toHaveProperty('errorMessage');
  });

  it('a query the access rules deny: Denied with the rule and reason, nothing else but Submitted', async () => {
    const result = await run('SELECT o_totalprice FROM tpch.tiny.orders');
    expect(result).toMatchObject({ state: 'FAILED', error: 'PERMISSION_DENIED' });
    await bus.until((all) => ofQuery(result.id)(all).length >= 2);
    const events = ofQuery(result.id)(bus.accepted).sort((a, b) => ORDER.indexOf(a.detailType) - ORDER.indexOf(b.detailType));
    expect(typesOf(events)).toEqual(['Query Submitted', 'Query Denied']);
    expect(events[1]!.detail).toMatchObject({ deniedBy: 'access-rules', errorName: 'PERMISSION_DENIED', engine: 'gateway' });
    expect(String(events[1]!.detail.reason)).toMatch(/orders/);
    expect(JSON.stringify(events[1]!.detail)).not.toContain('o_totalprice FROM');
  });

  it('a query the client cancels: Canceled once, even when DELETE is sent twice', async () => {
    const first = page(await statement(albEvent('POST', '/v1/statement', 'SELECT count(*) FROM tpch.tiny.nation')));
    expect(first.nextUri).toBeDefined();
    expect((await statement(albEvent('DELETE', first.nextUri!))).statusCode).toBe(204);
    expect((await statement(albEvent('DELETE', first.nextUri!))).statusCode).toBe(204);
    await bus.until((all) => ofQuery(first.id)(all).some((e) => e.detailType === 'Query Canceled'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const canceled = ofQuery(first.id)(bus.accepted).filter((e) => e.detailType === 'Query Canceled');
    expect(canceled).toHaveLength(1);
    expect(canceled[0]!.detail).toMatchObject({ errorName: 'USER_CANCELED', reason: 'canceled by the client (DELETE)' });
  });
});

describe('events of Athena queries, through the Athena-events function', () => {
  it('finishes once with data scanned and cost, however often Athena repeats its event', async () => {
    const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
    const queryId = '20250301_120000_00001_evnts';
    const now = Date.now();
    await store.create({ queryId, user: 'bob', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state: 'QUEUED', target: 'adhoc', createdAt: now - 2_000, updatedAt: now - 2_000 });
    await store.attachHandle(queryId, 'adhoc', 'handle-evt-1', 'exec-evt-1');
    athena.on(BatchGetQueryExecutionCommand).resolves({
      QueryExecutions: [{ QueryExecutionId: 'exec-evt-1', StatementType: 'DML', Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date(), CompletionDateTime: new Date() }, Statistics: { DataScannedInBytes: 2 ** 40, TotalExecutionTimeInMillis: 1000 }, WorkGroup: 'bifrost-adhoc' }],
      UnprocessedQueryExecutionIds: [],
    });
    expect(await athenaEvents(stateEvent('exec-evt-1', 'SUCCEEDED', '3'))).toMatchObject({ outcome: 'applied' });
    expect(await athenaEvents(stateEvent('exec-evt-1', 'SUCCEEDED', '3'))).toMatchObject({ outcome: 'stale' });
    await bus.until((all) => ofQuery(queryId)(all).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = ofQuery(queryId)(bus.accepted);
    expect(typesOf(events)).toEqual(['Query Finished']);
    expect(events[0]!.detail).toMatchObject({ engine: 'athena', engineQueryId: 'exec-evt-1', dataScannedBytes: 2 ** 40, costUsd: 5, user: 'bob' });
  });
});

describe('a bus in trouble', () => {
  it('throttled, failing or silent: the query answers the same, no invocation waits more than flushWaitMs for it', async () => {
    const sql = 'SELECT r_name FROM tpch.tiny.region ORDER BY r_regionkey';
    const healthy = await run(sql);
    for (const behave of [() => ({ kind: 'throttle' as const }), () => ({ kind: 'error' as const, status: 500, type: 'InternalException' }), () => ({ kind: 'hang' as const })]) {
      bus.behave = behave;
      const troubled = await run(sql);
      expect({ state: troubled.state, rows: troubled.rows }).toEqual({ state: healthy.state, rows: healthy.rows });
      // Each invocation: its own work (as long as when the bus is well, give or take) plus at most the flush wait.
      const slowest = Math.max(...healthy.invocationsMs);
      for (const ms of troubled.invocationsMs) expect(ms).toBeLessThan(slowest + FLUSH_WAIT_MS + 400);
    }
  });

  it('throttled for a while, then well: every event arrives, once', async () => {
    let throttled = 0;
    bus.behave = () => (throttled++ < 3 ? { kind: 'throttle' } : { kind: 'accept' });
    const result = await run('SELECT r_name FROM tpch.tiny.region LIMIT 1', 'throttled');
    await bus.until((all) => ofQuery(result.id)(all).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = ofQuery(result.id)(bus.accepted);
    expect(typesOf(events).sort()).toEqual(['Query Finished', 'Query Routed', 'Query Submitted']);
    expect(throttled).toBeGreaterThan(3);
  });

  it('refusing some entries of a call (partial failure): only those are sent again, none twice', async () => {
    const attempts = new Map<string, number>();
    bus.behave = () => ({
      kind: 'partial',
      fail: (entry) => {
        const n = (attempts.get(entry.detail.eventId) ?? 0) + 1;
        attempts.set(entry.detail.eventId, n);
        return entry.detailType === 'Query Routed' && n === 1 ? 'ThrottlingException' : entry.detailType === 'Query Submitted' && n === 1 ? 'InternalFailure' : undefined;
      },
    });
    const result = await run('SELECT r_name FROM tpch.tiny.region LIMIT 2', 'partial');
    await bus.until((all) => ['Query Submitted', 'Query Routed', 'Query Finished'].every((t) => ofQuery(result.id)(all).some((e) => e.detailType === t)));
    const events = ofQuery(result.id)(bus.accepted);
    expect(events).toHaveLength(3);
    const ids = events.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(3);
    expect(ids.map((id) => attempts.get(id))).toEqual(expect.arrayContaining([2, 2, 1]));
  });
});
