import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHealthStore } from '../../lambdas/adapters/aws/dynamo-health-store.js';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { configTableDefinition, usersTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { albJson, albRequest, closedPort, handlerEnvironment, lambdaContext } from '../support/handlers.js';

/**
 * Failover as deployed: the statement function's handler module with its real adapters (DynamoDB
 * on dynalite, the key from a mocked Secrets Manager), behind ALB events. Its routing chain is
 * [a cluster whose port refuses connections, a live cluster (a second Bifrost speaking Trino)]:
 * the query runs on the live one, its item says why, and the dead one is marked unhealthy where
 * every instance's routing reads health.
 */
const secrets = mockClient(SecretsManagerClient);
let dynamo: LocalDynamo;
let upstream: LocalServer;
let deadUrl: string;


function albEvent(method: string, url: string, body = ''): ALBEvent {
  return albRequest(method, url, body, { 'x-trino-user': ['alice'], 'x-forwarded-for': ['198.51.100.7'] });
}

interface Page {
  id: string;
  nextUri?: string;
  data?: unknown[][];
  error?: { errorName: string };
  stats: { state: string };
}

function page(result: ALBResult): Page {
  return albJson<Page>(result);
}

beforeAll(async () => {
  upstream = await startLocalServer({ gateway: { pollWaitMs: 100 } });
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
  dynamo = await startLocalDynamo([configTableDefinition('bifrost-config'), usersTableDefinition('bifrost-users')]);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(48) });
  handlerEnvironment(dynamo.endpoint, {
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: 'bifrost-config',
    [ENV.USERS_TABLE]: 'bifrost-users',
    [ENV.PAGE_TOKEN_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bifrost-key',
    [ENV.CONFIG_JSON]: JSON.stringify({
      version: 1,
      gateway: { pollWaitMs: 100 },
      auth: { methods: [{ type: 'header' }] },
      targets: { dead: { type: 'trino', url: deadUrl, unhealthyAfter: 3 }, live: { type: 'trino', url: upstream.url } },
      routingGroups: { main: { targets: ['dead', 'live'] } },
      defaultRoutingGroup: 'main',
    }),
  });
});
afterAll(async () => {
  secrets.restore();
  await upstream?.close();
  await dynamo?.close();
});

describe('the statement function behind the ALB', () => {
  it('fails a query over from a cluster that refuses connections to the next of its chain', async () => {
    const { handler } = await import('../../lambdas/handlers/statement.js');
    const context = lambdaContext('bifrost-statement', 1769);
    let current = page((await handler(albEvent('POST', '/v1/statement', 'SELECT 42'), context)) as ALBResult);
    const rows: unknown[][] = [];
    for (let polls = 0; current.nextUri && polls < 100; polls++) {
      current = page((await handler(albEvent('GET', current.nextUri), context)) as ALBResult);
      if (current.data) rows.push(...current.data);
    }
    expect(current.error).toBeUndefined();
    expect(current.stats.state).toBe('FINISHED');
    expect(rows).toEqual([[42]]);

    const item = await new DynamoQueryStore(dynamo.client, dynamo.tables.queries).get(current.id);
    expect(item?.target).toBe('live');
    expect(JSON.stringify(item?.routing)).toMatch(/'dead' unreachable/);
    const health = (await new DynamoHealthStore(dynamo.client, 'bifrost-config').get(['dead'])).get('dead');
    expect(health).toMatchObject({ healthy: false });
  });
});
