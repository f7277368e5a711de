import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { historyQuery } from '../../lambdas/core/tracking/history.js';
import type { OpenQuery } from '../../lambdas/core/ports/index.js';
import { QUERIES_TABLE, queriesTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { T0, trackingFixture, type TrackingFixture } from '../unit/tracking/support.js';

let f: TrackingFixture;
let n = 0;
const id = () => `20250301_120000_${String(++n).padStart(5, '0')}_store`;

beforeAll(async () => {
  f = await trackingFixture();
});
afterAll(async () => {
  await f.close();
});

async function raw(queryId: string) {
  const doc = DynamoDBDocumentClient.from(f.dynamo.client);
  return (await doc.send(new GetCommand({ TableName: f.dynamo.tables.queries, Key: { queryId }, ConsistentRead: true }))).Item!;
}

async function collect(iterable: AsyncIterable<OpenQuery>): Promise<OpenQuery[]> {
  const out: OpenQuery[] = [];
  for await (const q of iterable) out.push(q);
  return out;
}

describe('DynamoQueryStore transitions', () => {
  it('creates once, and keeps index attributes out of the record', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc', executionId: 'exec-create' });
    await expect(f.submit({ queryId })).rejects.toThrow();
    const record = await f.store.get(queryId);
    expect(record).toMatchObject({ queryId, target: 'adhoc', engineQueryId: 'exec-create', state: 'QUEUED' });
    expect(record).not.toHaveProperty('activeKey');
    expect(record).not.toHaveProperty('openShard');
    expect(record).not.toHaveProperty('sqlPreview');
    expect(await raw(queryId)).toMatchObject({ activeKey: `QUEUED#${queryId}`, sqlPreview: 'SELECT 1' });
  });

  it('attaches a handle once', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc' });
    expect(await f.store.attachHandle(queryId, 'adhoc', 'h1', 'e1')).toBe(true);
    expect(await f.store.attachHandle(queryId, 'adhoc', 'h2', 'e2')).toBe(false);
    expect(await f.store.get(queryId)).toMatchObject({ engineHandle: 'h1', engineQueryId: 'e1' });
  });

  it('orders by event sequence, keeps final states final and lets RUNNING go back to QUEUED', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc', executionId: 'exec-order' });
    expect(await f.store.transition(queryId, { state: 'RUNNING', eventSequence: 2 }, T0 + 1)).toBe(true);
    expect(await f.store.transition(queryId, { state: 'QUEUED', eventSequence: 1 }, T0 + 2)).toBe(false);
    expect(await f.store.transition(queryId, { state: 'RUNNING', eventSequence: 2 }, T0 + 3)).toBe(false);
    // A poll's late write of QUEUED (no sequence) never takes a running query back.
    expect(await f.store.transition(queryId, { state: 'QUEUED', forwardOnly: true }, T0 + 3)).toBe(false);
    expect(await f.store.transition(queryId, { state: 'QUEUED', eventSequence: 3 }, T0 + 4)).toBe(true);
    expect((await raw(queryId)).activeKey).toBe(`QUEUED#${queryId}`);
    expect(await f.store.transition(queryId, { state: 'FINISHED', eventSequence: 5 }, T0 + 5)).toBe(true);
    expect(await f.store.transition(queryId, { state: 'RUNNING', eventSequence: 9 }, T0 + 6)).toBe(false);
    expect(await f.store.transition(queryId, { state: 'FAILED' }, T0 + 7)).toBe(false);
    const item = await raw(queryId);
    expect(item).toMatchObject({ state: 'FINISHED', eventSequence: 5, endedAt: T0 + 5 });
    expect(item.activeKey).toBeUndefined();
    expect(item.openShard).toBeUndefined();
  });

  it('records an error, a cancel reason and stats with the final state', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc', executionId: 'exec-error' });
    const error = { message: 'boom', errorCode: 65536, errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR' as const };
    expect(await f.store.transition(queryId, { state: 'FAILED', error, endReason: 'engine failed', stats: { elapsedTimeMillis: 5 }, updateType: 'INSERT', updateCount: 3 }, T0 + 9)).toBe(true);
    expect(await f.store.get(queryId)).toMatchObject({ state: 'FAILED', error, endReason: 'engine failed', stats: { elapsedTimeMillis: 5 }, updateType: 'INSERT', updateCount: 3, endedAt: T0 + 9, updatedAt: T0 + 9 });
  });

  it('refuses a transition of an unknown query', async () => {
    expect(await f.store.transition('20250301_000000_00000_nope0', { state: 'RUNNING' }, T0)).toBe(false);
  });

  it('ends an abandoned query only if the client did not poll since', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'legacy', createdAt: T0 });
    await f.store.touch(queryId, T0 + 200_000);
    expect(await f.store.transition(queryId, { state: 'CANCELED', onlyIfPolledBefore: T0 + 100_000 }, T0 + 400_000)).toBe(false);
    expect(await f.store.transition(queryId, { state: 'CANCELED', onlyIfPolledBefore: T0 + 300_000 }, T0 + 600_000)).toBe(true);
    const never = id();
    await f.submit({ queryId: never, createdAt: T0 });
    expect(await f.store.transition(never, { state: 'CANCELED', onlyIfPolledBefore: T0 + 1 }, T0 + 600_000)).toBe(true);
  });

  it('adds statistics once, and only to a final query', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc', executionId: 'exec-stats' });
    expect(await f.store.recordStatistics(queryId, { statistics: { dataScannedBytes: 1 }, costUsd: 0.1 }, T0)).toBe(false);
    await f.store.transition(queryId, { state: 'CANCELED', endReason: 'canceled by the client (DELETE)' }, T0 + 1);
    expect(await f.store.recordStatistics(queryId, { statistics: { dataScannedBytes: 1 }, costUsd: 0.1 }, T0 + 2)).toBe(true);
    expect(await f.store.recordStatistics(queryId, { statistics: { dataScannedBytes: 2 }, costUsd: 0.2 }, T0 + 3)).toBe(false);
    expect(await f.store.get(queryId)).toMatchObject({ state: 'CANCELED', endReason: 'canceled by the client (DELETE)', statistics: { dataScannedBytes: 1 }, costUsd: 0.1 });
  });
});

