import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { checkClusterHealth, markUnreachable } from '../../../lambdas/core/engines/cluster/index.js';
import { configStoreWithEvents, createEvents, eventSettings, healthStoreWithEvents, noEvents } from '../../../lambdas/core/events/index.js';
import { queryError } from '../../../lambdas/core/errors.js';
import type { BifrostEvent, EventPublisher, TrackedRecord } from '../../../lambdas/core/ports/index.js';
import { MemoryConfigStore } from '../../../lambdas/core/stores/config-store.js';
import { MemoryHealthStore } from '../../../test/support/memory-health-store.js';

/** The emitter's switches, and the stores that publish target changes only when their write applied. */
const base = {
  version: 1,
  gateway: { environment: 'unit' },
  targets: { lake: { type: 'athena', workgroup: 'wg' }, etl: { type: 'trino', url: 'https://trino.internal', unhealthyAfter: 2, healthyAfter: 1 } },
  routingGroups: { main: { targets: ['lake', 'etl'] } },
  defaultRoutingGroup: 'main',
};

function harness(events: object = { enabled: true }) {
  const config = parseConfig({ ...base, events });
  const published: BifrostEvent[] = [];
  const publisher: EventPublisher = { publish: (e) => void published.push(...e), flush: async () => ({ pending: 0 }) };
  const warnings: string[] = [];
  const emitter = createEvents({ config: config.events, settings: eventSettings(config, () => undefined), publisher, log: { info() {}, warn: (m) => void warnings.push(m), error() {} }, lookup: async (id) => item(id, 'FINISHED') });
  return { config, published, emitter, warnings };
}

function item(queryId: string, state: TrackedRecord['state'], extra: Partial<TrackedRecord> = {}): TrackedRecord {
  return { queryId, user: 'alice', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state, target: 'lake', createdAt: 1_000, updatedAt: 1_000, endedAt: 2_000, ...extra };
}

describe('the emitter', () => {
  it('publishes nothing when events are off, and the chatty types only when switched on', () => {
    const off = harness({ enabled: false });
    expect(off.emitter).toBe(noEvents);
    const on = harness();
    on.emitter.queryRecorded(item('q1', 'QUEUED'));
    on.emitter.queryRouted(item('q1', 'QUEUED', { engineHandle: 'h' }), 1_500);
    on.emitter.queryEnded(item('q1', 'FINISHED'), 2_000);
    expect(on.published.map((e) => e.detailType)).toEqual(['Query Finished']);
    const chatty = harness({ enabled: true, types: { querySubmitted: true, queryRouted: true, queryFinished: false } });
    chatty.emitter.queryRecorded(item('q2', 'FAILED', { error: queryError('PERMISSION_DENIED', 'Access Denied: no') }));
    chatty.emitter.queryRouted(item('q2', 'QUEUED', { engineHandle: 'h' }), 1_500);
    chatty.emitter.queryEnded(item('q2', 'FINISHED'), 2_000);
    expect(chatty.published.map((e) => e.detailType)).toEqual(['Query Submitted', 'Query Denied', 'Query Routed']);
  });

  it('reads the item for callers that hold only its id, and flush waits for that read', async () => {
    const { emitter, published } = harness();
    emitter.queryEndedById('q3', 2_000);
    expect(published).toEqual([]);
    await emitter.flush(1_000);
    expect(published.map((e) => [e.detailType, e.detail.queryId])).toEqual([['Query Finished', 'q3']]);
  });

  it('never throws at its caller: a record it cannot build from is logged once and skipped', () => {
    const { emitter, warnings, published } = harness({ enabled: true, types: { querySubmitted: true } });
    const broken = { ...item('q4', 'QUEUED'), createdAt: Number.NaN };
    expect(() => emitter.querySubmitted(broken)).not.toThrow();
    expect(() => emitter.querySubmitted(broken)).not.toThrow();
    expect(published).toEqual([]);
    expect(warnings).toEqual(['could not build an event']);
  });
});

describe('target changes', () => {
  const spec = { etl: { unhealthyAfter: 2, healthyAfter: 1 } };

  it('a health flip publishes once, from the check whose write applied; a mark by a failed submit too', async () => {
    const { emitter, published: out } = harness();
    const store = healthStoreWithEvents(new MemoryHealthStore(), emitter);
    let up = false;
    const check = (at: number) => checkClusterHealth({ targets: spec, probe: async () => ({ ok: up, detail: up ? 'up' : 'refused' }), store, clock: () => at });
    await check(1);
    expect(out).toEqual([]);
    await check(2);
    await check(3);
    expect(out.map((e) => [e.detail.change, e.detail.healthy, e.detail.previousHealthy])).toEqual([['health', false, true]]);
    up = true;
    await check(4);
    expect(out.map((e) => e.detail.healthy)).toEqual([false, true]);
    await markUnreachable(store, 'etl', spec.etl, 'connection refused', 5);
    await markUnreachable(store, 'etl', spec.etl, 'connection refused', 6);
    expect(out.map((e) => e.detail.healthy)).toEqual([false, true, false]);
    expect(new Set(out.map((e) => e.detail.eventId)).size).toBe(3);
  });

  it('an admin drain publishes the state change with who and why; a conflicting change publishes nothing', async () => {
    const { emitter, published: out, config } = harness();
    const store = configStoreWithEvents(new MemoryConfigStore(config, () => 10_000), config, emitter);
    expect((await store.apply({ targets: { etl: { state: 'draining', reason: 'upgrade' } }, by: 'root' }, 0)).ok).toBe(true);
    expect((await store.apply({ targets: { etl: { state: 'disabled' } }, by: 'root' }, 0)).ok).toBe(false);
    expect((await store.apply({ routing: null, by: 'root' }, 1)).ok).toBe(true);
    expect((await store.apply({ targets: { etl: null }, by: 'ops' }, 2)).ok).toBe(true);
    expect(out.map((e) => e.detail)).toEqual([
      expect.objectContaining({ change: 'state', target: 'etl', targetType: 'trino', state: 'draining', previousState: 'active', reason: 'upgrade', changedBy: 'root', eventId: 'unit:target/etl/state/1:target-state-changed' }),
      expect.objectContaining({ change: 'state', state: 'active', previousState: 'draining', changedBy: 'ops' }),
    ]);
  });
});
