import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText, type BifrostConfig } from '../../../../lambdas/core/config/schema.js';
import { effectiveConfig } from '../../../../lambdas/core/stores/config-store.js';
import type { ConfigStore, RoutingSection } from '../../../../lambdas/core/ports/index.js';

export const exampleConfig: BifrostConfig = parseConfigText(readFileSync(new URL('../../../../config/bifrost.example.yaml', import.meta.url), 'utf8'));

export interface StoreFactory {
  /** A fresh, empty store over `base`. */
  create(base: BifrostConfig): Promise<ConfigStore>;
  close?(): Promise<void>;
}

const routing = (over: Partial<RoutingSection> = {}): RoutingSection => ({
  routingGroups: { adhoc: { targets: ['adhoc'], whenFull: 'wait' }, legacy: { targets: ['legacy-trino'], whenFull: 'wait' } },
  rules: [{ name: 'everyone-legacy', priority: 1, match: {}, routingGroup: 'legacy' }],
  defaultRoutingGroup: 'adhoc',
  ...over,
});

/** What every ConfigStore must do: validated, versioned, all-or-nothing changes. */
export function configStoreContract(name: string, factory: () => Promise<StoreFactory>): void {
  describe(`ConfigStore contract: ${name}`, () => {
    let stores: StoreFactory;
    let store: ConfigStore;
    const ready = factory().then((f) => (stores = f));

    beforeEach(async () => {
      await ready;
      store = await stores.create(exampleConfig);
    });
    afterAll(async () => {
      await ready;
      await stores.close?.();
    });

    it('starts at version 0 with no overrides: the file config as it is', async () => {
      const overrides = await store.read();
      expect(overrides).toMatchObject({ version: 0, targets: {} });
      expect(overrides.routing).toBeUndefined();
      expect(effectiveConfig(exampleConfig, overrides)).toBe(exampleConfig);
    });

    it('applies a target state change, bumping the version', async () => {
      const result = await store.apply({ targets: { 'critical-a': { state: 'draining', reason: 'capacity reservation resize' } }, by: 'ops@example.com' }, 0);
      expect(result).toMatchObject({ ok: true, overrides: { version: 1, targets: { 'critical-a': { state: 'draining', reason: 'capacity reservation resize' } }, updatedBy: 'ops@example.com' } });
      const stored = await store.read();
      expect(stored.version).toBe(1);
      expect(effectiveConfig(exampleConfig, stored).targets['critical-a']!.state).toBe('draining');
      expect(effectiveConfig(exampleConfig, stored).targets['critical-b']!.state).toBe('active');
    });

    it('refuses a bad change as a whole, reporting every problem with its path, and applies nothing', async () => {
      await store.apply({ targets: { adhoc: { state: 'draining' } } }, 0);
      const result = await store.apply(
        {
          targets: { 'critical-b': { state: 'disabled' } },
          routing: routing({
            routingGroups: { adhoc: { targets: ['adhoc', 'no-such-target'], whenFull: 'wait' } },
            rules: [{ name: 'r', priority: 1, match: { user: '(' }, routingGroup: 'nowhere' }],
            defaultRoutingGroup: 'missing',
          }),
        },
        1,
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe('invalid');
      expect(result.problems.join('\n')).toMatch(/rules\.0\.match\.user: not a valid regular expression/);
      const after = await store.read();
      expect(after.version).toBe(1);
      expect(after.targets).toEqual({ adhoc: { state: 'draining' } });
      expect(after.routing).toBeUndefined();
    });

    it('reports cross-reference problems of a routing section with their paths', async () => {
      const result = await store.apply(
        { routing: routing({ routingGroups: { adhoc: { targets: ['adhoc', 'no-such-target'], whenFull: 'wait' } }, rules: [{ name: 'r', priority: 1, match: {}, routingGroup: 'nowhere' }], defaultRoutingGroup: 'missing' }) },
        0,
      );
      expect(result).toMatchObject({ ok: false, reason: 'invalid' });
      if (result.ok) return;
      expect(result.problems).toEqual(
        expect.arrayContaining([
          "routingGroups.adhoc.targets.1: unknown target 'no-such-target'",
          "defaultRoutingGroup: unknown routing group 'missing'",
          "rules.0.routingGroup: unknown routing group 'nowhere'",
        ]),
      );
      expect((await store.read()).version).toBe(0);
    });

    it('refuses overrides of targets the file does not define, and unknown states', async () => {
      const unknown = await store.apply({ targets: { 'no-such-target': { state: 'draining' } } }, 0);
      expect(unknown).toMatchObject({ ok: false, reason: 'invalid', problems: ["targets.no-such-target: unknown target 'no-such-target' (targets are defined in the config file)"] });
      const badState = await store.apply({ targets: { adhoc: { state: 'paused' as 'active' } } }, 0);
      expect(badState).toMatchObject({ ok: false, reason: 'invalid' });
      if (!badState.ok) expect(badState.problems[0]).toMatch(/^change\.targets\.adhoc\.state: /);
      const extra = await store.apply({ routing: { ...routing(), targets: {} } as RoutingSection }, 0);
      expect(extra).toMatchObject({ ok: false, reason: 'invalid' });
      expect(await store.read()).toMatchObject({ version: 0, targets: {} });
    });

    it('refuses a change made from a stale version (optimistic concurrency)', async () => {
      expect((await store.apply({ targets: { adhoc: { state: 'draining' } } }, 0)).ok).toBe(true);
      const stale = await store.apply({ targets: { adhoc: { state: 'disabled' } } }, 0);
      expect(stale).toMatchObject({ ok: false, reason: 'conflict', currentVersion: 1 });
      expect((await store.read()).targets.adhoc).toEqual({ state: 'draining' });
    });

    it('lets exactly one of two concurrent changes from the same version win', async () => {
      const results = await Promise.all([store.apply({ targets: { adhoc: { state: 'draining' } } }, 0), store.apply({ targets: { adhoc: { state: 'disabled' } } }, 0)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'conflict')).toHaveLength(1);
      expect((await store.read()).version).toBe(1);
    });

    it('replaces the routing section, keeps it across target changes, and goes back to the file with null', async () => {
      expect((await store.apply({ routing: routing(), comment: 'move everyone to the legacy cluster' }, 0)).ok).toBe(true);
      expect((await store.apply({ targets: { 'legacy-trino': { state: 'active' } } }, 1)).ok).toBe(true);
      let stored = await store.read();
      expect(stored.version).toBe(2);
      const effective = effectiveConfig(exampleConfig, stored);
      expect(effective.rules.map((r) => r.name)).toEqual(['everyone-legacy']);
      expect(Object.keys(effective.routingGroups)).toEqual(['adhoc', 'legacy']);
      expect(effective.capacityReservations).toEqual(exampleConfig.capacityReservations);
      expect((await store.apply({ routing: null, targets: { 'legacy-trino': null } }, 2)).ok).toBe(true);
      stored = await store.read();
      expect(stored).toMatchObject({ version: 3, targets: {} });
      expect(stored.routing).toBeUndefined();
      expect(effectiveConfig(exampleConfig, stored).rules).toEqual(exampleConfig.rules);
    });
  });
}
