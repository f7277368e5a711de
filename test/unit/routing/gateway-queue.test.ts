import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { cachedConfigSource } from '../../../lambdas/core/routing/config-source.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import { trinoAnalyzer } from '../../../lambdas/core/sql/analyze.js';
import { MemoryConfigStore } from '../../../lambdas/core/stores/config-store.js';
import { gatewayHarness } from './support/gateway-harness.js';

/** One group over one target that takes two queries and waits when full. */
const config = parseConfig({
  version: 1,
  targets: { small: { type: 'duckdb', queueLimit: 2 }, spare: { type: 'duckdb', queueLimit: 5 } },
  routingGroups: { team: { targets: ['small'], whenFull: 'wait' }, spare: { targets: ['spare'] } },
  defaultRoutingGroup: 'team',
});

function setup() {
  const configStore = new MemoryConfigStore(config);
  const source = cachedConfigSource({ base: config, store: configStore, ttlMs: 0 });
  const h = gatewayHarness((store) => createRouter({ config: source, depths: store }), ['small', 'spare']);
  return { ...h, configStore };
}

describe('gateway queue (whenFull: wait)', () => {
  it('answers QUEUED for a query that waits, and submits it when room appears', async () => {
    const h = setup();
    const q1 = await h.post('u1');
    const q2 = await h.post('u2');
    const q3 = await h.post('u3');
    expect(h.engines.small!.submitted).toEqual([q1.id, q2.id]);
    expect(q3.state).toBe('QUEUED');
    const item = h.store.items.get(q3.id)!;
    expect(item).toMatchObject({ state: 'QUEUED', waitingGroup: 'team', routingGroup: 'team', routing: { outcome: 'wait', group: 'team' } });
    expect(item.target).toBeUndefined();
    expect(item.routingRequest).toMatchObject({ principal: { user: 'u3' }, session: { user: 'u3' }, analysis: { ok: false, kind: 'SELECT' } });

    const stillWaiting = await h.poll('u3', q3.next);
    expect(stillWaiting.state).toBe('QUEUED');
    expect(h.engines.small!.submitted).toHaveLength(2);

    await h.finish(q1.id);
    const admitted = await h.poll('u3', stillWaiting.next!);
    expect(admitted.state).toBe('QUEUED');
    expect(h.engines.small!.submitted).toEqual([q1.id, q2.id, q3.id]);
    const after = h.store.items.get(q3.id)!;
    expect(after).toMatchObject({ target: 'small', routing: { outcome: 'target', target: 'small' } });
    expect(after.waitingGroup).toBeUndefined();
    expect(after.routingRequest).toBeUndefined();
    // From now on polls reach the engine.
    expect((await h.poll('u3', admitted.next!)).state).toBe('RUNNING');
    expect(h.engines.small!.polled).toContain(q3.id);
  });

  it('submits waiting queries in arrival order: a younger one does not take the slot an older one needs', async () => {
    const h = setup();
    const [q1, q2] = [await h.post('a'), await h.post('a')];
    h.clock.now += 1;
    const q3 = await h.post('a');
    h.clock.now += 1;
    const q4 = await h.post('a');
    await h.finish(q1.id);
    // One slot: q4 polls first but q3 is ahead of it.
    expect((await h.poll('a', q4.next)).state).toBe('QUEUED');
    expect(h.engines.small!.submitted).not.toContain(q4.id);
    // A new query does not jump the line either.
    h.clock.now += 1;
    const q5 = await h.post('a');
    expect(h.store.items.get(q5.id)!.waitingGroup).toBe('team');
    expect(h.store.items.get(q5.id)!.routing!.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^waiting at the gateway behind 1\+ older queries of group 'team': target 'small' has room for 1 \(arrival order\)/)]));
    await h.poll('a', q3.next);
    expect(h.engines.small!.submitted).toEqual([q1.id, q2.id, q3.id]);
    // Two slots at once: the second in line may go even if it polls before the first, whose slot
    // stays free for it.
    await h.finish(q2.id);
    await h.finish(q3.id);
    await h.poll('a', q5.next);
    expect(h.engines.small!.submitted).toEqual([q1.id, q2.id, q3.id, q5.id]);
    h.clock.now += 1;
    const late = await h.post('a');
    expect(h.store.items.get(late.id)!.waitingGroup).toBe('team');
    await h.poll('a', q4.next);
    expect(h.engines.small!.submitted).toEqual([q1.id, q2.id, q3.id, q5.id, q4.id]);
  });

  it('does not let a waiting query whose client stopped polling hold the line', async () => {
    const h = setup();
    const q1 = await h.post('a');
    await h.post('a');
    h.clock.now += 1;
    const abandoned = await h.post('gone');
    h.clock.now += 1;
    const live = await h.post('a');
    await h.finish(q1.id);
    expect((await h.poll('a', live.next)).state).toBe('QUEUED');
    // The abandoned client never polls; a minute and a half later its place lapses.
    for (let i = 0; i < 9; i++) {
      h.clock.now += 10_000;
      await h.poll('a', live.next);
    }
    expect(h.engines.small!.submitted).toContain(live.id);
    expect(h.engines.small!.submitted).not.toContain(abandoned.id);
  });

  it('fails a waiting query with the reason when its group can no longer take it', async () => {
    const h = setup();
    await h.post('a');
    await h.post('a');
    const waiting = await h.post('a');
    expect((await h.configStore.apply({ targets: { small: { state: 'disabled', reason: 'decommissioned' } } }, 0)).ok).toBe(true);
    const polled = await h.poll('a', waiting.next);
    expect(polled.state).toBe('FAILED');
    expect(polled.error).toMatchObject({ errorName: 'QUERY_REJECTED' });
    expect(polled.error!.message).toContain("no target of group 'team' can take queries");
    expect(h.store.items.get(waiting.id)!.state).toBe('FAILED');
  });

  it('rejects a new query with the reason when no target of its group is usable', async () => {
    const h = setup();
    await h.configStore.apply({ targets: { small: { state: 'draining' } } }, 0);
    const q = await h.post('a');
    const polled = await h.poll('a', q.next);
    expect(polled.state).toBe('FAILED');
    expect(polled.error!.message).toBe("Query rejected by routing: no target of group 'team' can take queries (no rules: default group 'team')");
    expect(h.store.items.get(q.id)!.routing!.reasons).toContain("target 'small' skipped: draining: it finishes its running queries and takes no new ones");
  });

  it('routes on the analyzed tables and the statement kind, and keeps them to route a waiting query again', async () => {
    const tableConfig = parseConfig({
      ...config,
      routingGroups: { ...config.routingGroups, spare: { targets: ['spare'], whenFull: 'wait' } },
      rules: [{ name: 'sales-writes', priority: 1, match: { statementKinds: ['INSERT'], tables: ['hive\\.sales\\..*'] }, routingGroup: 'spare' }],
    });
    const depths = { spare: 5 };
    const h = gatewayHarness((store) => createRouter({ config: tableConfig, depths: { depth: async (t) => (t === 'spare' ? { queued: 0, running: depths.spare } : store.depth(t)) } }), ['small', 'spare'], trinoAnalyzer);
    const write = await h.post('a', 'INSERT INTO hive.sales.orders SELECT * FROM hive.web.clicks');
    const read = await h.post('a', 'SELECT * FROM hive.sales.orders');
    expect(h.store.items.get(read.id)).toMatchObject({ routingGroup: 'team', target: 'small' });
    const item = h.store.items.get(write.id)!;
    expect(item).toMatchObject({ routingGroup: 'spare', waitingGroup: 'spare' });
    expect(item.routingRequest!.analysis).toEqual({ ok: true, kind: 'INSERT', tables: [expect.objectContaining({ name: 'hive.sales.orders', access: 'write' }), expect.objectContaining({ name: 'hive.web.clicks', access: 'read' })] });
    depths.spare = 4;
    await h.poll('a', write.next);
    expect(h.engines.spare!.submitted).toEqual([write.id]);
    expect(h.store.items.get(write.id)!.routing!.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^rule 'sales-writes' \(priority 1\) matched: statement kind any of \[INSERT\], tables any of/)]));
  });
});
