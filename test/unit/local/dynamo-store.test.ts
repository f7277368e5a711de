import { PutItemCommand, QueryCommand, ScanCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';

/**
 * The local DynamoDB (dynalite): every Query and Scan closes the store iterator it read through,
 * in memory and on disk, so a long-running local server does not keep one per request; and the
 * temporary store of a server without a data folder is on disk and gone once closed.
 */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const open = new Set<object>();
for (const store of ['memory-level', 'classic-level']) {
  const { AbstractLevel } = createRequire(fromDynalite.resolve(store))('abstract-level') as { AbstractLevel: { prototype: Record<string, (this: unknown, r: object) => void> } };
  const attach = AbstractLevel.prototype.attachResource!;
  const detach = AbstractLevel.prototype.detachResource!;
  AbstractLevel.prototype.attachResource = function (resource) {
    open.add(resource);
    attach.call(this, resource);
  };
  AbstractLevel.prototype.detachResource = function (resource) {
    open.delete(resource);
    detach.call(this, resource);
  };
}
const openIterators = () => [...open].filter((r) => /Iterator/.test(r.constructor.name)).length;

const TABLE = 'store-iterators';
const table: CreateTableCommandInput = {
  TableName: TABLE,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'N' },
    { AttributeName: 'group', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [{ IndexName: 'by-group', KeySchema: [{ AttributeName: 'group', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
};

async function readsCloseTheirIterators(dynamo: LocalDynamo): Promise<void> {
  const { client } = dynamo;
  for (let i = 0; i < 20; i++) await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'p' }, sk: { N: String(i) }, group: { S: i % 2 ? 'odd' : 'even' } } }));
  const before = openIterators();
  for (let round = 0; round < 10; round++) {
    // Read to the end, stopped early by a limit, through an index, and a scan.
    expect((await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }))).Count).toBe(20);
    expect((await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, Limit: 3 }))).Count).toBe(3);
    expect((await client.send(new QueryCommand({ TableName: TABLE, IndexName: 'by-group', KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: 'odd' } }, Limit: 4 }))).Count).toBe(4);
    expect((await client.send(new ScanCommand({ TableName: TABLE, Limit: 5 }))).Count).toBe(5);
  }
  // Closing is asynchronous: it may finish just after the response.
  await expect.poll(() => openIterators() - before, { timeout: 2_000 }).toBe(0);
}

describe('the local DynamoDB in memory', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo([table]);
  });
  afterAll(() => dynamo?.close());

  it('keeps no folder', () => {
    expect(dynamo.path).toBeUndefined();
  });

  it('closes the iterator of every query and scan', () => readsCloseTheirIterators(dynamo));
});

describe('the local DynamoDB in a temporary folder', () => {
  let dynamo: LocalDynamo;
  // What a killed process left behind (its exit handler never ran): a process that has ended.
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  const abandoned = join(tmpdir(), `bifrost-local-${gone}-test`);
  beforeAll(async () => {
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(join(abandoned, 'CURRENT'), 'MANIFEST-000001\n');
    dynamo = await startLocalDynamo([table], { temporary: true });
  });
  afterAll(() => dynamo?.close());

  it('closes the iterator of every query and scan', () => readsCloseTheirIterators(dynamo));

  it('removes, at the first start, folders of processes that ended without removing theirs', () => {
    expect(existsSync(abandoned)).toBe(false);
  });

  it('keeps its tables on disk, in a folder of its own that close removes', async () => {
    const second = await startLocalDynamo([table], { temporary: true });
    const folder = second.path!;
    try {
      expect(folder.startsWith(join(tmpdir(), `bifrost-local-${process.pid}-`))).toBe(true);
      expect(folder).not.toBe(dynamo.path);
      expect(existsSync(folder)).toBe(true);
    } finally {
      await second.close();
    }
    expect(existsSync(folder)).toBe(false);
  });
});
