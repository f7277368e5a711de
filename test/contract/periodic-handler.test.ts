import { AthenaClient, BatchGetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closedPort, handlerEnvironment, lambdaContext } from '../support/handlers.js';
import { DynamoHealthStore } from '../../lambdas/adapters/aws/dynamo-health-store.js';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { configTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { METRICS } from '../../lambdas/contract.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';

/**
 * The sweeper function as deployed: its handler module, its real adapters (DynamoDB on dynalite,
 * Athena's SDK client mocked), the config from the environment. It is the periodic job both homes
 * run: cluster health is checked and stored where routing reads it, and queue depth is published
 * as the QueueDepth metric the queue-full alarms watch.
 */
const context = lambdaContext('bifrost-sweeper', 512, 55_000);

const athena = mockClient(AthenaClient);
let dynamo: LocalDynamo;
let store: DynamoQueryStore;
const CONFIG_TABLE = 'bifrost-config';


beforeAll(async () => {
  dynamo = await startLocalDynamo([configTableDefinition(CONFIG_TABLE)]);
  store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  const config = {
    version: 1,
    targets: {
      adhoc: { type: 'athena', workgroup: 'bifrost-adhoc', queueLimit: 5 },
      dead: { type: 'trino', url: `http://127.0.0.1:${await closedPort()}`, unhealthyAfter: 2 },
    },
    routingGroups: { main: { targets: ['dead', 'adhoc'] } },
    defaultRoutingGroup: 'main',
  };
  handlerEnvironment(dynamo.endpoint, {
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: CONFIG_TABLE,
    [ENV.CONFIG_JSON]: JSON.stringify(config),
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await dynamo.close();
});

describe('the sweeper function (the periodic job, deployed)', () => {
  it('marks a dead cluster unhealthy after its threshold and publishes each target\'s queue depth with the Target dimension alone', async () => {
    const now = Date.now();
    for (const [i, id] of ['exec-1', 'exec-2'].entries()) {
      await store.create({ queryId: `q-${i}`, user: 'alice', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state: 'QUEUED', target: 'adhoc', createdAt: now, updatedAt: now });
      await store.attachHandle(`q-${i}`, 'adhoc', `handle-${id}`, id);
    }
    athena.on(BatchGetQueryExecutionCommand).callsFake((input: { QueryExecutionIds: string[] }) => ({
      QueryExecutions: input.QueryExecutionIds.map((id) => ({ QueryExecutionId: id, WorkGroup: 'bifrost-adhoc', Status: { State: 'RUNNING', SubmissionDateTime: new Date(now) } })),
      UnprocessedQueryExecutionIds: [],
    }));
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const { handler } = await import('../../lambdas/handlers/sweeper.js');
    const health = new DynamoHealthStore(dynamo.client, CONFIG_TABLE);

    await handler({}, context);
    expect((await health.get(['dead'])).get('dead')).toMatchObject({ healthy: true, consecutiveFailures: 1 });
    await handler({}, context);
    const state = (await health.get(['dead'])).get('dead')!;
    expect(state).toMatchObject({ healthy: false, consecutiveFailures: 2 });
    expect(state.detail).toBeTruthy();

    const emf = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"CloudWatchMetrics"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const depth = emf.filter((m) => METRICS.queueDepth.name in m);
    const byTarget = (t: string) => depth.filter((m) => m[METRICS.queueDepth.dimension] === t).map((m) => m[METRICS.queueDepth.name]);
    expect(byTarget('adhoc')).toEqual([2, 2]);
    expect(byTarget('dead')).toEqual([0, 0]);
    for (const m of depth) {
      const [metric] = (m._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics;
      expect(metric).toMatchObject({ Namespace: METRICS.namespace, Dimensions: [[METRICS.queueDepth.dimension]] });
    }
  });
});
