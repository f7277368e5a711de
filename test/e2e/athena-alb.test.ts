import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { fromAlbEvent, toAlbResult } from '../../lambdas/adapters/http/alb.js';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { AthenaEngine } from '../../lambdas/adapters/aws/athena/athena-engine.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../lambdas/core/gateway/index.js';
import { allowAll } from '../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../lambdas/core/routing/router.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import { BIG_ROWS, clients, FakeAthena, scenarios } from './athena-support.js';
import { albEventOf } from '../support/handlers.js';

/**
 * End to end through the ALB door: trino-client speaks HTTP to a stand-in for the load balancer,
 * which turns each request into the ALB's Lambda event (multi-value headers, query strings left
 * encoded, bodies base64) and the function's result back into HTTP, refusing results over the
 * ALB's 1 MB limit as the ALB does (502). Behind it: the ALB adapter, the gateway core with the
 * Lambda's default page limits, the DynamoDB query store on dynalite, and the Athena engine on a
 * mocked Athena and S3.
 */
const ALB_RESPONSE_LIMIT = 1024 * 1024;
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
let dynamo: LocalDynamo;
let http: Server;
let url: string;
let fake: FakeAthena;
const resultSizes: number[] = [];


beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const engine = new AthenaEngine({ ...clients(), workgroup: 'primary', tableTypes: false, statusIntervalMs: 50, freshStateMs: 0 });
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pollWaitMs: 100, pageTokenKey: randomBytes(32) },
    store: new DynamoQueryStore(dynamo.client, dynamo.tables.queries),
    engineFor: (target) => (target === 'athena' ? engine : undefined),
    router: singleTargetRouter('athena'),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
  });
  const lambda = async (event: ALBEvent): Promise<ALBResult> => toAlbResult(await gateway.handle(fromAlbEvent(event)), event);
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void lambda(albEventOf(req, Buffer.concat(chunks), http)).then((result) => {
        const size = Buffer.byteLength(JSON.stringify(result));
        resultSizes.push(size);
        if (size > ALB_RESPONSE_LIMIT) {
          res.writeHead(502).end('Bad Gateway');
          return;
        }
        const headers: Record<string, string[]> = { ...(result.multiValueHeaders as Record<string, string[]>) };
        res.writeHead(result.statusCode, headers);
        res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  await dynamo?.close();
});

beforeEach(() => {
  athenaMock.reset();
  s3Mock.reset();
  fake = new FakeAthena(athenaMock, s3Mock, scenarios());
});

async function collect(sql: string): Promise<{ rows: unknown[][]; columns: QueryResult['columns']; last: QueryResult; pages: number }> {
  const client = Trino.create({ server: url, auth: new BasicAuth('alice'), catalog: 'hive', schema: 'mydatabase' });
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  let last!: QueryResult;
  let pages = 0;
  for await (const page of await client.query(sql)) {
    pages++;
    last = page;
    if (page.error) break;
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
  }
  return { rows, columns, last, pages };
}

describe('Athena behind the ALB adapter, through trino-client', () => {
  it('returns exactly the rows of a 60-page result, every answer under the ALB limit', async () => {
    resultSizes.length = 0;
    const { rows, last, pages } = await collect('SELECT * FROM big');
    expect(last.error).toBeUndefined();
    expect(rows).toEqual(BIG_ROWS);
    expect(pages).toBeGreaterThan(1);
    expect(Math.max(...resultSizes)).toBeLessThanOrEqual(ALB_RESPONSE_LIMIT);
  });

  it('decodes every type, and reports DDL, INSERT and failures as Trino does', async () => {
    const all = await collect('SELECT * FROM all_types');
    expect(all.rows).toHaveLength(3);
    expect(all.rows[0]![10]).toBe('SGVs');
    const insert = await collect('INSERT INTO flights_copy SELECT * FROM flights');
    expect(insert.rows).toEqual([[42]]);
    expect((insert.last as QueryResult & { updateCount?: number }).updateCount).toBe(42);
    const failed = await collect('SELECT * FROM failed');
    expect(failed.last.error).toMatchObject({ errorName: 'TABLE_NOT_FOUND' });
    expect(fake.started.length).toBe(3);
  });
});
