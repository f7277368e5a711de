import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueryRecord, QueryStore } from '../../../../lambdas/core/ports/index.js';

export interface WaitingStoreFactory {
  create(): Promise<QueryStore>;
  close?(): Promise<void>;
}

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
let serial = 0;

function waiting(group: string | undefined, createdAt: number, over: Partial<QueryRecord> = {}): QueryRecord {
  const queryId = over.queryId ?? `20250106_120000_${String(++serial).padStart(5, '0')}_aaaaa`;
  return {
    queryId,
    user: 'u',
    dialect: 'trino',
    sql: 'SELECT 1',
    sqlDigest: 'd',
    state: 'QUEUED',
    createdAt,
    updatedAt: createdAt,
    ...(group ? { waitingGroup: group, routingGroup: group, routingRequest: { principal: { user: 'u', groups: [], method: 'test' }, session: { dialect: 'trino', user: 'u', clientTags: [] } } } : {}),
    ...over,
  };
}

/** The gateway queue's store queries: arrival order per group, live clients only. */
export function waitingQueueContract(name: string, factory: () => Promise<WaitingStoreFactory>): void {
  describe(`gateway queue store contract: ${name}`, () => {
    let stores: WaitingStoreFactory;
    let store: QueryStore;
    const ready = factory().then((f) => (stores = f));
    beforeEach(async () => {
      await ready;
      store = await stores.create();
    });
    afterAll(async () => {
      await ready;
      await stores.close?.();
    });

    const me = { queryId: '20250106_120000_99999_zzzzz', createdAt: T0 + 100 };
    const count = (group = 'g', atMost = 100, liveSince = T0 - 60_000, query = me) => store.countWaitingAhead!(group, query, liveSince, atMost);

    it('counts the older waiting queries of the group, live ones only', async () => {
      expect(await count()).toBe(0);
      await store.create(waiting('g', T0 + 1));
      await store.create(waiting('g', T0 + 2));
      await store.create(waiting('g', T0 + 200)); // younger
      await store.create(waiting('other', T0 + 3)); // another group
      await store.create(waiting(undefined, T0 + 4)); // not waiting (routed straight to a target)
      await store.create(waiting('g', T0 - 120_000)); // client never polled: lapsed
      const polled = waiting('g', T0 - 120_000);
      await store.create(polled);
      await store.touch(polled.queryId, T0 - 1_000); // old, but its client still polls
      expect(await count()).toBe(3);
      expect(await count('g', 2)).toBe(2);
      expect(await count('other')).toBe(1);
      expect(await count('g', 100, T0 + 2)).toBe(1);
    });

    it('orders equal creation times by query id, and never counts the query itself', async () => {
      await store.create(waiting('g', T0 + 100, { queryId: '20250106_120000_00001_aaaaa' }));
      await store.create(waiting('g', T0 + 100, { queryId: me.queryId }));
      await store.create(waiting('g', T0 + 100, { queryId: '20250106_120000_99999_zzzzz9' }));
      expect(await count()).toBe(1);
    });

    it('stops counting a query once it has a target or is final', async () => {
      const a = waiting('g', T0 + 1);
      const b = waiting('g', T0 + 2);
      const c = waiting('g', T0 + 3);
      for (const r of [a, b, c]) await store.create(r);
      expect(await store.attachHandle(a.queryId, 't', 'h')).toBe(true);
      await store.leaveWaiting!(a.queryId, { outcome: 'target', target: 't', group: 'g', reasons: ['room'] });
      expect(await store.attachHandle(b.queryId, 't', 'h2')).toBe(true); // submitted, marker still there
      expect(await store.transition(c.queryId, { state: 'CANCELED' }, T0 + 50)).toBe(true);
      expect(await count()).toBe(0);
      const left = await store.get(a.queryId);
      expect(left?.waitingGroup).toBeUndefined();
      expect(left?.routingRequest).toBeUndefined();
      expect(left?.routing).toEqual({ outcome: 'target', target: 't', group: 'g', reasons: ['room'] });
      expect(left?.routingGroup).toBe('g');
    });

    it('keeps the routing facts of a waiting query on its item', async () => {
      const r = waiting('g', T0);
      await store.create(r);
      expect((await store.get(r.queryId))?.routingRequest).toEqual(r.routingRequest);
    });
  });
}
