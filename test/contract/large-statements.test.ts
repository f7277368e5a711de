/**
 * Nothing lost from history: statements of every size are recorded on DynamoDB
 * (dynalite), where an item holds 400 KB. Large texts are stored gzip-compressed in a binary
 * attribute; one too large even so is recorded shortened and refused with a clear user error.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import type { Engine, EngineSubmission, GatewayRequest, QueryRecord } from '../../lambdas/core/ports/index.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../lambdas/core/gateway/index.js';
import { allowAll } from '../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../lambdas/core/routing/router.js';
import { isRecordTooLarge } from '../../lambdas/core/stores/query-store.js';
import { historyQuery } from '../../lambdas/core/tracking/history.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';

let dynamo: LocalDynamo;
let store: DynamoQueryStore;
let n = 0;
const T0 = Date.UTC(2025, 2, 1, 12);
const id = () => `20250301_120000_${String(++n).padStart(5, '0')}_large`;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
});
afterAll(async () => {
  await dynamo?.close();
});

async function raw(queryId: string) {
  return (await DynamoDBDocumentClient.from(dynamo.client).send(new GetCommand({ TableName: dynamo.tables.queries, Key: { queryId }, ConsistentRead: true }))).Item!;
}

const inList = (count: number) => `SELECT c_name FROM customer WHERE c_custkey IN (${Array.from({ length: count }, (_, i) => i + 1).join(',')})`;
/** Text that does not compress: random base64 strings. */
const incompressible = (bytes: number) => `SELECT 1 FROM t WHERE x IN (${Array.from({ length: Math.ceil(bytes / 700) }, () => `'${randomBytes(512).toString('base64')}'`).join(', ')})`;

function record(queryId: string, sql: string, extra: Partial<QueryRecord> = {}): QueryRecord {
  return { queryId, user: 'large-user', dialect: 'trino', sql, sqlDigest: 'd', state: 'QUEUED', createdAt: T0 + n, updatedAt: T0, expiresAt: Math.floor(T0 / 1000) + 86_400, ...extra };
}

describe('the store', () => {
  it('keeps a statement of a 40,000-value IN list whole, compressed, and gives it back as it was', async () => {
    const queryId = id();
    const sql = inList(40_000);
    expect(sql.length).toBeGreaterThan(220_000);
    const sessionJson = JSON.stringify({ plan: { v: 2, sql: sql.replace('customer', 'tpch.tiny.customer') } });
    await store.create(record(queryId, sql, { sessionJson }));
    const item = await raw(queryId);
    expect(item.sql).toBeUndefined();
    expect(item.sqlGzip).toBeInstanceOf(Uint8Array);
    expect((item.sqlGzip as Uint8Array).length).toBeLessThan(150_000);
    expect(item.sqlPreview).toBe(sql.slice(0, 500));
    const back = await store.get(queryId);
    expect(back).toMatchObject({ sql, sessionJson });
    expect(back).not.toHaveProperty('sqlGzip');
    expect(back).not.toHaveProperty('sessionJsonGzip');
    expect(await store.transition(queryId, { state: 'FINISHED' }, T0 + 5)).toBe(true);
    expect((await store.get(queryId))!.sql).toBe(sql);
  });

  it('keeps short statements as plain text', async () => {
    const queryId = id();
    await store.create(record(queryId, 'SELECT 1'));
    expect(await raw(queryId)).toMatchObject({ sql: 'SELECT 1' });
  });

  it('refuses an item it cannot hold even compressed, with an error the gateway recognizes', async () => {
    const queryId = id();
    const error = await store.create(record(queryId, incompressible(600_000))).catch((e: unknown) => e);
    expect(isRecordTooLarge(error)).toBe(true);
    expect(await store.get(queryId)).toBeUndefined();
  });

  it('records the access decision of a later cross-check, and with a final transition', async () => {
    const queryId = id();
    await store.create(record(queryId, 'SELECT 1', { access: { allowed: true } }));
    await store.recordAccess(queryId, { allowed: true, crossCheck: { target: 'local', allowed: true, ms: 1.5 } });
    expect((await store.get(queryId))!.access).toEqual({ allowed: true, crossCheck: { target: 'local', allowed: true, ms: 1.5 } });
    await store.transition(queryId, { state: 'FAILED', access: { allowed: true, crossCheck: { allowed: false } } }, T0 + 1);
    expect((await store.get(queryId))!.access).toEqual({ allowed: true, crossCheck: { allowed: false } });
  });
});

describe('the gateway on DynamoDB', () => {
  const submitted: EngineSubmission[] = [];
  const engine: Engine = {
    submit: async (s) => {
      submitted.push(s);
      return { handle: `h${submitted.length}`, state: 'QUEUED' };
    },
    poll: async () => ({ state: 'FINISHED', columns: [{ name: 'c_name', type: { kind: 'simple', name: 'varchar', params: [] } }], rows: [['Customer#000000001']] }),
    cancel: async () => undefined,
    health: async () => ({ healthy: true }),
  };
  const gateway = (maxSqlBytes = DEFAULT_GATEWAY_CONFIG.maxSqlBytes) =>
    createGateway({ config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0, maxSqlBytes }, store, engineFor: () => engine, router: singleTargetRouter('e'), authenticator: headerAuthenticator, accessControl: allowAll });
  const request = (method: string, path: string, body = ''): GatewayRequest => ({ method, path, query: {}, headers: { 'x-trino-user': ['large-user'] }, body: Buffer.from(body), baseUrl: 'http://gw' });

  async function run(g: ReturnType<typeof gateway>, sql: string) {
    let page = JSON.parse(String((await g.handle(request('POST', '/v1/statement', sql))).body)) as { id: string; nextUri?: string; stats: { state: string }; error?: { errorName: string; errorType: string; message: string } };
    const queryId = page.id;
    while (page.nextUri) page = JSON.parse(String((await g.handle(request('GET', new URL(page.nextUri).pathname))).body)) as typeof page;
    return { queryId, page };
  }

  it('runs a 40,000-value IN list and keeps it in history', async () => {
    const sql = inList(40_000);
    const { queryId, page } = await run(gateway(), sql);
    expect(page.error, JSON.stringify(page.error)).toBeUndefined();
    expect(page.stats.state).toBe('FINISHED');
    expect(submitted.at(-1)!.sql).toBe(sql);
    expect((await store.get(queryId))!.sql).toBe(sql);
    const history = await store.byUser('large-user', historyQuery({ from: 0, to: Date.now() + 1000, limit: 100 }, Date.now()), Date.now());
    expect(history.items.map((i) => i.queryId)).toContain(queryId);
  });

  it('refuses a statement over maxSqlBytes with a clear user error, and keeps the attempt', async () => {
    const sql = inList(60_000);
    const { queryId, page } = await run(gateway(), sql);
    expect(page.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR' });
    expect(await store.get(queryId)).toMatchObject({ state: 'FAILED', sql, error: { errorName: 'QUERY_TEXT_TOO_LARGE' } });
  });

  it('records a statement too large to keep whole, shortened, and refuses it clearly', async () => {
    const sql = incompressible(900_000);
    const before = submitted.length;
    const { queryId, page } = await run(gateway(2_000_000), sql);
    expect(page.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR', message: expect.stringMatching(/too large to be recorded/) });
    const item = await store.get(queryId);
    expect(item).toMatchObject({ state: 'FAILED', sqlTruncated: true });
    expect(sql.startsWith(item!.sql)).toBe(true);
    expect(submitted.length).toBe(before);
  });
});