describe('DynamoQueryStore indexes', () => {
  it('finds a query by its engine query id', async () => {
    const queryId = id();
    await f.submit({ queryId, target: 'adhoc', executionId: 'exec-find' });
    expect(await f.store.findByEngineQueryId('exec-find')).toBe(queryId);
    expect(await f.store.findByEngineQueryId('exec-unknown')).toBeUndefined();
  });

  it('counts depth per target and state from the sparse index, across pages', async () => {
    const target = 'depth-target';
    const ids = Array.from({ length: 30 }, () => id());
    for (const [i, queryId] of ids.entries()) await f.submit({ queryId, target, executionId: `exec-depth-${i}` });
    // A query routed nowhere yet and a final one never count.
    await f.submit({ queryId: id() });
    await f.submit({ queryId: id(), target, state: 'FAILED' });
    for (const queryId of ids.slice(0, 12)) await f.store.transition(queryId, { state: 'RUNNING' }, T0);
    for (const queryId of ids.slice(0, 3)) await f.store.transition(queryId, { state: 'FINISHED' }, T0);
    for (const queryId of ids.slice(12, 14)) await f.store.transition(queryId, { state: 'CANCELED' }, T0);
    expect(await f.store.depth(target)).toEqual({ queued: 16, running: 9 });
    expect(await f.store.depth('no-such-target')).toEqual({ queued: 0, running: 0 });
  });

  it('lists non-final queries that are idle or abandoned, and nothing final', async () => {
    const stale = id();
    const abandoned = id();
    const fresh = id();
    const done = id();
    await f.submit({ queryId: stale, target: 'adhoc', executionId: 'exec-idle-1', createdAt: T0 - 1_000_000 });
    await f.store.touch(stale, T0 - 10_000);
    await f.submit({ queryId: abandoned, createdAt: T0 - 400_000 });
    await f.store.transition(abandoned, { state: 'QUEUED' }, T0 - 1_000);
    await f.submit({ queryId: fresh, target: 'adhoc', executionId: 'exec-idle-2', createdAt: T0 - 1_000 });
    await f.submit({ queryId: done, target: 'adhoc', executionId: 'exec-idle-3', createdAt: T0 - 1_000_000 });
    await f.store.transition(done, { state: 'FINISHED' }, T0 - 900_000);
    const listed = await collect(f.store.listIdle({ updatedBefore: T0 - 120_000, polledBefore: T0 - 300_000 }));
    const ids = listed.map((q) => q.queryId);
    expect(ids).toContain(stale);
    expect(ids).toContain(abandoned);
    expect(ids).not.toContain(fresh);
    expect(ids).not.toContain(done);
    expect(listed.find((q) => q.queryId === stale)).toMatchObject({ state: 'QUEUED', target: 'adhoc', engineQueryId: 'exec-idle-1', lastPollAt: T0 - 10_000 });
  });
});

