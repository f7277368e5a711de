import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyStateChange } from '../../../lambdas/core/tracking/state-change.js';
import { executionId, stateEvent, trackingFixture, type TrackingFixture } from './support.js';

/**
 * EventBridge at its worst, on dynalite: every event of a query delivered three times, in a random
 * order, all at once, as concurrent Lambda invocations would apply them. The query ends in its
 * true state and its target's depth counts it no more.
 */
let f: TrackingFixture;
let n = 0;

beforeAll(async () => {
  f = await trackingFixture();
});
afterAll(async () => {
  await f.close();
});

describe('concurrent duplicate and reordered deliveries', () => {
  it('end every query in its true final state with the depth back where it was', async () => {
    const before = await f.store.depth('adhoc');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('SUCCEEDED', 'FAILED', 'CANCELLED') as fc.Arbitrary<'SUCCEEDED' | 'FAILED' | 'CANCELLED'>, fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (final, requeued, seed) => {
        n++;
        const queryId = `20250301_120000_${String(n).padStart(5, '0')}_burst`;
        const exec = executionId(50_000 + n);
        await f.submit({ queryId, target: 'adhoc', executionId: exec });
        f.athena.set(exec, { state: final });
        const states: ('QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED')[] = requeued ? ['RUNNING', 'QUEUED', 'RUNNING', final] : ['RUNNING', final];
        const events = states.flatMap((state, i) => [0, 1, 2].map(() => stateEvent(exec, state, i + 2)));
        // A seeded shuffle: the order the deliveries race in.
        let s = seed;
        for (let i = events.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [events[i], events[j]] = [events[j]!, events[i]!];
        }
        await Promise.all(events.map((event) => applyStateChange(f.deps, event)));
        const record = await f.store.get(queryId);
        expect(record?.state).toBe(final === 'SUCCEEDED' ? 'FINISHED' : final === 'FAILED' ? 'FAILED' : 'CANCELED');
        expect(record?.eventSequence).toBe(states.length + 1);
      }),
      { numRuns: 25 },
    );
    expect(await f.store.depth('adhoc')).toEqual(before);
  });
});
