import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import { FixedDepths } from '../../support/memory-store.js';
import { request } from './support/requests.js';

const TARGETS = ['t0', 't1', 't2', 't3', 't4', 't5'];
const USERS = ['alice', 'bob', 'carol'];

const scenario = fc.record({
  targets: fc.array(fc.record({ state: fc.constantFrom('active', 'active', 'active', 'active', 'draining', 'disabled'), queueLimit: fc.integer({ min: 1, max: 5 }) }), { minLength: TARGETS.length, maxLength: TARGETS.length }),
  groups: fc.array(fc.record({ chain: fc.array(fc.constantFrom(...TARGETS), { minLength: 1, maxLength: 5 }), whenFull: fc.constantFrom('wait', 'use-last') }), { minLength: 1, maxLength: 4 }),
  rules: fc.array(fc.record({ user: fc.option(fc.constantFrom(...USERS, 'a.*', 'bob|carol'), { nil: undefined }), hint: fc.option(fc.constantFrom('athena', 'trino'), { nil: undefined }), group: fc.nat() }), { maxLength: 4 }),
  depths: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: TARGETS.length, maxLength: TARGETS.length }),
  unhealthy: fc.subarray(TARGETS, { maxLength: 2 }),
  forbidden: fc.subarray(TARGETS.flatMap((t) => USERS.map((u) => `${u}:${t}`)), { maxLength: 4 }),
  user: fc.constantFrom(...USERS),
  hint: fc.option(fc.constantFrom('athena', 'trino'), { nil: undefined }),
});

describe('target selection (property)', () => {
  it('picks an active, healthy, allowed target below its limit, overflows only under use-last, or waits or denies with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const groupNames = s.groups.map((_, i) => `g${i}`);
        const config = parseConfig({
          version: 1,
          targets: Object.fromEntries(TARGETS.map((t, i) => [t, { type: 'duckdb', ...s.targets[i]! }])),
          routingGroups: Object.fromEntries(s.groups.map((g, i) => [groupNames[i], { targets: g.chain, whenFull: g.whenFull }])),
          rules: s.rules.map((r, i) => ({ name: `r${i}`, priority: i, match: { ...(r.user ? { user: r.user } : {}), ...(r.hint ? { routingHint: r.hint } : {}) }, routingGroup: groupNames[r.group % groupNames.length] })),
          defaultRoutingGroup: 'g0',
        });
        const depths = new FixedDepths(Object.fromEntries(TARGETS.map((t, i) => [t, s.depths[i]!])));
        const allowedCalls: string[] = [];
        const router = createRouter({
          config,
          depths,
          health: { healthy: (t) => !s.unhealthy.includes(t) },
          allowed: (p, t) => {
            allowedCalls.push(t);
            return !s.forbidden.includes(`${p.user}:${t}`);
          },
        });
        const explanation = await router.explain(request({ user: s.user, ...(s.hint ? { hint: s.hint } : {}) }));
        const decision = await router.route(request({ user: s.user, ...(s.hint ? { hint: s.hint } : {}) }));
        expect(decision.outcome).toBe(explanation.outcome);
        expect(decision.reasons.length).toBeGreaterThan(0);

        const group = config.routingGroups[explanation.group!]!;
        const usable = (t: string) => config.targets[t]!.state === 'active' && !s.unhealthy.includes(t) && !s.forbidden.includes(`${s.user}:${t}`);
        const depthOf = (t: string) => s.depths[TARGETS.indexOf(t)]!;
        const full = (t: string) => depthOf(t) >= config.targets[t]!.queueLimit;
        const chainUsable = [...new Set(group.targets)].filter(usable);

        if (explanation.outcome === 'target') {
          const target = explanation.target!;
          expect(group.targets).toContain(target);
          expect(config.targets[target]!.state).toBe('active');
          expect(s.unhealthy).not.toContain(target);
          expect(s.forbidden).not.toContain(`${s.user}:${target}`);
          if (full(target)) {
            // Overflow: only under use-last, only when every usable target is full, on the last one.
            expect(group.whenFull).toBe('use-last');
            expect(chainUsable.every(full)).toBe(true);
            expect(target).toBe(chainUsable[chainUsable.length - 1]);
          } else {
            // The first usable target with room.
            expect(target).toBe(chainUsable.find((t) => !full(t)));
            expect(explanation.headroom).toBe(group.whenFull === 'wait' ? config.targets[target]!.queueLimit - depthOf(target) : undefined);
          }
        } else if (explanation.outcome === 'wait') {
          expect(group.whenFull).toBe('wait');
          expect(chainUsable.length).toBeGreaterThan(0);
          expect(chainUsable.every(full)).toBe(true);
          expect(decision.reasons[0]).toMatch(/^waiting at the gateway/);
        } else {
          expect(chainUsable).toEqual([]);
          expect(decision.reasons[0]).toMatch(/no target of group|may use no target of group/);
        }
        // Depth is read only for usable targets, in chain order, never after the chosen one.
        const reads = depths.reads.slice(depths.reads.length / 2);
        const expectedReads: string[] = [];
        for (const t of [...new Set(group.targets)].filter(usable)) {
          expectedReads.push(t);
          if (!full(t)) break;
        }
        expect(reads).toEqual(expectedReads);
        // Every target of the chain is accounted for, skipped ones with a reason.
        expect(explanation.targets.map((t) => t.name)).toEqual(group.targets);
        for (const t of explanation.targets) expect(t.why).not.toBe('');
        expect(allowedCalls.every((t) => config.targets[t]!.state === 'active' && !s.unhealthy.includes(t))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
