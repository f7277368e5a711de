import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { cachedConfigSource } from '../../../lambdas/core/routing/config-source.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import { MemoryConfigStore } from '../../../lambdas/core/stores/config-store.js';
import type { ConfigOverrides } from '../../../lambdas/core/ports/index.js';
import { gatewayHarness } from './support/gateway-harness.js';
import { FixedDepths } from '../../support/memory-store.js';
import { request } from './support/requests.js';

const config = parseConfig({
  version: 1,
  targets: { blue: { type: 'duckdb', queueLimit: 10 }, green: { type: 'duckdb', queueLimit: 10 }, other: { type: 'duckdb' } },
  routingGroups: { team: { targets: ['blue', 'green'] }, other: { targets: ['other'] } },
  rules: [{ name: 'team', priority: 1, match: { groups: ['team'] }, routingGroup: 'team' }],
  defaultRoutingGroup: 'other',
});

describe('cluster switching at run time', () => {
  it('drains a target while queries run on it: new queries go elsewhere, running ones keep being polled there', async () => {
    const configStore = new MemoryConfigStore(config);
    const clock = { now: 0 };
    const source = cachedConfigSource({ base: config, store: configStore, ttlMs: 5_000, clock: () => clock.now });
    const h = gatewayHarness((store) => createRouter({ config: source, depths: store }), ['blue', 'green', 'other']);
    // The header authenticator gives users no groups: make the team's group the default one.
    expect((await configStore.apply({ routing: { routingGroups: config.routingGroups, rules: [], defaultRoutingGroup: 'team' } }, 0)).ok).toBe(true);
    clock.now = 10_000;
    const running = [await h.post('a'), await h.post('b')];
    expect(h.engines.blue!.submitted).toEqual(running.map((q) => q.id));

    expect((await configStore.apply({ targets: { blue: { state: 'draining', reason: 'upgrade' } } }, 1)).ok).toBe(true);
    // Within the cache's lifetime the change is not seen yet; after it, it is.
    const early = await h.post('c');
    expect(h.store.items.get(early.id)!.target).toBe('blue');
    clock.now += 5_000;
    const moved = [await h.post('d'), await h.post('e')];
    expect(h.engines.green!.submitted).toEqual(moved.map((q) => q.id));
    expect(h.store.items.get(moved[0]!.id)!.routing!.reasons).toContain("target 'blue' skipped: draining: it finishes its running queries and takes no new ones");

    // Queries already on the draining target are polled there until they finish.
    for (const [user, q] of [['a', running[0]!], ['b', running[1]!], ['c', early]] as const) {
      expect((await h.poll(user, q.next)).state).toBe('RUNNING');
    }
    expect(h.engines.blue!.polled).toEqual(expect.arrayContaining([...running, early].map((q) => q.id)));
    expect(h.engines.green!.polled).toEqual([]);

    // Back to active: new queries return to the first target of the chain.
    expect((await configStore.apply({ targets: { blue: null } }, 2)).ok).toBe(true);
    clock.now += 5_000;
    const back = await h.post('f');
    expect(h.store.items.get(back.id)!.target).toBe('blue');
  });

  it('moves a team to another cluster by replacing the routing section: no client changes anything', async () => {
    const configStore = new MemoryConfigStore(config);
    const source = cachedConfigSource({ base: config, store: configStore, ttlMs: 0 });
    const router = createRouter({ config: source, depths: new FixedDepths() });
    const teamQuery = request({ user: 'tess', groups: ['team'], source: 'Looker' });
    await expect(router.route(teamQuery)).resolves.toMatchObject({ group: 'team', target: 'blue', configVersion: 0 });
    const result = await configStore.apply({ routing: { routingGroups: { ...config.routingGroups, team: { targets: ['other'], whenFull: 'wait' } }, rules: config.rules, defaultRoutingGroup: 'other' }, comment: 'team moves to the other cluster' }, 0);
    expect(result.ok).toBe(true);
    await expect(router.route(teamQuery)).resolves.toMatchObject({ group: 'team', target: 'other', configVersion: 1 });
  });

  it('never routes to a draining or disabled target, whatever the sequence of switches', async () => {
    const configStore = new MemoryConfigStore(config);
    const source = cachedConfigSource({ base: config, store: configStore, ttlMs: 0 });
    const router = createRouter({ config: source, depths: new FixedDepths() });
    const states = ['active', 'draining', 'disabled'] as const;
    let overrides: ConfigOverrides = await configStore.read();
    for (let i = 0; i < 60; i++) {
      const blue = states[i % 3]!;
      const green = states[Math.floor(i / 3) % 3]!;
      const result = await configStore.apply({ targets: { blue: { state: blue }, green: { state: green } } }, overrides.version);
      expect(result.ok).toBe(true);
      if (result.ok) overrides = result.overrides;
      const decision = await router.route(request({ user: 'tess', groups: ['team'] }));
      if (decision.outcome === 'target') expect({ blue, green }[decision.target as 'blue' | 'green']).toBe('active');
      else expect([blue, green]).not.toContain('active');
    }
  });

  it('keeps the last good config when the store cannot be read, and the file config when stored overrides no longer fit it', async () => {
    const problems: string[] = [];
    let fail = false;
    const clock = { now: 0 };
    const store = new MemoryConfigStore(config);
    await store.apply({ targets: { blue: { state: 'draining' } } }, 0);
    const flaky = { read: () => (fail ? Promise.reject(new Error('throttled')) : store.read()), apply: store.apply.bind(store) };
    const source = cachedConfigSource({ base: config, store: flaky, ttlMs: 1_000, clock: () => clock.now, onProblem: (m) => problems.push(m) });
    expect((await source.current()).config.targets.blue!.state).toBe('draining');
    fail = true;
    clock.now += 2_000;
    expect((await source.current()).config.targets.blue!.state).toBe('draining');
    expect(problems).toEqual(['could not read the run-time config; keeping the last known one']);
    // A redeploy removed the target the stored overrides name: the whole override set is ignored.
    const smaller = parseConfig({ ...config, targets: { green: config.targets.green, other: config.targets.other }, routingGroups: { team: { targets: ['green'] }, other: { targets: ['other'] } } });
    const redeployed = cachedConfigSource({ base: smaller, store, onProblem: (m) => problems.push(m) });
    const effective = await redeployed.current();
    expect(effective.config).toBe(smaller);
    expect(effective.problems).toEqual(["targets.blue: unknown target 'blue' (targets are defined in the config file)"]);
  });
});
