import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoQueryStore } from '../../lambdas/adapters/aws/dynamo-query-store.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import type { QueryRecord } from '../../lambdas/core/ports/index.js';

/** Queue slots on DynamoDB's API (dynalite): what admission relies on under concurrency. */
let dynamo: LocalDynamo;
let store: DynamoQueryStore;
let n = 0;
const target = () => `target-${++n}`;
const T0 = 1_767_000_000_000;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
});
afterAll(async () => {
  await dynamo.close();
});

function record(queryId: string, extra: Partial<QueryRecord> = {}): QueryRecord {
  return { queryId, user: 'ann', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', kind: 'SELECT', state: 'QUEUED', createdAt: T0, updatedAt: T0, ...extra };
}

describe('target slots', () => {
  it('never grants more than the limit, however many gateways ask at once', async () => {
    const t = target();
    const attempts = await Promise.all(Array.from({ length: 40 }, () => store.slots.take(t, { limit: 7, group: 'g', newcomer: true })));
    expect(attempts.filter((a) => a.taken)).toHaveLength(7);
    expect((await store.slots.read([t])).get(t)).toEqual({ active: 7, waiting: {} });
    // A refusal says what the counter holds, for the routing reasons.
    expect(attempts.find((a) => !a.taken)).toMatchObject({ taken: false, active: 7 });
  });

  it('keeps newcomers behind the queries of their group that wait, but not the waiting ones nor other groups', async () => {
    const t = target();
    await store.slots.markWaiting('etl', [t], 1);
    expect((await store.slots.take(t, { limit: 5, group: 'etl', newcomer: true })).taken).toBe(false);
    expect((await store.slots.take(t, { limit: 5, group: 'adhoc', newcomer: true })).taken).toBe(true);
    expect((await store.slots.take(t, { limit: 5, group: 'etl', newcomer: false })).taken).toBe(true);
    await store.slots.markWaiting('etl', [t], -1);
    expect((await store.slots.take(t, { limit: 5, group: 'etl', newcomer: true })).taken).toBe(true);
    expect((await store.slots.read([t])).get(t)).toEqual({ active: 3, waiting: { etl: 0 } });
  });

  it('counts down to zero and no further, and forces a slot past the limit only when told', async () => {
    const t = target();
    await store.slots.release(t);
    expect((await store.slots.read([t])).get(t)!.active).toBe(0);
    expect((await store.slots.take(t, { limit: 1, group: 'g', newcomer: true })).taken).toBe(true);
    expect((await store.slots.take(t, { limit: 1, group: 'g', newcomer: true })).taken).toBe(false);
    expect((await store.slots.take(t, { limit: 1, group: 'g', newcomer: true, force: true })).taken).toBe(true);
    await Promise.all([store.slots.release(t), store.slots.release(t), store.slots.release(t)]);
    expect((await store.slots.read([t])).get(t)!.active).toBe(0);
  });

  it('gathers a burst of changes to one counter into few writes, each applied exactly once and never below zero', async () => {
    const t = target();
    let writes = 0;
    const counting = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      if ((args as { input?: { Key?: { queryId?: string } } }).input?.Key?.queryId === `#slots#${t}`) writes++;
      return next(args);
    };
    dynamo.client.middlewareStack.add(counting as never, { step: 'initialize', name: `count-${t}` });
    try {
      await Promise.all(Array.from({ length: 150 }, () => store.slots.markWaiting('g', [t], 1)));
      expect((await store.slots.read([t])).get(t)!.waiting).toEqual({ g: 150 });
      const released: boolean[] = [];
      await Promise.all(Array.from({ length: 120 }, () => store.slots.take(t, { limit: 1000, group: 'h', newcomer: true })));
      writes = 0;
      const seen: string[] = [];
      store.slots.onRelease((released) => seen.push(released));
      // 200 releases of 120 slots: 120 apply, 80 find the counter at zero.
      await Promise.all(Array.from({ length: 200 }, async () => released.push(await store.slots.release(t).then(() => true))));
      await Promise.all(Array.from({ length: 150 }, () => store.slots.markWaiting('g', [t], -1)));
      expect((await store.slots.read([t])).get(t)).toEqual({ active: 0, waiting: { g: 0 } });
      expect(seen.filter((x) => x === t)).toHaveLength(120);
      expect(writes).toBeLessThan(40);
    } finally {
      dynamo.client.middlewareStack.remove(`count-${t}`);
    }
  });

  it('gives a marked slot back once per holder, however often and from wherever it is asked, alongside the write that ends its query', async () => {
    const t = target();
    const q = `q-mark-${t}`;
    expect((await store.slots.take(t, { limit: 5, group: 'g', newcomer: true, holder: q })).taken).toBe(true);
    expect((await store.slots.take(t, { limit: 5, group: 'g', newcomer: true, holder: 'other' })).taken).toBe(true);
    await store.create(record(q, { target: t, engineHandle: 'h', slot: t, slotMark: true }));
    const given: string[] = [];
    store.slots.onRelease((released) => given.push(released));
    // A poll gives the slot back alongside its write of the end; an event and a sweeper end it too.
    const results = await Promise.all([
      store.transition(q, { state: 'FINISHED', slotGivenBack: true }, T0 + 1),
      store.slots.release(t, q),
      store.transition(q, { state: 'FINISHED', eventSequence: 9 }, T0 + 2),
      store.transition(q, { state: 'CANCELED', endReason: 'abandoned' }, T0 + 3),
      store.slots.release(t, q),
    ]);
    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect(given.filter((x) => x === t)).toHaveLength(1);
    expect((await store.slots.read([t])).get(t)!.active).toBe(1);
    expect((await store.get(q))?.slot).toBeUndefined();
    // The other holder's slot is still there, and goes back once.
    await Promise.all([store.slots.release(t, 'other'), store.slots.release(t, 'other')]);
    expect((await store.slots.read([t])).get(t)!.active).toBe(0);
  });

  it('gives a slot back exactly once, with the write that ends its query, whoever writes it', async () => {
    const t = target();
    await store.slots.take(t, { limit: 3, group: 'g', newcomer: true });
    await store.create(record(`q-end-${t}`, { target: t, engineHandle: 'h', slot: t }));
    // The poll and Athena's event both try to end it: one applies, one slot comes back.
    const ended = await Promise.all([store.transition(`q-end-${t}`, { state: 'FINISHED' }, T0 + 1), store.transition(`q-end-${t}`, { state: 'FINISHED', eventSequence: 4 }, T0 + 2)]);
    expect(ended.filter(Boolean)).toHaveLength(1);
    expect((await store.slots.read([t])).get(t)!.active).toBe(0);
    expect(await store.get(`q-end-${t}`)).not.toHaveProperty('slot');
  });

  it('takes a waiting query out of its line when it starts, and when it ends while waiting', async () => {
    const t = target();
    await store.slots.markWaiting('g', [t], 1);
    await store.slots.markWaiting('g', [t], 1);
    await store.create(record(`q-w1-${t}`, { waitingGroup: 'g', waitingOn: [t] }));
    await store.create(record(`q-w2-${t}`, { waitingGroup: 'g', waitingOn: [t] }));
    await store.slots.take(t, { limit: 3, group: 'g', newcomer: false });
    expect(await store.attachHandle(`q-w1-${t}`, t, 'h1', undefined, { slot: t, routing: { outcome: 'target' } })).toBe(true);
    expect((await store.slots.read([t])).get(t)).toEqual({ active: 1, waiting: { g: 1 } });
    expect(await store.get(`q-w1-${t}`)).toMatchObject({ slot: t, target: t, routing: { outcome: 'target' } });
    expect(await store.get(`q-w1-${t}`)).not.toHaveProperty('waitingGroup');
    // The second is abandoned while it waits (the sweeper ends it): its place is given back.
    expect(await store.transition(`q-w2-${t}`, { state: 'CANCELED' }, T0 + 5)).toBe(true);
    expect((await store.slots.read([t])).get(t)).toEqual({ active: 1, waiting: { g: 0 } });
  });

  it('repairs a counter that drifted only after seeing the same difference twice with nothing in between', async () => {
    const t = target();
    await store.slots.take(t, { limit: 9, group: 'g', newcomer: true });
    await store.slots.take(t, { limit: 9, group: 'g', newcomer: true });
    // Two slots held, the items say one query is active: a slot was never given back.
    expect(await store.slots.repair(t, 1)).toBe('suspect');
    expect((await store.slots.read([t])).get(t)!.active).toBe(2);
    // A query started in between: the counter moved, so nothing is repaired yet.
    await store.slots.take(t, { limit: 9, group: 'g', newcomer: true });
    expect(await store.slots.repair(t, 2)).toBe('suspect');
    expect(await store.slots.repair(t, 2)).toBe('repaired');
    expect((await store.slots.read([t])).get(t)!.active).toBe(2);
    expect(await store.slots.repair(t, 2)).toBe('ok');
  });
});
