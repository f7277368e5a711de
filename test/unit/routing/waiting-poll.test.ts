import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoQueryStore } from '../../../lambdas/adapters/aws/dynamo-query-store.js';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/context.js';
import type { QueryRecord } from '../../../lambdas/core/ports/index.js';
import { createRouter } from '../../../lambdas/core/routing/index.js';
import { pollWaitingQuery, storedRoutingRequest, waitingLiveWindowMs, type WaitingPollContext } from '../../../lambdas/core/routing/queueing.js';
import { WaitingRoom, type Wake } from '../../../lambdas/core/routing/waiting-room.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';
import { request } from './support/requests.js';

/**
 * A waiting query's poll through the waiting room, on the slot counters and items of dynalite:
 * held for the waiting hold, woken at once by a slot this instance gives back, and by the
 * re-check for a slot another instance gave back. The clock stands still: a poll that was not
 * woken could only run out its hold, and would not be submitted.
 */
const T0 = 1_767_000_000_000;
let dynamo: LocalDynamo;
let n = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function item(queryId: string, extra: Partial<QueryRecord>): QueryRecord {
  return { queryId, user: 'ann', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', kind: 'SELECT', state: 'QUEUED', createdAt: T0, updatedAt: T0, ...extra };
}

/** One target with one slot, taken by a running query, and a query of its group waiting for it. */
async function line(options: { holdMs: number; recheckMs: number }) {
  const target = `slot-${++n}`;
  const config = parseConfig({ version: 1, targets: { [target]: { type: 'duckdb', queueLimit: 1 } }, routingGroups: { g: { targets: [target], whenFull: 'wait' } }, defaultRoutingGroup: 'g' });
  // A store of its own per test: its slots tell only this test's room of what they give back.
  const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  const running = `running-${n}`;
  expect((await store.slots.take(target, { limit: 1, group: 'g', newcomer: true })).taken).toBe(true);
  await store.create(item(running, { state: 'RUNNING', target, engineHandle: 'h0', slot: target }));
  const waiting = item(`waiting-${n}`, { createdAt: T0 + 1, routingGroup: 'g', waitingGroup: 'g', waitingOn: [target], routingRequest: storedRoutingRequest(request()) });
  await store.create(waiting);
  await store.slots.markWaiting('g', [target], 1);

  const reads: string[][] = [];
  const hooks: { afterRead?: () => Promise<unknown> } = {};
  const counters = {
    slots: {
      read: async (targets: readonly string[]) => {
        reads.push([...targets]);
        const counts = await store.slots.read(targets);
        await hooks.afterRead?.();
        return counts;
      },
    },
    queueLimit: async (t: string) => config.targets[t]?.queueLimit,
  };
  const room = new WaitingRoom({ ...options, counters });
  store.slots.onRelease((t) => room.freed(t));
  const holds: { ms: number; woke: Wake | false }[] = [];
  const hold = room.hold.bind(room);
  room.hold = async (query, ms) => {
    const entry = { ms, woke: false as Wake | false };
    holds.push(entry);
    entry.woke = await hold(query, ms);
    return entry.woke;
  };
  const submitted: string[] = [];
  const ctx: WaitingPollContext = {
    router: createRouter({ config, depths: store, slots: store.slots }),
    store,
    slots: store.slots,
    room,
    now: () => T0 + 2,
    liveWindowMs: waitingLiveWindowMs(DEFAULT_GATEWAY_CONFIG),
    pollWaitMs: options.recheckMs,
    pollTouchIntervalMs: DEFAULT_GATEWAY_CONFIG.pollTouchIntervalMs,
    submit: async () => {
      submitted.push(waiting.queryId);
      await store.attachHandle(waiting.queryId, waiting.target!, 'h1', undefined, { slot: waiting.slot!, routing: waiting.routing! });
      waiting.engineHandle = 'h1';
    },
  };
  return { target, store, running, waiting, room, ctx, holds, reads, hooks, submitted };
}

describe("a waiting query's poll", () => {
  it('is held for the waiting hold, and woken at once by a slot this instance gives back', async () => {
    const l = await line({ holdMs: 20_000, recheckMs: 10_000 });
    const polled = pollWaitingQuery(l.ctx, l.waiting);
    await vi.waitFor(() => expect(l.room.size).toBe(1));
    expect(l.holds.map((h) => h.ms)).toEqual([20_000]);
    // The running query ends here: the write that ends it gives its slot back.
    expect(await l.store.transition(l.running, { state: 'FINISHED' }, T0 + 2)).toBe(true);
    await polled;
    expect(l.holds.map((h) => h.woke)).toEqual(['released']);
    expect(l.submitted).toEqual([l.waiting.queryId]);
    expect(await l.store.get(l.waiting.queryId)).toMatchObject({ target: l.target, slot: l.target, engineHandle: 'h1' });
    expect(await l.store.get(l.waiting.queryId)).not.toHaveProperty('waitingGroup');
    expect((await l.store.slots.read([l.target])).get(l.target)).toEqual({ active: 1, waiting: { g: 0 } });
    // Nothing is held, and nothing reads the counters any more.
    expect(l.room.size).toBe(0);
    expect(l.reads).toEqual([]);
  });

  it('finds a slot another instance gave back with one read of the counters, and takes it in arrival order', async () => {
    const l = await line({ holdMs: 20_000, recheckMs: 10_000 });
    const polled = pollWaitingQuery(l.ctx, l.waiting);
    await vi.waitFor(() => expect(l.room.size).toBe(1));
    // Another instance ends the running query: its slots, not this room's, give the slot back.
    const elsewhere = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
    expect(await elsewhere.transition(l.running, { state: 'FINISHED' }, T0 + 2)).toBe(true);
    expect(l.room.size).toBe(1);
    // The re-check the room runs every pollWaitMs, run now.
    expect(await l.room.recheck()).toBe(1);
    await polled;
    expect(l.reads).toEqual([[l.target]]);
    expect(l.holds.map((h) => h.woke)).toEqual(['free']);
    expect(l.submitted).toEqual([l.waiting.queryId]);
    expect((await l.store.slots.read([l.target])).get(l.target)).toEqual({ active: 1, waiting: { g: 0 } });
  });

  it('is held again for the rest of its hold when another query took the slot it was woken for', async () => {
    const l = await line({ holdMs: 20_000, recheckMs: 10_000 });
    const polled = pollWaitingQuery(l.ctx, l.waiting);
    await vi.waitFor(() => expect(l.room.size).toBe(1));
    const elsewhere = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
    await elsewhere.transition(l.running, { state: 'FINISHED' }, T0 + 2);
    // Between the room's read and the woken poll's take, a query of another group takes the slot.
    l.hooks.afterRead = () => elsewhere.slots.take(l.target, { limit: 1, group: 'other', newcomer: true });
    expect(await l.room.recheck()).toBe(1);
    await vi.waitFor(() => expect(l.holds).toHaveLength(2));
    expect(l.holds.map((h) => h.woke)).toEqual(['free', false]);
    expect(l.holds[1]!.ms).toBe(20_000);
    expect(l.submitted).toEqual([]);
    // That query ends here: the poll, held again, takes the slot at once.
    await l.store.slots.release(l.target);
    await polled;
    expect(l.holds.map((h) => h.woke)).toEqual(['free', 'released']);
    expect(l.submitted).toEqual([l.waiting.queryId]);
  });
});
