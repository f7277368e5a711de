import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHealthStore } from '../../../../lambdas/adapters/aws/dynamo-health-store.js';
import { configTableDefinition } from '../../../../lambdas/adapters/aws/tables.js';
import { checkClusterHealth, clusterHealthTargets, nextHealthState, storedTargetHealth, type ClusterHealthState, type HealthStore, type ProbeResult } from '../../../../lambdas/core/engines/cluster/index.js';
import { MemoryHealthStore } from '../../../support/memory-health-store.js';
import { parseConfig } from '../../../../lambdas/core/config/schema.js';
import { createRouter } from '../../../../lambdas/core/routing/router.js';
import { startLocalDynamo, type LocalDynamo } from '../../../../lambdas/local/dynamo.js';

const spec = { unhealthyAfter: 3, healthyAfter: 2 };
const ok = { ok: true, detail: 'version 476', version: '476' };
const down = { ok: false, detail: 'ECONNREFUSED' };

describe('health hysteresis', () => {
  it('flips to unhealthy after unhealthyAfter failures, back after healthyAfter successes', () => {
    let state: ClusterHealthState | undefined;
    const seen: boolean[] = [];
    for (const [i, probe] of [ok, down, down, down, down, ok, down, ok, ok, ok].entries()) {
      state = nextHealthState(state, 'legacy', spec, probe, 1000 + i);
      seen.push(state.healthy);
    }
    expect(seen).toEqual([true, true, true, false, false, false, false, false, true, true]);
    expect(state).toMatchObject({ consecutiveSuccesses: 3, consecutiveFailures: 0, changedAt: 1008, checkedAt: 1009, version: '476' });
  });

  it('a cluster never checked starts healthy', () => {
    expect(nextHealthState(undefined, 'legacy', spec, down, 1).healthy).toBe(true);
  });
});

describe('checkClusterHealth', () => {
  it('probes every cluster, records the states and reports changes', async () => {
    const store = new MemoryHealthStore();
    let clock = 0;
    const probes: Record<string, ProbeResult> = { a: ok, b: down };
    const deps = { targets: { a: spec, b: { unhealthyAfter: 2, healthyAfter: 1 } }, probe: async (t: string) => probes[t]!, store, clock: () => ++clock };
    expect((await checkClusterHealth(deps)).map((r) => [r.target, r.healthy, r.changed])).toEqual([
      ['a', true, false],
      ['b', true, false],
    ]);
    expect((await checkClusterHealth(deps)).map((r) => [r.target, r.healthy, r.changed])).toEqual([
      ['a', true, false],
      ['b', false, true],
    ]);
    probes.b = ok;
    expect((await checkClusterHealth(deps)).find((r) => r.target === 'b')).toMatchObject({ healthy: true, changed: true });
  });

  it('a probe that throws counts as a failure', async () => {
    const store = new MemoryHealthStore();
    const [report] = await checkClusterHealth({
      targets: { a: { unhealthyAfter: 1, healthyAfter: 1 } },
      probe: async () => {
        throw new Error('boom');
      },
      store,
    });
    expect(report).toMatchObject({ healthy: false, changed: true, probe: { ok: false, detail: 'boom' } });
  });

  it('two overlapping rounds count once: the second write is refused', async () => {
    const store = new MemoryHealthStore();
    const first = nextHealthState(undefined, 'a', spec, down, 1);
    expect(await store.put(first, undefined)).toBe(true);
    expect(await store.put(nextHealthState(undefined, 'a', spec, down, 2), undefined)).toBe(false);
    expect(await store.put(nextHealthState(first, 'a', spec, down, 3), first.checkedAt)).toBe(true);
  });

  it('checks the trino and presto targets of a config that are not disabled', () => {
    const config = parseConfig({
      version: 1,
      targets: {
        adhoc: { type: 'athena', workgroup: 'adhoc' },
        legacy: { type: 'trino', url: 'https://trino.example.com' },
        old: { type: 'presto', url: 'https://presto.example.com', unhealthyAfter: 5, healthyAfter: 1 },
        off: { type: 'trino', url: 'https://off.example.com', state: 'disabled' },
      },
      routingGroups: { default: { targets: ['adhoc'] } },
      defaultRoutingGroup: 'default',
    });
    expect(clusterHealthTargets(config)).toEqual({ legacy: { unhealthyAfter: 3, healthyAfter: 2 }, old: { unhealthyAfter: 5, healthyAfter: 1 } });
  });
});

