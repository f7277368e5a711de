import type { BifrostConfig } from '../config/schema.js';
import type { ConfigStore, HealthStore, TargetState } from '../ports/index.js';
import type { BifrostEvents } from './emitter.js';

/**
 * Target State Changed, from the stores where target changes are applied: a health state written
 * (conditionally) that flips a cluster's health, and run-time overrides applied (conditionally on
 * their version) that change a target's state. Only a write that succeeded publishes, so two
 * checks racing, or an admin's change refused as a conflict, publish nothing twice.
 */
export function healthStoreWithEvents(store: HealthStore, events: BifrostEvents): HealthStore {
  if (!events.enabled) return store;
  // The states this instance read last: what a conditional write was computed from.
  const seen = new Map<string, { checkedAt: number; healthy: boolean }>();
  return {
    async get(targets) {
      const states = await store.get(targets);
      for (const [target, s] of states) seen.set(target, { checkedAt: s.checkedAt, healthy: s.healthy });
      return states;
    },
    async put(state, previousCheckedAt) {
      const known = seen.get(state.target);
      const written = await store.put(state, previousCheckedAt);
      if (!written) return false;
      seen.set(state.target, { checkedAt: state.checkedAt, healthy: state.healthy });
      // Never checked counts as healthy; otherwise the state the write was computed from, or, when
      // this instance did not read it, what the state says of itself (changedAt is set on a flip).
      const previousHealthy =
        previousCheckedAt === undefined ? true : known?.checkedAt === previousCheckedAt ? known.healthy : state.changedAt === state.checkedAt ? !state.healthy : state.healthy;
      if (previousHealthy !== state.healthy) events.targetHealthChanged(state, previousHealthy);
      return true;
    },
  };
}

export function configStoreWithEvents(store: ConfigStore, config: BifrostConfig, events: BifrostEvents, clock: () => number = Date.now): ConfigStore {
  if (!events.enabled) return store;
  return {
    read: () => store.read(),
    async apply(change, expectedVersion) {
      const names = Object.keys(change.targets ?? {});
      if (!names.length) return store.apply(change, expectedVersion);
      const before = await store.read().catch(() => undefined);
      const result = await store.apply(change, expectedVersion);
      // Applied from `expectedVersion`: `before` is what it changed only if it is that version.
      if (!result.ok || before?.version !== expectedVersion) return result;
      const fileState = (name: string): TargetState | undefined => config.targets[name]?.state;
      for (const name of names) {
        const previousState = before.targets[name]?.state ?? fileState(name);
        const override = result.overrides.targets[name];
        const state = override?.state ?? fileState(name);
        if (!previousState || !state || previousState === state) continue;
        events.targetStateChanged({
          target: name,
          state,
          previousState,
          version: result.overrides.version,
          at: result.overrides.updatedAt ?? clock(),
          ...(change.by ? { by: change.by } : {}),
          ...(override?.reason ? { reason: override.reason } : {}),
        });
      }
      return result;
    },
  };
}