describe('DynamoQueryStore history', () => {
  it('pages a user history newest first within the time range, skipping expired items', async () => {
    const user = 'hist-user';
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const queryId = id();
      created.push(queryId);
      await f.submit({ queryId, user, target: 'adhoc', createdAt: T0 + i * 1000 });
    }
    // Retention passed but TTL has not deleted it yet.
    const expired = id();
    await f.store.create({ queryId: expired, user, dialect: 'trino', sql: 'SELECT 2', sqlDigest: 'd', state: 'FINISHED', createdAt: T0 + 3500, updatedAt: T0, expiresAt: Math.floor(T0 / 1000) - 1 });
    const now = T0 + 10_000;
    const first = await f.store.byUser(user, historyQuery({ from: T0 + 1000, to: T0 + 6000, limit: 3 }, now), now);
    expect(first.items.map((i) => i.queryId)).toEqual([created[6], created[5], created[4]]);
    expect(first.items[0]).toMatchObject({ user, state: 'QUEUED', target: 'adhoc', sqlPreview: 'SELECT 1', sqlDigest: expect.any(String) });
    expect(first.items[0]).not.toHaveProperty('sql');
    expect(first.cursor).toBeDefined();
    const second = await f.store.byUser(user, historyQuery({ from: T0 + 1000, to: T0 + 6000, limit: 3, cursor: first.cursor }, now), now);
    expect(second.items.map((i) => i.queryId)).toEqual([created[3], created[2], created[1]]);
    expect(second.cursor).toBeUndefined();
    expect(await f.store.find(expired, now)).toBeUndefined();
    expect(await f.store.find(created[0]!, now)).toMatchObject({ queryId: created[0], sql: 'SELECT 1' });
  });

  it('lists a target history by state', async () => {
    const target = 'hist-target';
    const failed: string[] = [];
    for (let i = 0; i < 9; i++) {
      const queryId = id();
      await f.submit({ queryId, target, createdAt: T0 + i });
      if (i % 3 === 0) {
        await f.store.transition(queryId, { state: 'FAILED' }, T0 + 100);
        failed.unshift(queryId);
      }
    }
    const now = T0 + 1000;
    const page = await f.store.byTarget(target, { ...historyQuery({ from: T0, to: T0 + 100, limit: 2 }, now), state: 'FAILED' }, now);
    expect(page.items.map((i) => i.queryId)).toEqual(failed.slice(0, 2));
    expect(page.items.every((i) => i.state === 'FAILED')).toBe(true);
    const rest = await f.store.byTarget(target, { ...historyQuery({ from: T0, to: T0 + 100, limit: 2, cursor: page.cursor }, now), state: 'FAILED' }, now);
    expect(rest.items.map((i) => i.queryId)).toEqual(failed.slice(2));
    expect((await f.store.byTarget(target, historyQuery({ from: T0, to: T0 + 100, limit: 50 }, now), now)).items).toHaveLength(9);
  });

  it('rejects a forged cursor', async () => {
    await expect(f.store.byUser('x', { from: 0, to: T0, limit: 5, cursor: '!!!' }, T0)).rejects.toThrow(/cursor/);
  });
});

describe('table definition', () => {
  it('declares every index the store uses, sparse ones keyed on attributes that exist only while needed', () => {
    const def = queriesTableDefinition('t');
    const names = def.GlobalSecondaryIndexes!.map((i) => i.IndexName);
    expect(names).toEqual(expect.arrayContaining(['active-by-target', 'open-queries', 'by-engine-id', 'by-user', 'by-target']));
    const active = def.GlobalSecondaryIndexes!.find((i) => i.IndexName === QUERIES_TABLE.activeIndex.name)!;
    expect(active.KeySchema).toEqual([
      { AttributeName: 'target', KeyType: 'HASH' },
      { AttributeName: 'activeKey', KeyType: 'RANGE' },
    ]);
    expect(active.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
    for (const index of def.GlobalSecondaryIndexes!) {
      const keys = index.KeySchema!.map((k) => k.AttributeName);
      expect(index.Projection!.NonKeyAttributes ?? []).not.toContain('queryId');
      for (const key of keys) expect(index.Projection!.NonKeyAttributes ?? []).not.toContain(key);
    }
  });
});