describe('storedTargetHealth (routing)', () => {
  it('answers from a snapshot, reloads when stale, ignores states of stopped checks', async () => {
    const store = new MemoryHealthStore();
    let now = 100_000;
    let reads = 0;
    const counting: HealthStore = { get: (t) => (reads++, store.get(t)), put: (s, p) => store.put(s, p) };
    await store.put({ ...nextHealthState(undefined, 'legacy', { unhealthyAfter: 1, healthyAfter: 1 }, down, now), healthy: false }, undefined);
    const health = storedTargetHealth(counting, { clusters: ['legacy'], refreshMs: 1_000, staleAfterMs: 60_000, clock: () => now });
    expect(health.healthy('adhoc')).toBe(true);
    expect(await health.healthy('legacy')).toBe(false);
    expect(health.healthy('legacy')).toBe(false);
    expect(reads).toBe(1);
    now += 61_000;
    // The state is older than staleAfterMs: the checks stopped, so it no longer counts.
    expect(await health.healthy('legacy')).toBe(true);
    expect(reads).toBe(2);
  });

  it('keeps routing when the store cannot be read', async () => {
    const broken: HealthStore = { get: async () => Promise.reject(new Error('throttled')), put: async () => true };
    const health = storedTargetHealth(broken, { clusters: ['legacy'] });
    expect(await health.healthy('legacy')).toBe(true);
  });

  it('makes routing skip an unhealthy cluster', async () => {
    const config = parseConfig({
      version: 1,
      targets: { legacy: { type: 'trino', url: 'https://trino.example.com' }, adhoc: { type: 'athena', workgroup: 'adhoc' } },
      routingGroups: { default: { targets: ['legacy', 'adhoc'] } },
      defaultRoutingGroup: 'default',
    });
    const store = new MemoryHealthStore();
    const health = storedTargetHealth(store, { clusters: Object.keys(clusterHealthTargets(config)), refreshMs: 0 });
    const router = createRouter({ config, depths: { depth: async () => ({ queued: 0, running: 0 }) }, health });
    const request = { principal: { user: 'alice', groups: [], method: 'header' }, session: { dialect: 'trino' as const, user: 'alice', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {} } };
    expect(await router.route(request)).toMatchObject({ outcome: 'target', target: 'legacy' });
    await checkClusterHealth({ targets: clusterHealthTargets(config), probe: async () => down, store });
    await checkClusterHealth({ targets: { legacy: { unhealthyAfter: 1, healthyAfter: 1 } }, probe: async () => down, store });
    expect(await router.route(request)).toMatchObject({ outcome: 'target', target: 'adhoc' });
  });
});

describe('DynamoHealthStore', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo([configTableDefinition('bifrost-config')]);
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('stores states next to the routing document, with conditional writes', async () => {
    const store = new DynamoHealthStore(dynamo.client, 'bifrost-config');
    expect((await store.get(['legacy'])).size).toBe(0);
    const first = nextHealthState(undefined, 'legacy', spec, down, 1000);
    expect(await store.put(first, undefined)).toBe(true);
    expect(await store.put(first, undefined)).toBe(false);
    const second = nextHealthState(first, 'legacy', spec, ok, 2000);
    expect(await store.put(second, 1000)).toBe(true);
    expect(await store.put(nextHealthState(first, 'legacy', spec, ok, 2001), 1000)).toBe(false);
    const read = await store.get(['legacy', 'other']);
    expect([...read.keys()]).toEqual(['legacy']);
    expect(read.get('legacy')).toEqual(second);
  });

  it('drives checkClusterHealth', async () => {
    const store = new DynamoHealthStore(dynamo.client, 'bifrost-config');
    for (let i = 0; i < 3; i++) await checkClusterHealth({ targets: { flaky: spec }, probe: async () => down, store, clock: () => 10_000 + i });
    expect((await store.get(['flaky'])).get('flaky')).toMatchObject({ healthy: false, consecutiveFailures: 3 });
  });
});
